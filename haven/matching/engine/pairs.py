"""When a request fits a bed offer, and what the placement is worth.

Every part of the engine (suggestions, optimiser, bound, exact solver) goes through these
functions, so they agree on feasibility and on integer values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from haven.matching.engine.geo import haversine_km
from haven.matching.engine.model import VALUE_SCALE, BedOffers, Need, Reason, Requests, Weights

I8 = npt.NDArray[np.int64]
F8 = npt.NDArray[np.float64]
B1 = npt.NDArray[np.bool_]


def penalty_units(distance_km: F8, language_miss: B1, wait_days: I8, weights: Weights) -> I8:
    """Per-person penalty in VALUE_SCALE units: distance, first language not spoken, waiting."""
    penalty = (
        weights.per_km * distance_km
        + weights.language * language_miss
        + weights.per_wait_day * wait_days
    )
    return np.asarray(np.rint(penalty * VALUE_SCALE), dtype=np.int64)


def fits(
    *,
    size: I8,
    languages: npt.NDArray[np.uint64],
    constraints: I8,
    earliest: I8,
    capacity: I8,
    offer_languages: npt.NDArray[np.uint64],
    accepts: I8,
    requires: I8,
    available_from: I8,
    available_to: I8,
    max_wait_days: int,
) -> B1:
    """Whether group and offer fit, element-wise with broadcasting (distance not included)."""
    return np.asarray(
        (size <= capacity)
        & ((constraints & ~accepts) == 0)
        & ((requires & ~constraints) == 0)
        & ((languages & offer_languages) != 0)
        & (available_from - earliest <= max_wait_days)
        & (np.maximum(earliest, available_from) <= available_to),
        dtype=np.bool_,
    )


def primary_bit(primary: I8) -> npt.NDArray[np.uint64]:
    """Bit mask of a request's first language."""
    return np.left_shift(np.uint64(1), np.asarray(primary).astype(np.uint64))


@dataclass(frozen=True)
class PairTerms:
    """Feasibility and cost breakdown of request/offer pairs (per person unless noted)."""

    feasible: B1
    distance_km: F8
    language_miss: B1
    wait_days: I8
    penalty: I8
    value: I8
    """Per-person value in VALUE_SCALE units: urgency weight minus penalty."""


def evaluate_pairs(
    requests: Requests,
    request_rows: npt.ArrayLike,
    offers: BedOffers,
    offer_rows: npt.ArrayLike,
    weights: Weights,
    capacity: I8 | None = None,
) -> PairTerms:
    """Evaluate pairs (request_rows[k], offer_rows[k]); capacity overrides offers.capacity."""
    r = np.asarray(request_rows, dtype=np.int64)
    o = np.asarray(offer_rows, dtype=np.int64)
    cap = offers.capacity if capacity is None else capacity
    distance = haversine_km(requests.lat[r], requests.lon[r], offers.lat[o], offers.lon[o])
    wait = np.maximum(offers.available_from[o] - requests.earliest[r], 0)
    miss = (primary_bit(requests.primary[r]) & offers.languages[o]) == 0
    feasible = (
        fits(
            size=requests.size[r],
            languages=requests.languages[r],
            constraints=requests.constraints[r],
            earliest=requests.earliest[r],
            capacity=cap[o],
            offer_languages=offers.languages[o],
            accepts=offers.accepts[o],
            requires=offers.requires[o],
            available_from=offers.available_from[o],
            available_to=offers.available_to[o],
            max_wait_days=weights.max_wait_days,
        )
        & (distance <= weights.radius_km)
        & ((requests.needs[r] & int(Need.BED)) != 0)
    )
    penalty = penalty_units(distance, miss, wait, weights)
    value = weights.urgency_values()[requests.urgency[r]] - penalty
    return PairTerms(feasible, distance, miss, wait, penalty, value)


def reason_for(
    requests: Requests,
    row: int,
    offers: BedOffers,
    offer_rows: I8,
    distance_km: F8,
    weights: Weights,
    capacity: I8,
) -> Reason:
    """Why a request has no bed among the given offers: the first filter that empties the list.

    ``offer_rows`` and ``distance_km`` describe offers near the request (any superset of those
    within the radius); ``capacity`` is what each offer has left.
    """
    if not int(requests.needs[row]) & int(Need.BED):
        return Reason.NOT_A_BED_REQUEST
    rows = offer_rows[distance_km <= weights.radius_km]
    if not rows.size:
        return Reason.NO_BED_IN_RANGE
    rows = rows[offers.capacity[rows] >= requests.size[row]]
    if not rows.size:
        return Reason.GROUP_TOO_LARGE
    cons = int(requests.constraints[row])
    rows = rows[((cons & ~offers.accepts[rows]) == 0) & ((offers.requires[rows] & ~cons) == 0)]
    if not rows.size:
        return Reason.CONSTRAINTS
    rows = rows[(offers.languages[rows] & requests.languages[row]) != 0]
    if not rows.size:
        return Reason.LANGUAGE
    earliest = int(requests.earliest[row])
    start = np.maximum(offers.available_from[rows], earliest)
    rows = rows[(start - earliest <= weights.max_wait_days) & (start <= offers.available_to[rows])]
    if not rows.size:
        return Reason.DATES
    if not (capacity[rows] >= requests.size[row]).any():
        return Reason.BEDS_TAKEN
    return Reason.PLACED
