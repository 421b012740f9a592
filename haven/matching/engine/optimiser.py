"""Haven's optimiser: place as many people as possible, most urgent first, close and understood.

1. Requests are grouped into types and classes (type + urgency); each type gets a short list of
   candidate offers, and every offer a few candidate types (see candidates.py).
2. The transportation relaxation over those candidates (groups may be split) is solved exactly,
   region by region, as a min-cost flow; its dual prices say how scarce each offer is. On
   smaller problems one round of pricing over every feasible pair adds the arcs it missed and
   the flow is solved again; on larger ones a quicker pricing pass (nearest improving offers,
   urgency QUICK_MIN_URGENCY and up) only adds them to the lists the placement reads.
3. Whole groups are then placed urgency level by urgency level, largest groups first, each at
   the offer with the best value minus price that has room for all of it (among equally good
   ones, the tightest fit); whoever finds no room on its list looks at every feasible offer
   with room before the next level starts.
4. Placed groups of lower value are moved out of the way of unplaced groups worth more when
   that raises the total (small repairs of what whole groups cannot share), in up to
   REPAIR_PASSES passes while a pass still moves someone.
5. Small regions are solved exactly with CP-SAT when they are cheap enough.

Confirmed placements are taken as given: their people are subtracted from capacity and their
requests are neither moved nor re-placed.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from haven.matching.engine.candidates import Candidates, select_candidates
from haven.matching.engine.exact import class_regions, improve_small_regions
from haven.matching.engine.explain import explain
from haven.matching.engine.fill import fill
from haven.matching.engine.flow import FlowSolution, solve_by_region
from haven.matching.engine.market import Classes, Market, classes_of
from haven.matching.engine.model import Assignment, BedProblem, Weights
from haven.matching.engine.pairs import evaluate_pairs
from haven.matching.engine.pricing import Arcs, join, price_out
from haven.matching.engine.ranked import mop_up
from haven.matching.engine.repair import evict_for_urgent

I8 = npt.NDArray[np.int64]

AUTO_ROUNDS_LIMIT = 50_000
CROWD_SHARE = 0.2
"""A place holding more than this share of the open requests gets a pricing round at any size."""
REPAIR_PASSES = 3
QUICK_PER_TYPE = 8
QUICK_SCARCITY = 1.5
"""The quick pass runs only when open people outnumber free beds by more than this."""
QUICK_MIN_URGENCY = 3
"""Lowest urgency priced by the quick pass (pricing every class found no more at 100k)."""


def apply_fixed(problem: BedProblem, fixed: Sequence[tuple[int, int]]) -> tuple[I8, I8, I8]:
    """Check confirmed placements; return (offer per request, remaining capacity, open rows)."""
    requests, offers = problem.requests, problem.offers
    offer_of = np.full(len(requests), -1, dtype=np.int64)
    remaining = offers.capacity.copy()
    for request, offer in fixed:
        if not (0 <= request < len(requests) and 0 <= offer < len(offers)):
            raise ValueError(f"confirmed placement ({request}, {offer}) is out of range")
        if offer_of[request] >= 0:
            raise ValueError(f"request {request} is confirmed twice")
        offer_of[request] = offer
        remaining[offer] -= requests.size[request]
    if (remaining < 0).any():
        raise ValueError("confirmed placements exceed an offer's capacity")
    return offer_of, remaining, np.flatnonzero(offer_of < 0).astype(np.int64)


def group_value(problem: BedProblem, offer_of: I8, weights: Weights) -> int:
    """Objective of an assignment in VALUE_SCALE units (pairs re-evaluated from scratch)."""
    placed = np.flatnonzero(offer_of >= 0)
    if not placed.size:
        return 0
    terms = evaluate_pairs(problem.requests, placed, problem.offers, offer_of[placed], weights)
    return int(np.dot(terms.value, problem.requests.size[placed]))


def optimise(
    problem: BedProblem,
    weights: Weights | None = None,
    *,
    fixed: Sequence[tuple[int, int]] = (),
    rounds: int | None = None,
    exact_limit: int = 400,
    workers: int = 1,
) -> Assignment:
    """Propose placements for every open request it can; confirmed ones stay as they are.

    ``rounds`` is the number of column-generation rounds before placing; by default one for
    up to AUTO_ROUNDS_LIMIT open requests (cheap there, and it sharpens the prices) or when one
    place holds more than CROWD_SHARE of them, and otherwise none but a quick pricing pass whose
    arcs only the placement sees (the flow is not solved again);
    ``exact_limit`` is the largest requests x offers product of a region solved with CP-SAT;
    ``workers`` > 1 solves the largest regions' flows in that many forked processes.
    """
    weights = weights or Weights()
    started = time.perf_counter()
    requests = problem.requests
    offer_of, remaining, open_rows = apply_fixed(problem, fixed)
    market = Market(requests, open_rows, problem.offers, remaining.copy(), weights)
    candidates = select_candidates(market)
    t_candidates = time.perf_counter() - started

    solve_started = time.perf_counter()
    classes = classes_of(market)
    region = class_regions(market, classes)
    arcs = arcs_for(market, classes, candidates)
    capacity = remaining[market.offer_rows]
    quick = False
    if rounds is None:
        # In a crowd (a border town holding a third of the requests) every type there keeps
        # the same nearby offers, so the flow misses the farther beds it needs; one round of
        # pricing finds them (border-town at 100k x 30k: 99.46 to about 99.67 % of the bound).
        crowded = market.rows.size and (
            np.bincount(market.request_location).max() > CROWD_SHARE * market.rows.size
        )
        rounds = 1 if market.rows.size <= AUTO_ROUNDS_LIMIT or crowded else 0
        # Where beds are plentiful the fallback over every feasible offer already finds room,
        # and the quick pass's arcs only pull groups off their flow offers (loose-beds at 100k:
        # 99.53 to 99.50 % of the bound); where they are scarce it gains 0.05 to 0.26 points.
        people = int(market.requests.size[market.rows].sum())
        quick = rounds == 0 and people > QUICK_SCARCITY * int(capacity.sum())
    for round_no in range(rounds + 1):
        solution = solve_by_region(classes.supply, capacity, *arcs, region, workers=workers)
        extra = price_out(market, classes, solution) if round_no < rounds else None
        if extra is None:
            break
        arcs = join(arcs, extra)
    if quick:
        # At 100k requests each type's candidates sit mostly in its own city, and the flow over
        # them falls 1 to 1.5 % short of the LP (tight beds, many places, large families): the
        # offers it misses are a few nearby ones with room. A second flow would cost as much as
        # the first; placing by the same prices over the added arcs keeps most of the gain.
        extra = price_out(
            market,
            classes,
            solution,
            per_type=QUICK_PER_TYPE,
            nearest=True,
            min_urgency=QUICK_MIN_URGENCY,
        )
        if extra is not None:
            arcs = join(arcs, extra)
    t_flow = time.perf_counter() - solve_started
    open_offer, free = place_by_price(market, classes, arcs, solution, remaining)
    wanted = (solution.class_price > 0) | (classes.urgency >= 3)
    moved = 0
    for _ in range(REPAIR_PASSES):
        # A move can free room that another stranded group fits; stop when a pass finds none.
        more = evict_for_urgent(market, classes, arcs, open_offer, free, wanted)
        moved += more
        if not more:
            break
    exact = improve_small_regions(market, open_offer, free, exact_limit)
    offer_of[market.rows] = open_offer
    t_solve = time.perf_counter() - solve_started

    explain_started = time.perf_counter()
    reasons = explain(problem, market, offer_of, candidates.has_feasible, weights)
    return Assignment(
        offer_of=offer_of,
        reasons=reasons,
        value=group_value(problem, offer_of, weights),
        stats={
            "candidates_s": t_candidates,
            "flow_s": t_flow,
            "solve_s": t_solve,
            "explain_s": time.perf_counter() - explain_started,
            "types": float(market.n_types),
            "classes": float(classes.supply.size),
            "arcs": float(arcs[0].size),
            "pairs_evaluated": float(candidates.pairs_seen),
            "relaxation": float(solution.value),
            "repairs": float(moved),
            "exact_regions": float(exact),
        },
    )


def arcs_for(market: Market, classes: Classes, candidates: Candidates) -> Arcs:
    """One arc per class and candidate offer of its type: (class, local offer, value per person)."""
    counts = candidates.starts[classes.type + 1] - candidates.starts[classes.type]
    arc_class = np.repeat(np.arange(classes.type.size), counts)
    first = np.repeat(candidates.starts[classes.type] - (np.cumsum(counts) - counts), counts)
    pick = first + np.arange(arc_class.size)
    values = market.weights.urgency_values()[classes.urgency[arc_class]] - candidates.penalty[pick]
    return arc_class.astype(np.int64), market.local_offer[candidates.offer[pick]], values


def place_by_price(
    market: Market, classes: Classes, arcs: Arcs, solution: FlowSolution, remaining: I8
) -> tuple[I8, I8]:
    """Whole groups by urgency level, largest first, each at its best offer under the prices.

    The flow's own split of a class over offers often breaks groups; its prices do not: an
    offer that others need more costs more, so each group takes the offer with the best value
    minus price that still has room for all of it. Returns (offer row per market position,
    capacity left per offer row).
    """
    arc_class, arc_offer, arc_value = arcs
    reduced = arc_value - solution.offer_price[arc_offer]
    order = np.lexsort((arc_offer, -reduced, arc_class))
    starts = np.searchsorted(arc_class[order], np.arange(classes.type.size + 1)).astype(np.int64)
    offers = market.offer_rows[arc_offer[order]]
    keys = reduced[order]
    requests = market.requests
    size = requests.size[market.rows]
    urgency = requests.urgency[market.rows]
    sequence = np.lexsort((market.rows, -size, -urgency))
    free = remaining.copy()
    offer_of = np.full(market.rows.size, -1, dtype=np.int64)
    for level in range(5, 0, -1):
        positions = sequence[urgency[sequence] == level]
        fill(positions, classes.of, size, starts, offers, free, offer_of, keys)
        mop_up(market, positions[offer_of[positions] < 0], offer_of, free)
    return offer_of, free
