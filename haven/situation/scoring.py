"""How sure the board is about a crossing: plain reports in, one assessment out. No Django here,
so the rule can be tested and simulated alone (see haven.situation.simulate).

The rule, in full:
- A report weighs by who sent it: anonymous 1, a requester logged in with the codename 3, a vetted
  volunteer 10. A report a volunteer confirmed weighs as a volunteer's; a dismissed one weighs 0.
- Weight halves every HALF_LIFE (3 hours) and reports older than WINDOW (12 hours, a sixteenth)
  are left out. Queues at Upper Lars and on the Kazakh border in September 2022 grew and shrank
  within hours, and orders to turn men back changed from one shift to the next; a half-life of
  one shift-change would keep yesterday's queue on the board, a half-life of an hour would throw
  away most reports before anyone else could corroborate them (times are rounded to the hour).
- All anonymous reports of a crossing together weigh at most ANONYMOUS_CAP (2: less than one
  requester), and those of any one hour at most ANONYMOUS_HOUR_CAP (1): anyone can send them, so
  a flood of them must not outweigh people we can tell apart, nor drown the honest anonymous
  reports of the other hours.
- The outcome with the most weight leads. It is *confirmed* when it holds AGREEMENT (70 %) of the
  weight and a volunteer sent or confirmed a report of it; *likely* when it holds 70 % and at
  least two reports agree, one of them not anonymous (two not anonymous while a flood is flagged,
  below); *disputed* when no outcome holds 70 %;
  otherwise *unconfirmed*. Anonymous reports alone are never more than unconfirmed, however many.
- An hour with BURST_ANONYMOUS (30) or more anonymous reports of one crossing is flagged while it
  stays in the window (honest streams bring a few an hour), so the board and the desk can say that
  a flood may be under way.
"""

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum


class Kind(StrEnum):
    ANONYMOUS = "anonymous"
    REQUESTER = "requester"
    VOLUNTEER = "volunteer"


class Outcome(StrEnum):
    PASSED = "passed"
    TURNED_BACK = "turned_back"
    DETAINED = "detained"


class Incident(StrEnum):
    QUESTIONED = "questioned"
    PHONE_SEARCHED = "phone_searched"
    SUMMONS = "summons"


class Queue(StrEnum):
    """The wait before the checkpoint, in bands ordered from shortest to longest."""

    NONE = "none"
    UNDER_2H = "under_2h"
    FROM_2H = "2h_6h"
    FROM_6H = "6h_12h"
    FROM_12H = "12h_24h"
    OVER_24H = "over_24h"


class Review(StrEnum):
    NONE = ""
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"


class Level(StrEnum):
    NONE = "none"
    UNCONFIRMED = "unconfirmed"
    DISPUTED = "disputed"
    LIKELY = "likely"
    CONFIRMED = "confirmed"


WEIGHTS = {Kind.ANONYMOUS: 1.0, Kind.REQUESTER: 3.0, Kind.VOLUNTEER: 10.0}
HALF_LIFE = timedelta(hours=3)
WINDOW = timedelta(hours=12)
ANONYMOUS_CAP = 2.0
ANONYMOUS_HOUR_CAP = 1.0
AGREEMENT = 0.7
# An incident is shown when reports holding this share of the weight name it.
INCIDENT_SHARE = 0.5
BURST_ANONYMOUS = 30
QUEUE_ORDER = list(Queue)


@dataclass(frozen=True)
class Observation:
    """One report as the rule sees it. `hour` is timezone-aware and rounded to the hour."""

    hour: datetime
    kind: Kind
    outcome: Outcome
    queue: Queue
    incidents: frozenset[Incident] = frozenset()
    review: Review = Review.NONE


@dataclass(frozen=True)
class Assessment:
    """What the board says about one crossing and direction."""

    level: Level
    outcome: Outcome | None = None
    queue: Queue | None = None
    incidents: tuple[Incident, ...] = ()
    # The reports counted (in the window, not dismissed), by kind, and the hours they span.
    reports: int = 0
    by_kind: dict[Kind, int] = field(default_factory=dict)
    hours: int = 0
    newest: datetime | None = None
    # The leading outcome's share of the weight, 0 to 1.
    share: float = 0.0
    burst: bool = False

    @property
    def is_fact(self) -> bool:
        """Whether the board may state the outcome plainly rather than as a claim."""
        return self.level in (Level.LIKELY, Level.CONFIRMED)


def decay(age: timedelta) -> float:
    """The factor a report's weight is multiplied by at this age."""
    if age < timedelta(0):
        age = timedelta(0)
    return 0.5 ** (age / HALF_LIFE)


