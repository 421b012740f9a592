"""Reading cases for the desk: coarse fields only, always within the member's organisation, and
for a counselor only the cases shared with them."""

from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.functional import cached_property

from haven.accounts.models import Member
from haven.audit.models import Event
from haven.audit.queries import events_about
from haven.cases.models import ENDED, Case, CaseShare, Need, Note, Status

# A new request nobody has triaged for this long is shown as waiting too long.
TRIAGE_WITHIN = timedelta(hours=24)


@dataclass(frozen=True)
class DeskFilter:
    """What the coordinator narrowed the list to; empty strings mean "any"."""

    country: str = ""
    need: str = ""
    urgency: int | None = None
    status: str = ""
    overdue: bool = False
    # "mine" (the member has it) or "unassigned" (nobody has it).
    owner: str = ""
    new_message: bool = False
    # The first characters of a case's reference (its id, as the case page shows it).
    reference: str = ""


COARSE_COLUMNS = (
    "id",
    "organisation_id",
    "status",
    "country",
    "place",
    "group_size",
    "with_children",
    "women_only",
    "with_pets",
    "step_free",
    "languages",
    "urgency",
    "date_from",
    "date_until",
    "created_hour",
    "updated_hour",
    "due_on",
    "requester_wrote",
    "messages_only",
    "owner_id",
    "shredded_hour",
    *(f"need_{need}" for need in Need.values),
)


def overdue_condition() -> Q:
    """An open case with a task past its due date. A case that ended or was shredded is overdue
    for nothing, whatever its old tasks say; a request waiting for triage is not overdue but
    waiting (waiting_long), which the desk says in its own words."""
    return Q(due_on__lt=timezone.localdate()) & Q(shredded_hour__isnull=True) & ~Q(status__in=ENDED)


def is_overdue(case: Case) -> bool:
    """The same test as overdue_condition, for one case already loaded."""
    if case.status in ENDED or case.shredded_hour is not None:
        return False
    return case.due_on is not None and case.due_on < timezone.localdate()


def waiting_long(case: Case) -> bool:
    """A new request nobody has triaged for a day."""
    return case.status == Status.NEW and case.created_hour < timezone.now() - TRIAGE_WITHIN


def cases_for(member: Member) -> QuerySet[Case]:
    """Every case the member's organisation holds, loading coarse columns only."""
    return Case.objects.filter(organisation_id=member.organisation_id).only(*COARSE_COLUMNS)


def desk_cases(member: Member, desk_filter: DeskFilter) -> QuerySet[Case]:
    """The desk's list: filtered, most urgent first, then oldest first."""
    cases = cases_for(member)
    if desk_filter.country:
        cases = cases.filter(country=desk_filter.country)
    if desk_filter.need in Need.values:
        cases = cases.filter(**{f"need_{desk_filter.need}": True})
    if desk_filter.urgency:
        cases = cases.filter(urgency=desk_filter.urgency)
    if desk_filter.status in Status.values:
        cases = cases.filter(status=desk_filter.status)
    if desk_filter.overdue:
        cases = cases.filter(overdue_condition())
    if desk_filter.owner == "mine":
        cases = cases.filter(owner_id=member.pk)
    elif desk_filter.owner == "unassigned":
        cases = cases.filter(owner__isnull=True)
    if desk_filter.new_message:
        cases = cases.filter(requester_wrote=True)
    bounds = reference_bounds(desk_filter.reference)
    if bounds is not None:
        cases = cases.filter(pk__gte=bounds[0], pk__lte=bounds[1])
    return cases.order_by("-urgency", "created_hour", "id")


def reference_bounds(reference: str) -> tuple[UUID, UUID] | None:
    """The ids a typed reference ("3f2a9c01", dashes and case ignored) can be the start of."""
    digits = "".join(reference.lower().split()).replace("-", "")
    if not 4 <= len(digits) <= 32 or any(c not in "0123456789abcdef" for c in digits):
        return None
    return UUID(digits.ljust(32, "0")), UUID(digits.ljust(32, "f"))


# Past this many matching cases the desk says "more than 10,000" instead of counting them all:
# an exact count reads every matching index entry (about 100 ms at a million), while nobody pages
# through ten thousand requests; they narrow the filter instead.
COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    """Counts at most COUNT_CAP + 1 rows, so the count costs the same at a million as at ten
    thousand. `capped` says the true number is larger than COUNT_CAP."""

    @cached_property
    def count(self) -> int:
        return int(self.object_list[: COUNT_CAP + 1].count())  # type: ignore[attr-defined]  # desk_page passes a QuerySet

    @property
    def capped(self) -> bool:
        return self.count > COUNT_CAP


def desk_page(member: Member, desk_filter: DeskFilter, number: int, size: int) -> Page[Case]:
    """One page of the desk's list (an out-of-range number gives the last page)."""
    return CappedPaginator(desk_cases(member, desk_filter), size).get_page(number)


def case_for(member: Member, case_id: UUID | str) -> Case | None:
    """One case the member may work on, with its sealed columns; None if not theirs.

    A coordinator may open any case of their organisation; a counselor only one shared with them;
    anyone else none.
    """
    cases = Case.objects.select_related("organisation").filter(
        organisation_id=member.organisation_id, pk=case_id
    )
    if not member.is_coordinator:
        cases = cases.filter(
            shares__member=member,
            shares__unshared_at__isnull=True,
            shares__sealed_key__isnull=False,
        )
    return cases.first()


def shared_with(member: Member) -> QuerySet[Case]:
    """The cases shared with a member and not unshared, most urgent first."""
    return (
        Case.objects.filter(
            organisation_id=member.organisation_id,
            shares__member=member,
            shares__unshared_at__isnull=True,
            shares__sealed_key__isnull=False,
        )
        .only(*COARSE_COLUMNS)
        .order_by("-urgency", "created_hour", "id")
    )


def tasks_of(case: Case) -> list[Note]:
    """The case's tasks, coarse fields only (their text is sealed), open ones first."""
    return list(
        Note.objects.filter(case=case, is_task=True)
        .defer("body")
        .order_by("done_hour", "due_on", "number")
    )


# What the desk shows of a case's history: its life cycle and everyone who opened it.
HISTORY_ACTIONS = (
    "request.submit",
    "case.status",
    "case.share",
    "case.unshare",
    "case.reveal",
    "case.read",
    "case.note",
    "message.send",
    "message.receive",
    "case.shred",
    "case.owner",
    "placement.confirm",
    "placement.accept",
    "placement.decline",
    "placement.check_in",
    "placement.check_out",
    "placement.withdraw",
    "placement.expire",
)


def history_of(case: Case, limit: int) -> list[Event]:
    """The newest `limit` events of a case's history."""
    return events_about("case", str(case.pk), HISTORY_ACTIONS, limit)


def share_of(member: Member, case: Case) -> CaseShare | None:
    return CaseShare.objects.filter(case=case, member=member, unshared_at__isnull=True).first()
