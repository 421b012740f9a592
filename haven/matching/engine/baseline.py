"""What coordinators do today, as yardsticks: first come first served, and greedy by urgency.

Both go through requests one at a time and give each the feasible offer with room that is worth
most to it (nearest, speaking its language, free soonest); they differ only in the order.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from haven.matching.engine.explain import explain
from haven.matching.engine.fill import fill
from haven.matching.engine.market import Market
from haven.matching.engine.model import Assignment, BedProblem, Weights
from haven.matching.engine.optimiser import apply_fixed, group_value
from haven.matching.engine.ranked import full_ranked_lists


def first_come_first_served(
    problem: BedProblem, weights: Weights | None = None, *, fixed: Sequence[tuple[int, int]] = ()
) -> Assignment:
    """Requests in arrival order (row order), each taking its best offer with room."""
    return _sequential(problem, weights or Weights(), fixed, by_urgency=False)


def greedy_by_urgency(
    problem: BedProblem, weights: Weights | None = None, *, fixed: Sequence[tuple[int, int]] = ()
) -> Assignment:
    """Most urgent first (then arrival order), each taking its best offer with room."""
    return _sequential(problem, weights or Weights(), fixed, by_urgency=True)


def _sequential(
    problem: BedProblem, weights: Weights, fixed: Sequence[tuple[int, int]], *, by_urgency: bool
) -> Assignment:
    """Shared body of the two baselines."""
    started = time.perf_counter()
    requests = problem.requests
    offer_of, remaining, open_rows = apply_fixed(problem, fixed)
    market = Market(requests, open_rows, problem.offers, remaining.copy(), weights)
    starts, offers, _ = full_ranked_lists(market)
    t_candidates = time.perf_counter() - started

    solve_started = time.perf_counter()
    if by_urgency:
        order = np.lexsort((market.rows, -requests.urgency[market.rows]))
    else:
        order = np.arange(market.rows.size)
    placed = np.full(market.rows.size, -1, dtype=np.int64)
    fill(order, market.type_of, requests.size[market.rows], starts, offers, remaining, placed)
    offer_of[market.rows] = placed
    t_solve = time.perf_counter() - solve_started

    has_feasible = starts[1:] > starts[:-1]
    explain_started = time.perf_counter()
    reasons = explain(problem, market, offer_of, has_feasible, weights)
    return Assignment(
        offer_of=offer_of,
        reasons=reasons,
        value=group_value(problem, offer_of, weights),
        stats={
            "candidates_s": t_candidates,
            "solve_s": t_solve,
            "explain_s": time.perf_counter() - explain_started,
            "types": float(market.n_types),
            "pairs": float(offers.size),
        },
    )