def _base_weight(observation: Observation) -> float:
    if observation.review == Review.DISMISSED:
        return 0.0
    if observation.review == Review.CONFIRMED:
        return max(WEIGHTS[observation.kind], WEIGHTS[Kind.VOLUNTEER])
    return WEIGHTS[observation.kind]


def _capped_anonymously(observation: Observation) -> bool:
    return observation.kind == Kind.ANONYMOUS and observation.review != Review.CONFIRMED


def _vouched(observation: Observation) -> bool:
    return observation.kind == Kind.VOLUNTEER or observation.review == Review.CONFIRMED


def assess(observations: Iterable[Observation], *, now: datetime) -> Assessment:
    """The board's assessment of one crossing and direction from its reports, as of `now`."""
    counted = [
        item
        for item in observations
        if now - item.hour <= WINDOW and item.review != Review.DISMISSED
    ]
    if not counted:
        return Assessment(level=Level.NONE)
    weights = _capped(counted, [_base_weight(item) * decay(now - item.hour) for item in counted])
    total = sum(weights)
    by_outcome: defaultdict[Outcome, float] = defaultdict(float)
    for item, weight in zip(counted, weights, strict=True):
        by_outcome[item.outcome] += weight
    outcome, support = max(by_outcome.items(), key=lambda pair: (pair[1], _severity(pair[0])))
    share = support / total if total else 0.0
    backing = [item for item in counted if item.outcome == outcome]
    per_hour = Counter(item.hour for item in counted if item.kind == Kind.ANONYMOUS)
    burst = max(per_hour.values(), default=0) >= BURST_ANONYMOUS
    level = _level(share=share, backing=backing, burst=burst)
    oldest = min(item.hour for item in counted)
    return Assessment(
        level=level,
        outcome=outcome,
        queue=_weighted_median([item.queue for item in counted], weights, order=QUEUE_ORDER),
        incidents=_incidents(counted, weights, total),
        reports=len(counted),
        by_kind=dict(Counter(item.kind for item in counted)),
        hours=max(1, math.ceil((now - oldest) / timedelta(hours=1))),
        newest=max(item.hour for item in counted),
        share=share,
        burst=burst,
    )


def _severity(outcome: Outcome) -> int:
    # On an exact tie the graver outcome leads: telling someone to take care costs less than
    # telling them all is well.
    return list(Outcome).index(outcome)


def _capped(counted: Sequence[Observation], weights: list[float]) -> list[float]:
    """Scale anonymous weights down so that one hour's weigh at most ANONYMOUS_HOUR_CAP and all of
    them together at most ANONYMOUS_CAP, each outcome keeping its part."""
    by_hour: defaultdict[datetime, float] = defaultdict(float)
    for item, weight in zip(counted, weights, strict=True):
        if _capped_anonymously(item):
            by_hour[item.hour] += weight
    hour_scale = {
        hour: min(1.0, ANONYMOUS_HOUR_CAP / weight) if weight else 1.0
        for hour, weight in by_hour.items()
    }
    anonymous = sum(weight * hour_scale[hour] for hour, weight in by_hour.items())
    overall = min(1.0, ANONYMOUS_CAP / anonymous) if anonymous else 1.0
    return [
        weight * hour_scale[item.hour] * overall if _capped_anonymously(item) else weight
        for item, weight in zip(counted, weights, strict=True)
    ]


def _level(*, share: float, backing: Sequence[Observation], burst: bool) -> Level:
    if share < AGREEMENT:
        return Level.DISPUTED
    if any(_vouched(item) for item in backing):
        return Level.CONFIRMED
    named = [item for item in backing if not _capped_anonymously(item)]
    # In a flood, anonymous reports cannot make up the second voice: it takes two named ones.
    agreeing = len(named) if burst else len(backing)
    if agreeing >= 2 and named:
        return Level.LIKELY
    return Level.UNCONFIRMED


def _weighted_median(
    values: Sequence[Queue], weights: Sequence[float], *, order: Sequence[Queue]
) -> Queue | None:
    total = sum(weights)
    if total <= 0:
        return None
    by_value: defaultdict[Queue, float] = defaultdict(float)
    for value, weight in zip(values, weights, strict=True):
        by_value[value] += weight
    running = 0.0
    for value in order:
        running += by_value[value]
        if running >= total / 2:
            return value
    return order[-1]


def _incidents(
    counted: Sequence[Observation], weights: Sequence[float], total: float
) -> tuple[Incident, ...]:
    if total <= 0:
        return ()
    shown = []
    for incident in Incident:
        pairs = zip(counted, weights, strict=True)
        named = sum(weight for item, weight in pairs if incident in item.incidents)
        if named / total >= INCIDENT_SHARE:
            shown.append(incident)
    return tuple(shown)
