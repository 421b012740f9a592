"""The transportation relaxation: request classes send people to offers, solved as a min-cost flow.

A class is a set of interchangeable requests (same type, same urgency); its supply is the
number of people in it. Each offer takes at most its remaining capacity. Relaxing "a group is
never split" turns the matching into this flow, whose optimum is the LP upper bound over the
arcs given; the dual prices read from the optimal residual graph tell which arcs left out could
still raise the value.
"""

from __future__ import annotations

import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import numpy.typing as npt
from ortools.graph.python import min_cost_flow

I8 = npt.NDArray[np.int64]

PARALLEL_MIN_ARCS = 300_000
"""Below this many arcs, starting worker processes costs more than it saves."""


class FlowError(RuntimeError):
    """The min-cost flow solver did not reach an optimum."""


@dataclass(frozen=True)
class FlowSolution:
    """Optimal people flow per arc, the value reached and dual prices."""

    flow: I8
    value: int
    class_price: I8
    """Dual q: what one more person of the class would be worth, >= 0."""
    offer_price: I8
    """Dual p: what one more bed at the offer would be worth, >= 0."""


def solve_transport(
    supply: I8, capacity: I8, arc_class: I8, arc_offer: I8, arc_value: I8, *, duals: bool = True
) -> FlowSolution:
    """Maximise the sum of arc_value * flow; classes may leave people unplaced."""
    n_class, n_offer = supply.size, capacity.size
    sink = n_class + n_offer
    solver = min_cost_flow.SimpleMinCostFlow()
    tails = np.concatenate((arc_class, np.arange(n_class), n_class + np.arange(n_offer)))
    heads = np.concatenate((n_class + arc_offer, np.full(n_class, sink), np.full(n_offer, sink)))
    # Class-to-offer arcs get one unit of slack so that they are never saturated: the
    # class's supply bounds them anyway, and a saturated arc would hide its dual constraint.
    caps = np.concatenate((supply[arc_class] + 1, supply, capacity))
    costs = np.concatenate((-arc_value, np.zeros(n_class + n_offer, dtype=np.int64)))
    arcs = solver.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32),
        heads.astype(np.int32),
        caps.astype(np.int64),
        costs.astype(np.int64),
    )
    nodes = np.arange(sink + 1, dtype=np.int32)
    supplies = np.concatenate((supply, np.zeros(n_offer, dtype=np.int64), [-int(supply.sum())]))
    solver.set_nodes_supplies(nodes, supplies.astype(np.int64))
    status = solver.solve()
    if status != solver.OPTIMAL:
        raise FlowError(f"min-cost flow ended with status {status}")
    flows = np.asarray(solver.flows(arcs), dtype=np.int64)
    m = arc_class.size
    flow = flows[:m]
    value = int(np.dot(flow, arc_value))
    if not duals:
        empty = np.zeros(0, dtype=np.int64)
        return FlowSolution(flow, value, empty, empty)
    unplaced = flows[m : m + n_class]
    used = flows[m + n_class :]
    q, p = _prices(supply, capacity, arc_class, arc_offer, arc_value, flow, unplaced, used)
    return FlowSolution(flow, value, q, p)


