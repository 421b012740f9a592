"""Reading cases for the desk: coarse fields only, always within the member's organisation."""

from dataclasses import dataclass
from uuid import UUID

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

from haven.accounts.models import Member
from haven.cases.models import Case, Need, Status


@dataclass(frozen=True)
class DeskFilter:
    """What the coordinator narrowed the list to; empty strings mean "any"."""

    country: str = ""
    need: str = ""
    urgency: int | None = None
    status: str = ""


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
    *(f"need_{need}" for need in Need.values),
)


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
    return cases.order_by("-urgency", "created_hour", "id")


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
    """One case of the member's organisation, with its sealed columns; None if not theirs."""
    return Case.objects.filter(organisation_id=member.organisation_id, pk=case_id).first()
