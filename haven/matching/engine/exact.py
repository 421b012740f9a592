"""Exact bed matching with CP-SAT, for small regions and as the reference in tests."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from ortools.sat.python import cp_model
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from haven.matching.engine.market import Classes, Market
from haven.matching.engine.model import BedOffers, BedProblem, Requests, Weights
from haven.matching.engine.pairs import evaluate_pairs

I8 = npt.NDArray[np.int64]


def _feasible_pairs(
    requests: Requests, rows: I8, offers: BedOffers, offer_rows: I8, capacity: I8, weights: Weights
) -> tuple[I8, I8, I8]:
    """All feasible (request, offer) pairs among the given rows, with the group's value."""
    r = np.repeat(rows, offer_rows.size)
    o = np.tile(offer_rows, rows.size)
    terms = evaluate_pairs(requests, r, offers, o, weights, capacity)
    ok = terms.feasible
    return r[ok], o[ok], (terms.value * requests.size[r])[ok]


def solve_pairs(
    requests: Requests,
    pair_request: I8,
    pair_offer: I8,
    pair_value: I8,
    capacity: I8,
    *,
    hint: dict[int, int] | None = None,
    time_limit_s: float = 10.0,
) -> tuple[dict[int, int], int, bool]:
    """Best whole-group placement over the pairs: (request -> offer, value, proven optimal)."""
    model = cp_model.CpModel()
    chosen = [model.new_bool_var(f"x{k}") for k in range(pair_request.size)]
    by_request: dict[int, list[int]] = {}
    by_offer: dict[int, list[int]] = {}
    for k, (r, o) in enumerate(zip(pair_request.tolist(), pair_offer.tolist(), strict=True)):
        by_request.setdefault(r, []).append(k)
        by_offer.setdefault(o, []).append(k)
    for ks in by_request.values():
        model.add_at_most_one(chosen[k] for k in ks)
    for o, ks in by_offer.items():
        model.add(
            sum(int(requests.size[pair_request[k]]) * chosen[k] for k in ks) <= int(capacity[o])
        )
    model.maximize(sum(int(v) * x for v, x in zip(pair_value.tolist(), chosen, strict=True)))
    if hint:
        for k, (r, o) in enumerate(zip(pair_request.tolist(), pair_offer.tolist(), strict=True)):
            model.add_hint(chosen[k], hint.get(r) == o)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.max_time_in_seconds = time_limit_s
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return {}, 0, False
    placed = {
        int(pair_request[k]): int(pair_offer[k])
        for k in range(pair_request.size)
        if solver.boolean_value(chosen[k])
    }
    return placed, round(solver.objective_value), status == cp_model.OPTIMAL


def solve_exact(
    problem: BedProblem, weights: Weights | None = None, *, fixed: Sequence[tuple[int, int]] = ()
) -> tuple[I8, int, bool]:
    """Exact solver over every feasible pair: (offer per request, value with fixed, optimal)."""
    weights = weights or Weights()
    requests, offers = problem.requests, problem.offers
    offer_of = np.full(len(requests), -1, dtype=np.int64)
    capacity = offers.capacity.copy()
    for r, o in fixed:
        offer_of[r] = o
        capacity[o] -= requests.size[r]
    rows = np.flatnonzero(offer_of < 0)
    pr, po, pv = _feasible_pairs(requests, rows, offers, np.arange(len(offers)), capacity, weights)
    placed, value, optimal = solve_pairs(requests, pr, po, pv, capacity)
    for r, o in placed.items():
        offer_of[r] = o
    if fixed:
        fr = np.array([r for r, _ in fixed])
        fo = np.array([o for _, o in fixed])
        terms = evaluate_pairs(requests, fr, offers, fo, weights)
        value += int(np.dot(terms.value, requests.size[fr]))
    return offer_of, value, optimal


def regions(market: Market) -> tuple[int, I8, I8]:
    """Connected regions of the location graph.

    Returns (count, region per request location, region per offer location); every feasible
    pair lies inside one region.
    """
    n_req, n_off = len(market.location_types), len(market.location_offers)
    a = [loc for loc, near in enumerate(market.pairs) for _ in near]
    b = [n_req + o for near in market.pairs for o, _ in near]
    graph = coo_matrix((np.ones(len(a)), (a, b)), shape=(n_req + n_off, n_req + n_off))
    count, label = connected_components(graph, directed=False)
    return int(count), label[:n_req].astype(np.int64), label[n_req:].astype(np.int64)


def class_regions(market: Market, classes: Classes) -> I8:
    """Region of each class (connected component of the location graph)."""
    _, request_region, _ = regions(market)
    return request_region[market.type_location[classes.type]]


def improve_small_regions(market: Market, offer_of: I8, free: I8, limit: int) -> int:
    """Solve regions with requests x offers <= ``limit`` exactly; return how many improved.

    Updates offer_of (offer row per market position) and free (per offer row) in place.
    """
    if not market.rows.size:
        return 0
    count, request_region, offer_region = regions(market)
    row_region = request_region[market.request_location]
    offer_location = np.full(len(market.offers), -1, dtype=np.int64)
    for loc, rows in enumerate(market.location_offers):
        offer_location[rows] = loc
    row_counts = np.bincount(row_region, minlength=count)
    offer_counts = np.bincount(offer_region[offer_location[market.offer_rows]], minlength=count)
    improved = 0
    requests, offers, weights = market.requests, market.offers, market.weights
    for region in np.flatnonzero(
        (row_counts * offer_counts <= limit) & (offer_counts > 0)
    ).tolist():
        positions = np.flatnonzero(row_region == region)
        region_offers = market.offer_rows[offer_region[offer_location[market.offer_rows]] == region]
        rows = market.rows[positions]
        capacity = market.capacity
        pr, po, pv = _feasible_pairs(requests, rows, offers, region_offers, capacity, weights)
        if not pr.size:
            continue
        current = {int(r): int(o) for r, o in zip(rows, offer_of[positions], strict=True) if o >= 0}
        current_value = _value_of(current, pr, po, pv)
        placed, value, _ = solve_pairs(requests, pr, po, pv, capacity, hint=current)
        if value <= current_value:
            continue
        improved += 1
        for r, o in current.items():
            free[o] += int(requests.size[r])
        position_of = {int(r): int(p) for r, p in zip(rows, positions, strict=True)}
        offer_of[positions] = -1
        for r, o in placed.items():
            offer_of[position_of[r]] = o
            free[o] -= int(requests.size[r])
    return improved


def _value_of(placed: dict[int, int], pr: I8, po: I8, pv: I8) -> int:
    """Value of a placement over the given pairs."""
    lookup = {(int(r), int(o)): int(v) for r, o, v in zip(pr, po, pv, strict=True)}
    return sum(lookup[(r, o)] for r, o in placed.items())