def _prices(
    supply: I8,
    capacity: I8,
    arc_class: I8,
    arc_offer: I8,
    arc_value: I8,
    flow: I8,
    unplaced: I8,
    used: I8,
) -> tuple[I8, I8]:
    """Optimal duals from shortest distances in the residual graph (vectorised Bellman-Ford).

    With d the distances from a virtual root joined to every node, q = d(class) - d(sink) and
    p = d(sink) - d(offer), clipped at zero, satisfy complementary slackness with the flow.
    """
    n_class, n_offer = supply.size, capacity.size
    sink = n_class + n_offer
    offer_node = n_class + arc_offer
    parts: list[tuple[I8, I8, I8 | None]] = [
        (arc_class, offer_node, -arc_value),
        (offer_node[flow > 0], arc_class[flow > 0], arc_value[flow > 0]),
    ]
    offers = np.arange(n_offer) + n_class
    classes = np.arange(n_class)
    parts += [
        (offers[used < capacity], np.full(int((used < capacity).sum()), sink), None),
        (np.full(int((used > 0).sum()), sink), offers[used > 0], None),
        (classes[unplaced < supply], np.full(int((unplaced < supply).sum()), sink), None),
        (np.full(int((unplaced > 0).sum()), sink), classes[unplaced > 0], None),
    ]
    tail = np.concatenate([t for t, _, _ in parts]).astype(np.int64)
    head = np.concatenate([h for _, h, _ in parts]).astype(np.int64)
    cost = np.concatenate(
        [c if c is not None else np.zeros(t.size, dtype=np.int64) for t, _, c in parts]
    ).astype(np.int64)
    order = np.argsort(head, kind="stable")
    tail, head, cost = tail[order], head[order], cost[order]
    heads, starts = np.unique(head, return_index=True)
    dist = np.zeros(sink + 1, dtype=np.int64)
    for _ in range(sink + 2):
        best = np.minimum.reduceat(dist[tail] + cost, starts)
        improved = best < dist[heads]
        if not improved.any():
            break
        dist[heads[improved]] = best[improved]
    else:  # pragma: no cover - an optimal flow has no negative cycle
        raise FlowError("residual graph has a negative cycle: the flow is not optimal")
    q = np.maximum(dist[:n_class] - dist[sink], 0)
    p = np.maximum(dist[sink] - dist[n_class:sink], 0)
    return q, p


def solve_by_region(
    supply: I8,
    capacity: I8,
    arc_class: I8,
    arc_offer: I8,
    arc_value: I8,
    class_region: I8,
    *,
    duals: bool = True,
    workers: int = 1,
    parallel_min_arcs: int = PARALLEL_MIN_ARCS,
) -> FlowSolution:
    """Solve each region (classes and offers joined by arcs) on its own and stitch the results.

    Regions never share an arc, so the stitched flow is optimal for the whole problem; solving
    them apart is several times faster than one large flow, and with ``workers`` > 1 the
    largest regions are solved in parallel processes.
    """
    flow = np.zeros(arc_class.size, dtype=np.int64)
    q = np.zeros(supply.size, dtype=np.int64)
    p = np.zeros(capacity.size, dtype=np.int64)
    arc_region = class_region[arc_class]
    order = np.argsort(arc_region, kind="stable")
    bounds = np.searchsorted(arc_region[order], np.unique(arc_region), side="left").tolist()
    bounds.append(order.size)
    class_local = np.full(supply.size, -1, dtype=np.int64)
    offer_local = np.full(capacity.size, -1, dtype=np.int64)
    jobs: list[tuple[I8, I8, I8, tuple[I8, I8, I8, I8, I8]]] = []
    for a, b in pairwise(bounds):
        arcs = order[a:b]
        classes = np.unique(arc_class[arcs])
        offers = np.unique(arc_offer[arcs])
        class_local[classes] = np.arange(classes.size)
        offer_local[offers] = np.arange(offers.size)
        problem = (
            supply[classes],
            capacity[offers],
            class_local[arc_class[arcs]],
            offer_local[arc_offer[arcs]],
            arc_value[arcs],
        )
        jobs.append((arcs, classes, offers, problem))
    jobs.sort(key=lambda job: -job[0].size)
    parallel = workers > 1 and arc_class.size >= parallel_min_arcs
    parts = _run(jobs, duals, workers if parallel else 1)
    value = 0
    for (arcs, classes, offers, _), part in zip(jobs, parts, strict=True):
        flow[arcs] = part.flow
        value += part.value
        if duals:
            q[classes] = part.class_price
            p[offers] = part.offer_price
    return FlowSolution(flow, value, q, p)


def _solve_job(problem: tuple[I8, I8, I8, I8, I8], duals: bool) -> FlowSolution:
    """Solve one region (a picklable entry point for worker processes)."""
    return solve_transport(*problem, duals=duals)


def _run(
    jobs: list[tuple[I8, I8, I8, tuple[I8, I8, I8, I8, I8]]], duals: bool, workers: int
) -> list[FlowSolution]:
    """Solve the regions, largest first, in this process or in ``workers`` forked processes."""
    if workers <= 1 or len(jobs) < 2 or "fork" not in mp.get_all_start_methods():
        return [_solve_job(job[3], duals) for job in jobs]
    with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("fork")) as pool:
        futures = [pool.submit(_solve_job, job[3], duals) for job in jobs]
        return [future.result() for future in futures]
