"""Plain struct-of-arrays inputs and outputs of the matching engine.

Everything here is coarse data only (city coordinates, counts, bit masks, day numbers), the same
fields that Haven keeps in plaintext columns. Languages are bit masks over a vocabulary that the
caller owns (bit ``k`` set means "speaks language k"); days are integers on any common calendar.

Only beds are matched so far. Counseling and transport offers are meant to come in as sibling
struct-of-arrays (CounselingOffers: topics mask, languages, countries served, weekly capacity in
cases, remote flag and place; TransportOffers: route as two places, seats, date) with their own
feasibility function next to ``pairs.fits``: a counseling case uses one unit of capacity
whatever the group size and remote counseling has no radius; a ride uses one seat per person.
Requests already carry ``needs`` (Need flags) for that; a topics column would join them. Of the
pipeline, only the block evaluation (``Market.block``) and the unit column would change: the
flow, placement, repair and bound work on classes, offers, values and units.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Self

import numpy as np
import numpy.typing as npt

F8 = npt.NDArray[np.float64]
I8 = npt.NDArray[np.int64]
U8 = npt.NDArray[np.uint64]

# Values are exact integers in units of 1/VALUE_SCALE of "one person at urgency weight 1", so
# that the optimiser, the bound and the exact solver all compare the same numbers.
VALUE_SCALE = 10_000


class Need(enum.IntFlag):
    """What a request asks for."""

    BED = 1
    COUNSELING = 2
    TRANSPORT = 4


class Constraint(enum.IntFlag):
    """Circumstances of a group that an offer must be able to take."""

    CHILDREN = 1
    WOMEN_ONLY = 2
    PETS = 4
    STEP_FREE = 8


class Reason(enum.IntEnum):
    """Why a request is not placed; the first filter that left it without any offer wins."""

    PLACED = 0
    NOT_A_BED_REQUEST = 1
    NO_BED_IN_RANGE = 2
    GROUP_TOO_LARGE = 3
    CONSTRAINTS = 4
    LANGUAGE = 5
    DATES = 6
    BEDS_TAKEN = 7


def _column(values: object, dtype: type[np.generic], n: int | None, label: str) -> np.ndarray:
    """Return one contiguous 1-D column of the given dtype and length."""
    array = np.ascontiguousarray(values, dtype=dtype)
    if array.ndim != 1:
        raise ValueError(f"{label} must be one-dimensional")
    if n is not None and array.shape[0] != n:
        raise ValueError(f"{label} has {array.shape[0]} rows, expected {n}")
    return array


@dataclass(frozen=True)
class Requests:
    """Open requests, one row per group; a group is never split."""

    lat: F8
    lon: F8
    size: I8
    urgency: I8
    languages: U8
    primary: I8
    earliest: I8
    constraints: I8
    needs: I8

    def __post_init__(self) -> None:
        n = len(np.asarray(self.lat))
        for name, dtype in _REQUEST_COLUMNS.items():
            object.__setattr__(self, name, _column(getattr(self, name), dtype, n, name))
        if n and (self.size.min() < 1 or self.urgency.min() < 1 or self.urgency.max() > 5):
            raise ValueError("group sizes must be >= 1 and urgencies within 1..5")
        if n and (self.primary.min() < 0 or self.primary.max() > 63):
            raise ValueError("primary language must be a bit index within 0..63")

    def __len__(self) -> int:
        """Number of requests."""
        return int(self.lat.shape[0])

    def take(self, rows: npt.ArrayLike) -> Self:
        """Return the requests at the given row positions."""
        index = np.asarray(rows, dtype=np.int64)
        return type(self)(**{name: getattr(self, name)[index] for name in _REQUEST_COLUMNS})

    @classmethod
    def build(
        cls,
        *,
        lat: Sequence[float] | F8,
        lon: Sequence[float] | F8,
        size: Sequence[int] | I8,
        urgency: Sequence[int] | I8,
        languages: Sequence[int] | U8,
        primary: Sequence[int] | I8 | None = None,
        earliest: Sequence[int] | I8 | None = None,
        constraints: Sequence[int] | I8 | None = None,
        needs: Sequence[int] | I8 | None = None,
    ) -> Self:
        """Build requests, defaulting primary to the lowest language bit and needs to a bed."""
        n = len(lat)
        masks = np.asarray(languages, dtype=np.uint64)
        if primary is None:
            lowest = masks & (~masks + np.uint64(1))
            primary = np.where(masks > 0, np.log2(np.maximum(lowest, 1)).astype(np.int64), 0)
        return cls(
            lat=np.asarray(lat),
            lon=np.asarray(lon),
            size=np.asarray(size),
            urgency=np.asarray(urgency),
            languages=masks,
            primary=np.asarray(primary),
            earliest=np.zeros(n, dtype=np.int64) if earliest is None else np.asarray(earliest),
            constraints=np.zeros(n, dtype=np.int64)
            if constraints is None
            else np.asarray(constraints),
            needs=np.full(n, int(Need.BED), dtype=np.int64) if needs is None else np.asarray(needs),
        )


_REQUEST_COLUMNS: dict[str, type[np.generic]] = {
    "lat": np.float64,
    "lon": np.float64,
    "size": np.int64,
    "urgency": np.int64,
    "languages": np.uint64,
    "primary": np.int64,
    "earliest": np.int64,
    "constraints": np.int64,
    "needs": np.int64,
}


@dataclass(frozen=True)
class BedOffers:
    """Offered beds, one row per host; capacity counts people.

    ``accepts`` lists the constraints a host can take (children, pets, ...); ``requires`` lists
    those a group must have to be sent there (a women-only shelter requires WOMEN_ONLY).
    """

    lat: F8
    lon: F8
    capacity: I8
    available_from: I8
    available_to: I8
    languages: U8
    accepts: I8
    requires: I8

    def __post_init__(self) -> None:
        n = len(np.asarray(self.lat))
        for name, dtype in _OFFER_COLUMNS.items():
            object.__setattr__(self, name, _column(getattr(self, name), dtype, n, name))
        if n and self.capacity.min() < 0:
            raise ValueError("capacity must not be negative")

    def __len__(self) -> int:
        """Number of offers."""
        return int(self.lat.shape[0])

    def take(self, rows: npt.ArrayLike) -> Self:
        """Return the offers at the given row positions."""
        index = np.asarray(rows, dtype=np.int64)
        return type(self)(**{name: getattr(self, name)[index] for name in _OFFER_COLUMNS})

    @classmethod
    def build(
        cls,
        *,
        lat: Sequence[float] | F8,
        lon: Sequence[float] | F8,
        capacity: Sequence[int] | I8,
        languages: Sequence[int] | U8,
        available_from: Sequence[int] | I8 | None = None,
        available_to: Sequence[int] | I8 | None = None,
        accepts: Sequence[int] | I8 | None = None,
        requires: Sequence[int] | I8 | None = None,
    ) -> Self:
        """Build offers, defaulting to always available, taking everyone, requiring nothing."""
        n = len(lat)
        return cls(
            lat=np.asarray(lat),
            lon=np.asarray(lon),
            capacity=np.asarray(capacity),
            available_from=np.zeros(n, dtype=np.int64)
            if available_from is None
            else np.asarray(available_from),
            available_to=(
                np.full(n, 10**6, dtype=np.int64)
                if available_to is None
                else np.asarray(available_to)
            ),
            languages=np.asarray(languages, dtype=np.uint64),
            accepts=np.full(n, 15, dtype=np.int64) if accepts is None else np.asarray(accepts),
            requires=np.zeros(n, dtype=np.int64) if requires is None else np.asarray(requires),
        )


_OFFER_COLUMNS: dict[str, type[np.generic]] = {
    "lat": np.float64,
    "lon": np.float64,
    "capacity": np.int64,
    "available_from": np.int64,
    "available_to": np.int64,
    "languages": np.uint64,
    "accepts": np.int64,
    "requires": np.int64,
}


@dataclass(frozen=True)
class Weights:
    """The organisation's matching settings; every penalty is per person placed.

    The value of placing a group is ``size * (urgency_weight - km * per_km - language_miss *
    language - wait_days * per_wait_day)``. The settings are checked so that any feasible
    placement is worth more than leaving the group unplaced.
    """

    urgency: tuple[float, float, float, float, float] = (1.0, 2.0, 4.0, 8.0, 16.0)
    per_km: float = 0.001
    language: float = 0.25
    per_wait_day: float = 0.03
    radius_km: float = 300.0
    max_wait_days: int = 7

    def __post_init__(self) -> None:
        worst = (
            self.per_km * self.radius_km + self.language + self.per_wait_day * self.max_wait_days
        )
        if min(self.urgency) <= worst:
            raise ValueError(
                "the largest penalty must stay below the smallest urgency weight: lower the "
                "radius or the penalties, or raise the urgency weights"
            )
        if min(self.per_km, self.language, self.per_wait_day, self.radius_km) < 0:
            raise ValueError("penalties and radius must not be negative")
        if self.max_wait_days < 0:
            raise ValueError("max_wait_days must not be negative")

    def urgency_values(self) -> I8:
        """Integer value of one placed person per urgency level 1..5 (index 0 unused)."""
        return np.round(np.array((0.0, *self.urgency)) * VALUE_SCALE).astype(np.int64)


@dataclass(frozen=True)
class BedProblem:
    """Requests and offers to match (one organisation, one country or the whole network)."""

    requests: Requests
    offers: BedOffers


@dataclass(frozen=True)
class Assignment:
    """Result of one matching run over a problem."""

    offer_of: I8
    """Offer row per request, or -1 when the request is not placed."""
    reasons: I8
    """A Reason per request (PLACED for placed ones)."""
    value: int
    """Objective in VALUE_SCALE units, confirmed placements included."""
    stats: dict[str, float] = field(default_factory=dict)
    """Timings in seconds and counters, for reports and benchmarks."""

    @property
    def objective(self) -> float:
        """Objective in people-at-urgency-weight units."""
        return self.value / VALUE_SCALE
