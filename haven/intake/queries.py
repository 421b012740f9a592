"""Finding a request by its codename, within budgets that survive Tor."""

import time
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

    Every Tor client arrives as 127.0.0.1, so no budget can be charged to the guesser; a budget
    that refused every codename once guesses used it up would let one client lock every requester
    out. So the codename is looked up first (a keyed digest and one indexed read, the same small
    cost whatever the flood) and a right one always opens its case, within a budget of its own that
    only whoever holds the codename can spend. Wrong guesses spend one global budget, taken in
    shares from memory, so a flood of them costs the database no write; beyond it they are
    answered "too many" and learn nothing more. What keeps guessing hopeless is the codename's
    strength (see haven.crypto.codenames), not the budget.
    """
    digest = lookup_digest(codename, pepper=settings.HAVEN_PEPPER.encode())
    case = Case.objects.select_related("organisation").filter(codename_digest=digest).first()
    if case is None:
        if not _global_failures().take(b"all"):
            raise TooManyAttempts
        return None
    per_codename = _per_codename()
    if per_codename.exhausted(digest):
        per_codename.refusing()
        raise TooManyAttempts
    per_codename.spend(digest)
    return case


def organisations_taking_requests() -> list[Organisation]:
    """Organisations whose intake is open, by name."""
    return list(Organisation.objects.filter(accepts_requests=True).order_by("name"))


# Each web process remembers the organisations it found taking requests for a few seconds: in a
# surge every intake would otherwise read the same row first. Only found ones are kept, so made-up
# slugs fill nothing.
ORGANISATION_SECONDS = 10.0
_taking: dict[str, tuple[float, Organisation]] = {}


def organisation_taking_requests(slug: str) -> Organisation | None:
    """The organisation with this slug if it takes requests (as of at most ten seconds ago)."""
    now = time.monotonic()
    kept = _taking.get(slug)
    if kept is not None and now - kept[0] < ORGANISATION_SECONDS:
        return kept[1]
    found = Organisation.objects.filter(slug=slug, accepts_requests=True).first()
    if found is None:
        _taking.pop(slug, None)
    else:
        _taking[slug] = (now, found)
    return found


def forget_organisations() -> None:
    """Drop what this process remembers of organisations (tests, and after changing one)."""
    _taking.clear()
