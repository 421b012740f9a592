"""The rule that turns counts into figures safe to show: no Django here.

- Only weeks that are over are released. A week's counts are fixed once it ends (a request counts
  in the week it arrived), so two releases show the same figure for the same week, and a person's
  arrival cannot be read off the difference between yesterday's release and today's.
- A count below THRESHOLD (10) is suppressed; the rest are rounded to the nearest ROUNDING (5).
- Totals are sums of the released figures, so a total never gives away a suppressed cell.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

THRESHOLD = 10
ROUNDING = 5


@dataclass(frozen=True)
class Figure:
    """One released figure: a rounded count, or None where it was suppressed."""

    value: int | None

    @property
    def suppressed(self) -> bool:
        return self.value is None

    def __str__(self) -> str:
        return f"<{THRESHOLD}" if self.value is None else str(self.value)


def released(count: int) -> Figure:
    """The figure shown for one count."""
    if count < THRESHOLD:
        return Figure(None)
    return Figure(ROUNDING * round(count / ROUNDING))


def week_of(day: date) -> date:
    """The Monday that starts the ISO week of `day`."""
    return day - timedelta(days=day.weekday())


def closed_weeks(today: date, *, weeks: int) -> list[date]:
    """The Mondays of the last `weeks` weeks that are over, newest first."""
    this_week = week_of(today)
    return [this_week - timedelta(weeks=back) for back in range(1, weeks + 1)]


def total(figures: Mapping[Any, Figure]) -> Figure:
    """The sum of the figures shown; suppressed ones add nothing."""
    shown = [figure.value for figure in figures.values() if figure.value is not None]
    return Figure(sum(shown)) if shown else Figure(None)
