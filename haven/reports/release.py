"""The rule that turns counts into figures safe to publish: no Django here (docs/reports.md).

Every week's counts are released once, after the week is over, with differential privacy: OpenDP's
discrete Laplace mechanism adds noise to every cell of the week, for every listed country, zero or
not. The noisy release is stored and never drawn again; every later figure (a page, a CSV, a total
over weeks, the network's sum over organisations) is computed from stored releases only. So a
person's presence costs a fixed privacy budget, however many releases an attacker compares:

- arrival (in the week the request came): requests 0.8, people 0.4 (a group counts as at most
  PEOPLE_CAP), needs 0.4 (all six together);
- placement (the week a host accepted): 0.2;
- outcome (the week the case ended): 0.2.

That is epsilon 2.0 per organisation per week and, for one person, 2.0 over every release ever
made. Shown figures are then clamped at zero, suppressed below THRESHOLD and rounded to ROUNDING:
post-processing, which costs no budget and keeps tiny noisy counts from reading as real people.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from types import ModuleType
from typing import Any

THRESHOLD = 10
ROUNDING = 5
# A larger group counts as this many people in "people": it bounds one request's weight there.
PEOPLE_CAP = 4
NEEDS = ("shelter", "legal", "route", "money", "medical", "talk")
OUTCOMES = ("helped", "stopped")


@dataclass(frozen=True)
class Group:
    """Measures released together by one mechanism: how far one person can move them (L1) and
    the budget they get."""

    name: str
    measures: tuple[str, ...]
    sensitivity: int
    epsilon: float

    @property
    def scale(self) -> float:
        return self.sensitivity / self.epsilon


GROUPS = (
    # Requests get the most: whether a country is shown at all hangs on them, and at this scale a
    # country nobody came from shows a figure (noise of 10 or more) in about one week in 200.
    Group("requests", ("requests",), sensitivity=1, epsilon=0.8),
    Group("people", ("people",), sensitivity=PEOPLE_CAP, epsilon=0.4),
    Group("needs", tuple(f"need_{need}" for need in NEEDS), sensitivity=len(NEEDS), epsilon=0.4),
    Group("placements", ("placements",), sensitivity=1, epsilon=0.2),
    Group("outcomes", tuple(f"outcome_{kind}" for kind in OUTCOMES), sensitivity=1, epsilon=0.2),
)
MEASURES = tuple(measure for group in GROUPS for measure in group.measures)
WEEK_EPSILON = sum(group.epsilon for group in GROUPS)
# Countries every release covers, whatever arrived: a row that appeared only when someone came
# would tell that someone came. Requests from any other country count under OTHER.
OTHER = "XX"

Counts = Mapping[str, Mapping[str, int]]


@cache
def _opendp() -> ModuleType:
    # Loaded on the first release drawn, not by every process that loads the URLs: OpenDP's
    # native library takes about half a second to load.
    import opendp.prelude as dp

    dp.enable_features("contrib")
    return dp


def mechanism(group: Group, cells: int) -> Any:
    """OpenDP's discrete Laplace mechanism over a vector of `cells` counts, for `group`."""
    dp = _opendp()
    return dp.m.make_laplace(
        dp.vector_domain(dp.atom_domain(T=int), size=cells),
        dp.l1_distance(T=int),
        scale=group.scale,
    )


def noisy_week(
    counts: Counts, countries: Sequence[str]
) -> tuple[dict[str, dict[str, int]], dict[str, float]]:
    """One week's release: every country and measure with noise, and the epsilon each group
    spent. `counts` maps a country to its exact counts; a missing one counts as zero."""
    release: dict[str, dict[str, int]] = {country: {} for country in countries}
    ledger: dict[str, float] = {}
    for group in GROUPS:
        cells = [(country, measure) for country in countries for measure in group.measures]
        exact = [int(counts.get(country, {}).get(measure, 0)) for country, measure in cells]
        measurement = mechanism(group, len(cells))
        for (country, measure), value in zip(cells, measurement(exact), strict=True):
            release[country][measure] = int(value)
        # OpenDP's privacy map: the epsilon one person's largest change costs.
        ledger[group.name] = float(measurement.map(group.sensitivity))
    return release, ledger


@dataclass(frozen=True)
class Figure:
    """One published figure: a rounded count, or None where it is suppressed."""

    value: int | None

    @property
    def suppressed(self) -> bool:
        return self.value is None

    def __str__(self) -> str:
        return f"<{THRESHOLD}" if self.value is None else str(self.value)


def released(count: int) -> Figure:
    """The figure shown for one (noisy) count: clamped at zero, suppressed below the threshold,
    the rest rounded."""
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


def consistent(noisy: Mapping[str, int]) -> dict[str, int]:
    """Noisy counts made to agree with what must hold of true ones: nothing below zero, no need
    counted more often than there are requests, and between one and PEOPLE_CAP people a request
    (post-processing, no budget)."""
    values = {measure: max(0, int(noisy.get(measure, 0))) for measure in MEASURES}
    requests = values["requests"]
    values["people"] = min(max(values["people"], requests), PEOPLE_CAP * requests)
    for measure in GROUPS[2].measures:
        values[measure] = min(values[measure], requests)
    return values


def margin(measure: str, cells: int = 1) -> int:
    """How far a figure that adds up `cells` noisy counts of this measure (one per organisation)
    lies from the true count 19 times in 20, before rounding. One cell: P(|noise| > t) is about
    exp(-t / scale); a sum of several is near normal, with variance 2·scale² each."""
    group = next(group for group in GROUPS if measure in group.measures)
    if cells <= 1:
        return math.ceil(group.scale * math.log(20))
    return math.ceil(1.96 * group.scale * math.sqrt(2 * cells))


def summed(releases: Sequence[Mapping[str, int]]) -> dict[str, int]:
    """Noisy counts added up, measure by measure: a total over countries, weeks or organisations
    is made of releases already published, so it spends no budget."""
    return {measure: sum(int(item.get(measure, 0)) for item in releases) for measure in MEASURES}
