"""Finding a request by its codename, within budgets that survive Tor."""

from datetime import timedelta

from django.conf import settings

from haven.accounts.models import Organisation
from haven.cases.models import Case
from haven.core.ratelimit import Budget
from haven.crypto.codenames import lookup_digest


class TooManyAttempts(Exception):
    """A codename budget is spent; the requester should wait and try again."""


def _per_codename() -> Budget:
    return Budget("codename", settings.HAVEN_CODENAME_BUDGET_PER_HOUR, timedelta(hours=1))


def _global_failures() -> Budget:
    return Budget(
        "codename-fail", settings.HAVEN_CODENAME_GLOBAL_FAILURES_PER_MINUTE, timedelta(minutes=1)
    )


def case_by_codename(codename: str) -> Case | None:
    """Find the case a normalised codename opens.

    Every Tor client arrives as 127.0.0.1, so budgets are keyed on what survives Tor: the codename
    tried (a known codename cannot be hammered) and one global budget of failures (guessing at scale
    slows everyone down a little instead of succeeding).
    """
    digest = lookup_digest(codename, pepper=settings.HAVEN_PEPPER.encode())
    per_codename, failures = _per_codename(), _global_failures()
    if per_codename.exhausted(digest) or failures.exhausted(b"all"):
        raise TooManyAttempts
    per_codename.spend(digest)
    case = Case.objects.select_related("organisation").filter(codename_digest=digest).first()
    if case is None:
        failures.spend(b"all")
    return case


def organisations_taking_requests() -> list[Organisation]:
    """Organisations whose intake is open, by name."""
    return list(Organisation.objects.filter(accepts_requests=True).order_by("name"))
