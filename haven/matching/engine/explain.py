"""Why each unplaced request is unplaced, for the coordinator's surge view."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from haven.matching.engine.index import OfferIndex
from haven.matching.engine.market import Market
from haven.matching.engine.model import BedProblem, Constraint, Need, Reason, Weights
from haven.matching.engine.pairs import reason_for

I8 = npt.NDArray[np.int64]


def explain(
    problem: BedProblem,
    market: Market,
    offer_of: I8,
    has_feasible: npt.NDArray[np.bool_],
    weights: Weights,
) -> I8:
    """A Reason per request: PLACED, or the first filter that left it without a bed.

    A request type with a feasible offer that had room before this run is BEDS_TAKEN; the others
    are examined once per type against the offers in range (capacity as offered).
    """
    requests = problem.requests
    reasons = np.full(len(requests), int(Reason.PLACED), dtype=np.int64)
    reasons[(requests.needs & int(Need.BED)) == 0] = int(Reason.NOT_A_BED_REQUEST)
    unplaced = offer_of[market.rows] < 0
    types = market.type_of[unplaced]
    rows = market.rows[unplaced]
    reasons[rows] = int(Reason.BEDS_TAKEN)
    lonely = np.unique(types[~has_feasible[types]])
    if not lonely.size:
        return reasons
    index = OfferIndex(problem.offers, weights)
    for t in lonely.tolist():
        row = int(market.type_row[t])
        positions, distance = index.nearby(float(requests.lat[row]), float(requests.lon[row]))
        reason = reason_for(
            requests, row, problem.offers, index.order[positions], distance, weights,
            market.capacity,
        )  # fmt: skip
        # A type with a feasible offer with room is never "lonely", so PLACED cannot come back.
        reasons[rows[types == t]] = int(reason if reason != Reason.PLACED else Reason.BEDS_TAKEN)
    return reasons


BLOCKING_ORDER = (Constraint.WOMEN_ONLY, Constraint.CHILDREN, Constraint.PETS, Constraint.STEP_FREE)


def blocking_constraints(problem: BedProblem, rows: I8, weights: Weights) -> I8:
    """For requests whose reason is CONSTRAINTS: the one circumstance that no offer in reach and
    large enough (capacity as offered) allows, as a Constraint bit; 0 when each is allowed
    somewhere and only their combination, or an offer's own requirement, shuts every bed."""
    found = np.zeros(rows.size, dtype=np.int64)
    if not rows.size or not len(problem.offers):
        return found
    requests, offers = problem.requests, problem.offers
    index = OfferIndex(offers, weights)
    for k, row in enumerate(rows.tolist()):
        positions, _distance = index.nearby(float(requests.lat[row]), float(requests.lon[row]))
        near = index.order[positions]
        near = near[offers.capacity[near] >= requests.size[row]]
        constraints = int(requests.constraints[row])
        for flag in BLOCKING_ORDER:
            if constraints & flag and not (offers.accepts[near] & int(flag)).any():
                found[k] = int(flag)
                break
    return found
