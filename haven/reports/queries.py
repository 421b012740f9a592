"""Reading figures: the exact counts of one week (read only to publish its release, once), and the
stored releases every page and CSV is made of."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, IntegerField, Q, Sum, Value
from django.db.models.functions import Least
from django.utils import timezone

from haven.accounts.models import Organisation
from haven.cases.models import ENDED, Case, CloseReason, Status
from haven.core.geography import COUNTRY_NAMES
from haven.reports.models import Sharing, WeeklyRelease
from haven.reports.release import (
    MEASURES,
    NEEDS,
    OTHER,
    PEOPLE_CAP,
    Figure,
    consistent,
    released,
    summed,
)
from haven.volunteers.models import Decision, Placement

# Every release covers these, whatever arrived (see haven.reports.release.OTHER).
COUNTRIES = (*COUNTRY_NAMES, OTHER)
# Requests that were never people asking for help do not count.
NOT_REQUESTS = (CloseReason.SPAM, CloseReason.DUPLICATE)
STOPPED = (CloseReason.NO_ANSWER, CloseReason.FORGOTTEN)


def _bounds(week: date) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    since = datetime.combine(week, time(), tzinfo=zone)
    return since, since + timedelta(weeks=1)


def _listed(country: str) -> str:
    return country if country in COUNTRY_NAMES else OTHER


def exact_counts(organisation: Organisation, week: date) -> dict[str, dict[str, int]]:
    """The exact counts of the week that starts on `week`, by country: requests that arrived,
    people in them (a group counted as at most PEOPLE_CAP), their needs, placements hosts accepted,
    cases that ended. Only haven.reports.services.release_publish reads them, to add noise."""
    since, until = _bounds(week)
    counts: dict[str, dict[str, int]] = {}

    def add(country: str, measure: str, value: int) -> None:
        cell = counts.setdefault(_listed(country), {})
        cell[measure] = cell.get(measure, 0) + int(value or 0)

    arrived = (
        Case.objects.filter(
            organisation=organisation, created_hour__gte=since, created_hour__lt=until
        )
        .exclude(close_reason__in=NOT_REQUESTS)
        .values("country")
        .annotate(
            requests=Count("id"),
            people=Sum(Least("group_size", Value(PEOPLE_CAP), output_field=IntegerField())),
            **{f"need_{need}": Count("id", filter=Q(**{f"need_{need}": True})) for need in NEEDS},
        )
    )
    for row in arrived:
        values: dict[str, object] = dict(row)
        for measure in ("requests", "people", *(f"need_{need}" for need in NEEDS)):
            add(row["country"], measure, int(values[measure] or 0))  # type: ignore[call-overload]  # counts from the database
    # Placed: a host accepted, whether the guests have since arrived or left. A placement
    # withdrawn after the host's yes is not counted; a case placed twice in one week counts once.
    placed = (
        Placement.objects.filter(
            case__organisation=organisation,
            decision__in=(Decision.ACCEPTED, Decision.CHECKED_IN, Decision.CHECKED_OUT),
            decided_at__gte=since,
            decided_at__lt=until,
        )
        .values("case__country")
        .annotate(placements=Count("case", distinct=True))
    )
    for placed_row in placed:
        add(placed_row["case__country"], "placements", placed_row["placements"])
    ended = (
        Case.objects.filter(
            organisation=organisation,
            status__in=ENDED,
            ended_hour__gte=since,
            ended_hour__lt=until,
        )
        .values("country")
        .annotate(
            helped=Count(
                "id",
                filter=Q(status=Status.RESOLVED) | Q(close_reason=CloseReason.DONE),
            ),
            stopped=Count("id", filter=Q(close_reason__in=STOPPED)),
        )
    )
    for ended_row in ended:
        add(ended_row["country"], "outcome_helped", ended_row["helped"])
        add(ended_row["country"], "outcome_stopped", ended_row["stopped"])
    return counts


def sharing_of(organisation: Organisation) -> Sharing:
    """What the organisation shares with the public (nothing, unless a coordinator said so)."""
    found = Sharing.objects.filter(organisation=organisation).first()
    return found or Sharing(organisation=organisation, changed_hour=timezone.now())


def publishing_organisation(slug: str) -> Organisation | None:
    """The organisation with this slug if it publishes its own figures."""
    return Organisation.objects.filter(
        slug=slug, pk__in=Sharing.objects.filter(public=True).values("organisation")
    ).first()


def network_organisations() -> list[Organisation]:
    """The organisations counted in the network's public figures."""
    return list(
        Organisation.objects.filter(
            pk__in=Sharing.objects.filter(network=True).values("organisation")
        ).order_by("slug")
    )


@dataclass(frozen=True)
class Row:
    week: date
    country: str
    figures: dict[str, Figure]


@dataclass(frozen=True)
class Table:
    """Published figures by week and country, with totals by week and over all."""

    weeks: list[date]
    rows: list[Row]
    by_week: dict[date, dict[str, Figure]]
    # Each country over all the weeks (the weeks it was shown in), most requests first.
    by_country: list[tuple[str, dict[str, Figure]]]
    totals: dict[str, Figure]
    # The requests figure of each week, oldest first, for the chart.
    requests_per_week: list[tuple[date, Figure]]
    organisations: int
    # The privacy ledger: (week, organisation id, epsilon spent, hour published), newest first.
    ledger: list[tuple[date, int, float, datetime]]


def table(releases: list[WeeklyRelease], weeks: list[date], *, organisations: int) -> Table:
    """The figures of stored releases (one organisation's, or the network's summed), as shown:
    each noisy count clamped, suppressed below the threshold and rounded."""
    cells: dict[tuple[date, str], list[dict[str, int]]] = {}
    for item in releases:
        for country, values in item.figures.items():
            cells.setdefault((item.week, country), []).append(values)
    noisy = {key: consistent(summed(values)) for key, values in cells.items()}
    # A country is shown for a week only where its requests figure is: the other figures of a
    # country nobody came from are noise (needs the loudest), and would read as people. Week totals
    # add up the countries shown. Both are decided on released figures only (post-processing).
    shown = {
        key: values for key, values in noisy.items() if not released(values["requests"]).suppressed
    }
    rows = sorted(
        (
            Row(week=week, country=country, figures={m: released(v) for m, v in values.items()})
            for (week, country), values in shown.items()
        ),
        key=lambda row: (-row.week.toordinal(), row.country),
    )
    week_sums = {
        week: summed([values for (day, _country), values in shown.items() if day == week])
        for week in weeks
    }
    by_week = {week: {m: released(v) for m, v in sums.items()} for week, sums in week_sums.items()}
    country_sums = {
        country: summed([values for (_day, code), values in shown.items() if code == country])
        for country in sorted({code for _day, code in shown})
    }
    by_country = sorted(
        (
            (country, {m: released(v) for m, v in sums.items()})
            for country, sums in country_sums.items()
        ),
        key=lambda item: (-(item[1]["requests"].value or 0), item[0]),
    )
    overall = summed(list(week_sums.values()))
    return Table(
        weeks=weeks,
        rows=rows,
        by_week=by_week,
        by_country=by_country,
        totals={m: released(overall[m]) for m in MEASURES},
        requests_per_week=[(week, by_week[week]["requests"]) for week in reversed(weeks)],
        organisations=organisations,
        ledger=sorted(
            (
                (item.week, item.organisation_id, item.epsilon_spent, item.published_hour)
                for item in releases
            ),
            reverse=True,
        ),
    )
