"""Counting requests for a release: what is known when a request arrives, by week and country."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone

from haven.accounts.models import Organisation
from haven.cases.models import Case, Need
from haven.reports.release import Figure, closed_weeks, released, total

MEASURES = ("requests", "people", *(f"need_{need}" for need in Need.values))


@dataclass(frozen=True)
class Row:
    week: date
    country: str
    figures: dict[str, Figure]


@dataclass(frozen=True)
class Release:
    weeks: list[date]
    rows: list[Row]
    totals: dict[str, Figure]


def weekly_counts(
    organisation: Organisation, *, start: date, end: date
) -> dict[tuple[date, str], dict[str, int]]:
    """Raw counts of the requests that arrived from `start` (a Monday) up to `end` (exclusive), by
    week and country. Never shown as they are: see `release`."""
    zone = timezone.get_current_timezone()
    since = datetime.combine(start, time(), tzinfo=zone)
    until = datetime.combine(end, time(), tzinfo=zone)
    aggregates = {
        "requests": Count("id"),
        "people": Sum("group_size"),
        **{f"need_{need}": Count("id", filter=Q(**{f"need_{need}": True})) for need in Need.values},
    }
    rows = (
        Case.objects.filter(
            organisation=organisation, created_hour__gte=since, created_hour__lt=until
        )
        .annotate(week=TruncWeek("created_hour"))
        .values("week", "country")
        .annotate(**aggregates)
        .order_by("week", "country")
    )
    counts: dict[tuple[date, str], dict[str, int]] = {}
    for row in rows:
        week = row["week"]
        day = week.date() if isinstance(week, datetime) else week
        values: dict[str, object] = dict(row)
        counts[(day, row["country"])] = {m: int(values[m] or 0) for m in MEASURES}  # type: ignore[call-overload]  # counts from the database
    return counts


def release(organisation: Organisation, *, weeks: int = 12, today: date | None = None) -> Release:
    """The organisation's figures for the last `weeks` weeks that are over, each suppressed below
    the threshold and rounded (haven.reports.release)."""
    mondays = closed_weeks(today or timezone.localdate(), weeks=weeks)
    counts = weekly_counts(organisation, start=mondays[-1], end=mondays[0] + timedelta(weeks=1))
    rows = [
        Row(
            week=week,
            country=country,
            figures={measure: released(values[measure]) for measure in MEASURES},
        )
        for (week, country), values in sorted(
            counts.items(), key=lambda item: item[0], reverse=True
        )
    ]
    totals = {
        measure: total({index: row.figures[measure] for index, row in enumerate(rows)})
        for measure in MEASURES
    }
    return Release(weeks=mondays, rows=rows, totals=totals)
