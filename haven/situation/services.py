"""Writing crossing reports and volunteers' reviews of them. A report keeps nothing that says who
sent it; budgets keyed as the intake's (one global, one per crossing for anonymous reports, one
per codename login) keep a flood out of the table."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from haven.accounts.models import Member
from haven.audit.services import audit_record, pending_event, to_the_hour
from haven.core.ratelimit import Budget
from haven.core.rows import insert_together
from haven.crypto.sealing import FieldSealer, new_data_key, seal_data_key
from haven.situation.crossings import crossing_by_slug
from haven.situation.models import CrossingReport, Direction
from haven.situation.queries import forget_board
from haven.situation.scoring import WINDOW, Incident, Kind, Outcome, Queue, Review

NOTE_MAX = 200
# How far back a report may say it happened: older news does not count on the board anyway.
HOURS_BACK = int(WINDOW / timedelta(hours=1))


class OverBudget(Exception):
    """A budget is spent; the reporter should try again later."""


@dataclass(frozen=True)
class Reporter:
    """Who is reporting, as far as the board needs to know. `subject` keys a requester's budget
    (their case) and is never stored."""

    kind: Kind
    member: Member | None = None
    subject: bytes = field(default=b"", repr=False)

    @classmethod
    def anonymous(cls) -> "Reporter":
        return cls(kind=Kind.ANONYMOUS)

    @classmethod
    def requester(cls, case_id: str) -> "Reporter":
        return cls(kind=Kind.REQUESTER, subject=case_id.encode())

    @classmethod
    def volunteer(cls, member: Member) -> "Reporter":
        return cls(kind=Kind.VOLUNTEER, member=member)


@dataclass(frozen=True)
class Sighting:
    """What a report says happened."""

    crossing: str
    direction: Direction
    queue: Queue
    outcome: Outcome
    incidents: frozenset[Incident] = frozenset()
    hours_ago: int = 0

    def __post_init__(self) -> None:
        if self.crossing not in crossing_by_slug():
            raise ValueError(f"unknown crossing {self.crossing!r}")
        if not 0 <= self.hours_ago <= HOURS_BACK:
            raise ValueError(f"a report may go back 0 to {HOURS_BACK} hours")


def _within_budgets(reporter: Reporter, sighting: Sighting) -> bool:
    budgets = []
    if reporter.kind == Kind.ANONYMOUS:
        limit = settings.HAVEN_SITUATION_ANONYMOUS_PER_CROSSING_PER_HOUR
        budget = Budget("situation-crossing", limit, timedelta(hours=1))
        budgets.append((budget, sighting.crossing.encode()))
    elif reporter.kind == Kind.REQUESTER:
        limit = settings.HAVEN_SITUATION_PER_REQUESTER_PER_HOUR
        budgets.append((Budget("situation-requester", limit, timedelta(hours=1)), reporter.subject))
    # The global budget last: a report one of the narrower budgets refuses does not spend it.
    everyone = Budget("situation", settings.HAVEN_SITUATION_PER_MINUTE, timedelta(minutes=1))
    budgets.append((everyone, b"all"))
    return all(budget.take(subject) for budget, subject in budgets)


def report_submit(
    *, reporter: Reporter, sighting: Sighting, note: str = "", now: datetime | None = None
) -> CrossingReport:
    """Store one crossing report; raise OverBudget beyond the budgets (nothing is stored then)."""
    if note and reporter.kind != Kind.VOLUNTEER:
        raise ValueError("only a volunteer may add a note")
    if len(note) > NOTE_MAX:
        raise ValueError(f"a note holds at most {NOTE_MAX} characters")
    if reporter.kind == Kind.VOLUNTEER and reporter.member is None:
        raise ValueError("a volunteer's report needs the member")
    if not _within_budgets(reporter, sighting):
        raise OverBudget
    received = to_the_hour(now or timezone.now())
    report = CrossingReport(
        crossing=sighting.crossing,
        direction=sighting.direction,
        queue=sighting.queue,
        outcome=sighting.outcome,
        questioned=Incident.QUESTIONED in sighting.incidents,
        phone_searched=Incident.PHONE_SEARCHED in sighting.incidents,
        summons=Incident.SUMMONS in sighting.incidents,
        hour=received - timedelta(hours=sighting.hours_ago),
        received_hour=received,
        kind=reporter.kind,
    )
    data: dict[str, object] = {"crossing": sighting.crossing, "kind": str(reporter.kind)}
    member = reporter.member
    if member is None:
        # Anonymous and requester reports: a pending event, to the hour, with no actor.
        event = pending_event(
            action="situation.report",
            target_type="crossing_report",
            target_id=str(report.pk),
            data=data,
        )
        insert_together(report, event)
        forget_board()
        return report
    organisation = member.organisation
    report.organisation = organisation
    if note:
        data_key = new_data_key()
        report.sealed_key = seal_data_key(data_key, to_public=bytes(organisation.public_key))
        report.sealed_note = FieldSealer(data_key, str(report.pk)).seal("note", note)
    with transaction.atomic():
        report.save(force_insert=True)
        audit_record(
            actor=member,
            action="situation.report",
            organisation=organisation,
            target_type="crossing_report",
            target_id=str(report.pk),
            data=data,
        )
    forget_board()
    return report


@transaction.atomic
def report_review(
    *, actor: Member, report: CrossingReport, decision: Review, now: datetime | None = None
) -> CrossingReport:
    """A volunteer confirms a report (it then weighs as a volunteer's) or dismisses it (it then
    weighs nothing); reviewing again replaces the decision."""
    if decision not in (Review.CONFIRMED, Review.DISMISSED):
        raise ValueError("a review confirms or dismisses")
    hour = to_the_hour(now or timezone.now())
    CrossingReport.objects.filter(pk=report.pk).update(review=decision, reviewed_hour=hour)
    report.review, report.reviewed_hour = decision, hour
    audit_record(
        actor=actor,
        action="situation.review",
        organisation=actor.organisation,
        target_type="crossing_report",
        target_id=str(report.pk),
        data={"crossing": report.crossing, "decision": str(decision)},
    )
    # Now, and again at commit, so a board drawn in between does not keep the old decision.
    forget_board()
    transaction.on_commit(forget_board)
    return report
