"""The LP upper bound over every feasible pair, with a certificate.

The LP relaxation (groups may be split, people may not exceed capacity) is a transportation
problem. It is solved by column generation: start from generous candidate lists, solve the flow,
price every feasible pair block by block, add the pairs that could improve it, repeat. When no
pair prices out, the flow's value is the LP optimum over every feasible pair. If the run is cut
short, the dual prices still give a valid (slightly weaker) upper bound, computed over every
feasible pair as well, and the result says so.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from haven.matching.engine.candidates import select_candidates
from haven.matching.engine.exact import class_regions
from haven.matching.engine.flow import solve_by_region
from haven.matching.engine.market import Classes, Market, classes_of
from haven.matching.engine.model import VALUE_SCALE, BedProblem, Weights
from haven.matching.engine.optimiser import apply_fixed, arcs_for, group_value
from haven.matching.engine.pricing import join, price_out

I8 = npt.NDArray[np.int64]

_INF = np.iinfo(np.int64).max // 4


@dataclass(frozen=True)
class Bound:
    """An upper bound on the objective of any placement (VALUE_SCALE units)."""

    value: int
    exact: bool
    """True when it is the LP optimum over every feasible pair (nothing priced out)."""
    rounds: int
    arcs: int
    pairs_priced: int
    seconds: float

    @property
    def objective(self) -> float:
        """The bound in people-at-urgency-weight units."""
        return self.value / VALUE_SCALE


def lp_bound(
    problem: BedProblem,
    weights: Weights | None = None,
    *,
    fixed: Sequence[tuple[int, int]] = (),
    max_rounds: int = 60,
    time_limit_s: float = 480.0,
) -> Bound:
    """LP upper bound of the problem (confirmed placements included at their value)."""
    weights = weights or Weights()
    started = time.perf_counter()
    offer_of, remaining, open_rows = apply_fixed(problem, fixed)
    fixed_value = group_value(problem, offer_of, weights)
    market = Market(problem.requests, open_rows, problem.offers, remaining, weights)
    candidates = select_candidates(market)
    classes = classes_of(market)
    region = class_regions(market, classes)
    arcs = arcs_for(market, classes, candidates)
    capacity = remaining[market.offer_rows]
    priced = 0
    for round_no in range(1, max_rounds + 1):
        solution = solve_by_region(classes.supply, capacity, *arcs, region)
        extra = price_out(market, classes, solution, per_type=16)
        priced += market_pairs(market)
        if extra is None:
            return Bound(
                solution.value + fixed_value, True, round_no, arcs[0].size, priced,
                time.perf_counter() - started,
            )  # fmt: skip
        arcs = join(arcs, extra)
        if time.perf_counter() - started > time_limit_s:
            break
    value = dual_bound(market, classes, solution.offer_price)
    return Bound(
        value + fixed_value, False, round_no, arcs[0].size, priced + market_pairs(market),
        time.perf_counter() - started,
    )  # fmt: skip


def market_pairs(market: Market) -> int:
    """Type x offer pairs within the radius (what one full pricing pass may look at)."""
    sizes = np.array([o.size for o in market.location_offers], dtype=np.int64)
    return int(
        sum(
            market.location_types[loc].size * int(sizes[[o for o, _ in near]].sum())
            for loc, near in enumerate(market.pairs)
            if near
        )
    )


def dual_bound(market: Market, classes: Classes, offer_price: I8) -> int:
    """Weak-duality bound for any prices: sum of capacity x price plus each class's best surplus."""
    price = np.zeros(len(market.offers), dtype=np.int64)
    price[market.offer_rows] = offer_price
    best = np.full(market.n_types, _INF, dtype=np.int64)
    for loc, near in enumerate(market.pairs):
        types = market.location_types[loc]
        for offer_location, distance in near:
            block = market.block(types, offer_location, distance)
            key = np.where(block.ok, block.penalty + price[block.offers][None, :], _INF)
            if key.size:
                best[types] = np.minimum(best[types], key.min(axis=1))
    values = market.weights.urgency_values()
    surplus = np.maximum(values[classes.urgency] - best[classes.type], 0)
    capacity = market.capacity[market.offer_rows]
    return int(np.dot(surplus, classes.supply) + np.dot(capacity, offer_price))
