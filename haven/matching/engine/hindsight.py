"""The hindsight bound of a surge day: the LP over the whole day, knowing every arrival in advance.

Beds are not given back during the day, so a placement made offline only needs one minute at
which the group was waiting and the offer existed; when each decision is taken does not matter
otherwise. The day then becomes an ordinary bed problem with one more feasibility rule, "their
times overlap", and its LP bound over every feasible pair bounds every online policy.

The rule is written into the constraint masks, which the engine already checks as "the offer
accepts every circumstance the group has": the day is cut into SLOTS slots; a group carries one
bit for the slot it arrives in and one for the slot it leaves in; an offer accepts the arrival
bits of the slots before it is withdrawn and the leaving bits of the slots from the one it
appears in. Slots only widen the overlap (a group may meet an offer that left earlier in the same
slot), so the result stays an upper bound. Groups that decline whatever they are offered are left
out: no policy can place them.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import numpy.typing as npt

from haven.matching.engine.bound import Bound, lp_bound
from haven.matching.engine.model import BedProblem, Weights
from haven.matching.engine.surge import DAY_MIN, SurgeDay

I8 = npt.NDArray[np.int64]

SLOTS = 29
"""Slots per day: 4 circumstance bits + 2 x 29 time bits stay within a signed 64-bit mask."""
SLOT_MIN = -(-DAY_MIN // SLOTS)
_FIRST_BIT = 4


def _bits(first: I8, last: I8, base: int) -> I8:
    """Mask with bits base+first .. base+last set (empty where last < first)."""
    ones = np.int64(1)
    upper = np.where(last >= first, (ones << (last + 1 + base).astype(np.int64)) - 1, 0)
    lower = (ones << (first + base).astype(np.int64)) - 1
    return np.asarray(np.where(last >= first, upper & ~lower, 0), dtype=np.int64)


def timed_problem(day: SurgeDay) -> BedProblem:
    """The day as one bed problem whose feasibility includes "waiting while the offer exists"."""
    requests, offers = day.requests, day.offers
    arrive_slot = np.minimum(day.arrive // SLOT_MIN, SLOTS - 1)
    leave_slot = np.minimum(day.leave // SLOT_MIN, SLOTS - 1)
    one = np.int64(1)
    constraints = (
        requests.constraints
        | (one << (arrive_slot + _FIRST_BIT))
        | (one << (leave_slot + _FIRST_BIT + SLOTS))
    )
    needs = np.where(day.declines, 0, requests.needs).astype(np.int64)
    # Arrival bits of slots j with j * SLOT_MIN < closes; leaving bits of slots from opens.
    last_alive = np.minimum((day.closes - 1) // SLOT_MIN, SLOTS - 1)
    first_alive = np.minimum(day.opens // SLOT_MIN, SLOTS - 1)
    alive_from = np.where(day.closes > day.opens, 0, SLOTS)
    accepts = (
        offers.accepts
        | _bits(np.asarray(alive_from, dtype=np.int64), last_alive, _FIRST_BIT)
        | _bits(first_alive, np.full(len(offers), SLOTS - 1, dtype=np.int64), _FIRST_BIT + SLOTS)
    )
    return BedProblem(
        requests=replace(requests, constraints=constraints, needs=needs),
        offers=replace(offers, accepts=accepts),
    )


def hindsight_bound(
    day: SurgeDay, weights: Weights | None = None, *, time_limit_s: float = 480.0
) -> Bound:
    """LP upper bound on the value any policy can reach over the day."""
    return lp_bound(timed_problem(day), weights or Weights(), time_limit_s=time_limit_s)
