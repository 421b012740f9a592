"""The demo's past weeks: requests that came, placements hosts accepted and cases that ended, so
that the figures pages have weeks that are over to publish. The organisation publishes them."""

from datetime import datetime, timedelta

from haven.accounts.models import Member
from haven.audit.services import to_the_hour
from haven.cases.lifecycle import case_move, case_triage
from haven.cases.models import Case
from haven.reports.services import sharing_set


def demo_outcomes(*, coordinator: Member, now: datetime) -> None:
    """Triage the demo's older requests, end a share of them, and publish the figures. The real
    services do the work; the hour each case ended is then set back to a day after it arrived,
    because the demo invents a past that the services only know as now."""
    older = list(
        Case.objects.filter(
            organisation=coordinator.organisation, created_hour__lt=now - timedelta(days=7)
        ).order_by("created_hour")
    )
    for index, case in enumerate(older):
        case_triage(actor=coordinator, case=case, decision="accept")
        if index % 3 == 2:
            continue
        if index % 5 == 4:
            case_move(actor=coordinator, case=case, status="closed", reason="no_answer")
        else:
            case_move(actor=coordinator, case=case, status="resolved")
        ended = min(to_the_hour(case.created_hour + timedelta(days=1 + index % 6)), now)
        Case.objects.filter(pk=case.pk).update(ended_hour=ended)
    sharing_set(actor=coordinator, public=True, network=True)
