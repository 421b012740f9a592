"""Simulated report streams for the scoring rule: does the board recover the true state of a
crossing, and does it resist a coordinated flood of false anonymous reports?

`python -m haven.situation.simulate` prints the figures; tests/situation/test_scoring.py holds the
rule to them. No Django, no database: the budgets that cap a real flood are left out, so these
figures are the worst case.
"""

import argparse
import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from haven.situation.scoring import (
    Assessment,
    Kind,
    Observation,
    Outcome,
    Queue,
    assess,
)

START = datetime(2022, 9, 25, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Stream:
    """How honest people report: per hour, on average, so many of each kind, this accurate."""

    anonymous_per_hour: float = 3.0
    requester_per_hour: float = 0.5
    volunteer_per_hour: float = 0.1
    accuracy: float = 0.8


def _count(rng: random.Random, mean: float) -> int:
    # A Poisson draw by counting exponential gaps: no NumPy needed for a handful per hour.
    count, spent = 0, rng.expovariate(1.0) if mean > 0 else float("inf")
    while spent < mean:
        count += 1
        spent += rng.expovariate(1.0)
    return count


def _honest(rng: random.Random, truth: Outcome, accuracy: float) -> Outcome:
    if rng.random() < accuracy:
        return truth
    return rng.choice([outcome for outcome in Outcome if outcome != truth])


def honest_hour(
    rng: random.Random, *, hour: datetime, truth: Outcome, stream: Stream
) -> list[Observation]:
    """One hour of honest reports."""
    reports: list[Observation] = []
    for kind, mean in (
        (Kind.ANONYMOUS, stream.anonymous_per_hour),
        (Kind.REQUESTER, stream.requester_per_hour),
        (Kind.VOLUNTEER, stream.volunteer_per_hour),
    ):
        reports.extend(
            Observation(
                hour=hour,
                kind=kind,
                outcome=_honest(rng, truth, stream.accuracy),
                queue=Queue.FROM_2H,
            )
            for _ in range(_count(rng, mean))
        )
    return reports


def flood(*, hour: datetime, size: int, outcome: Outcome) -> list[Observation]:
    """A coordinated flood: `size` anonymous reports of the same false outcome in one hour."""
    return [
        Observation(hour=hour, kind=Kind.ANONYMOUS, outcome=outcome, queue=Queue.OVER_24H)
    ] * size


@dataclass
class Tally:
    checks: int = 0
    right: int = 0
    wrong_as_fact: int = 0
    stated_as_fact: int = 0
    bursts: int = 0

    def add(self, assessment: Assessment, truth: Outcome) -> None:
        self.checks += 1
        self.right += assessment.outcome == truth
        self.stated_as_fact += assessment.is_fact
        self.wrong_as_fact += assessment.is_fact and assessment.outcome != truth
        self.bursts += assessment.burst

    def figures(self) -> dict[str, float | int]:
        return {
            "checks": self.checks,
            "true_state_leads": round(self.right / self.checks, 3),
            "stated_as_fact": round(self.stated_as_fact / self.checks, 3),
            "wrong_stated_as_fact": round(self.wrong_as_fact / self.checks, 3),
            "flood_flagged": round(self.bursts / self.checks, 3),
        }


def recovery(*, seeds: int = 200, stream: Stream | None = None) -> Tally:
    """The crossing lets people pass for 12 hours, then turns men back for 12; the board is read
    every hour except the two right after the change (the lag is measured on its own)."""
    stream = stream or Stream()
    tally = Tally()
    for seed in range(seeds):
        rng = random.Random(seed)  # noqa: S311  # a repeatable simulation, not a secret
        reports: list[Observation] = []
        for step in range(24):
            truth = Outcome.PASSED if step < 12 else Outcome.TURNED_BACK
            hour = START + timedelta(hours=step)
            reports += honest_hour(rng, hour=hour, truth=truth, stream=stream)
            if step >= 2 and step not in (12, 13):
                tally.add(assess(reports, now=hour + timedelta(minutes=59)), truth)
    return tally


def by_phase(*, seeds: int = 200, stream: Stream | None = None) -> dict[str, Tally]:
    """The same 24 hours as `recovery`, read every hour from the second: the steady first half
    apart from the twelve hours after the change, while the old state's reports still weigh."""
    stream = stream or Stream()
    phases = {"steady": Tally(), "after_change": Tally()}
    for seed in range(seeds):
        rng = random.Random(seed)  # noqa: S311  # a repeatable simulation, not a secret
        reports: list[Observation] = []
        for step in range(24):
            truth = Outcome.PASSED if step < 12 else Outcome.TURNED_BACK
            hour = START + timedelta(hours=step)
            reports += honest_hour(rng, hour=hour, truth=truth, stream=stream)
            if step >= 2:
                phase = phases["steady" if step < 12 else "after_change"]
                phase.add(assess(reports, now=hour + timedelta(minutes=59)), truth)
    return phases


def lag(*, seeds: int = 200, stream: Stream | None = None) -> float:
    """Hours after the crossing starts turning men back until the board leads with it (mean)."""
    stream = stream or Stream()
    total = 0
    for seed in range(seeds):
        rng = random.Random(seed)  # noqa: S311  # a repeatable simulation, not a secret
        reports: list[Observation] = []
        for step in range(36):
            truth = Outcome.PASSED if step < 12 else Outcome.TURNED_BACK
            hour = START + timedelta(hours=step)
            reports += honest_hour(rng, hour=hour, truth=truth, stream=stream)
            now = hour + timedelta(minutes=59)
            if step >= 12 and assess(reports, now=now).outcome == Outcome.TURNED_BACK:
                total += step - 12 + 1
                break
        else:
            total += 24
    return total / seeds


def flooded(
    *, seeds: int = 200, size: int = 500, hours: int = 1, stream: Stream | None = None
) -> Tally:
    """People pass; from hour 10, for `hours` hours, someone sends `size` anonymous reports of
    detentions an hour. The board is read from the flood's first hour for four hours."""
    stream = stream or Stream()
    tally = Tally()
    for seed in range(seeds):
        rng = random.Random(seed)  # noqa: S311  # a repeatable simulation, not a secret
        reports: list[Observation] = []
        for step in range(14):
            hour = START + timedelta(hours=step)
            reports += honest_hour(rng, hour=hour, truth=Outcome.PASSED, stream=stream)
            if 10 <= step < 10 + hours:
                reports += flood(hour=hour, size=size, outcome=Outcome.DETAINED)
            if step >= 10:
                tally.add(assess(reports, now=hour + timedelta(minutes=59)), Outcome.PASSED)
    return tally


def figures(seeds: int = 200) -> dict[str, object]:
    """Every scenario's figures, as the closing note quotes them."""
    anonymous_only = Stream(requester_per_hour=0.0, volunteer_per_hour=0.0)
    return {
        "recovery": recovery(seeds=seeds).figures(),
        **{f"recovery_{name}": tally.figures() for name, tally in by_phase(seeds=seeds).items()},
        "lag_hours": round(lag(seeds=seeds), 2),
        "same_hours_without_flood": flooded(seeds=seeds, size=0).figures(),
        "flood_500": flooded(seeds=seeds).figures(),
        "flood_500_an_hour_for_4_hours": flooded(seeds=seeds, hours=4).figures(),
        "flood_500_anonymous_only": flooded(seeds=seeds, stream=anonymous_only).figures(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=200)
    arguments = parser.parse_args()
    print(json.dumps(figures(arguments.seeds), indent=2))  # a command's output


if __name__ == "__main__":
    main()
