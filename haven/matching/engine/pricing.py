"""Pricing: find feasible pairs outside the arc list that could still raise the flow's value.

With optimal dual prices q (per class) and p (per offer) of the flow over the current arcs, a
left-out pair (class c, offer o) can improve the optimum only when its reduced value
``value - q_c - p_o`` is positive. When no feasible pair has one, the flow's value is the LP
optimum over every feasible pair, which makes this module the certificate behind the bound.
Blocks whose best possible price-adjusted penalty cannot beat a type's threshold are skipped.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from haven.matching.engine.flow import FlowSolution
from haven.matching.engine.market import Classes, Market
from haven.matching.engine.pairs import penalty_units

I8 = npt.NDArray[np.int64]
Arcs = tuple[I8, I8, I8]

_INF = np.iinfo(np.int64).max // 4


def join(arcs: Arcs, extra: Arcs) -> Arcs:
    """Arcs with the extra ones appended."""
    return (
        np.concatenate((arcs[0], extra[0])),
        np.concatenate((arcs[1], extra[1])),
        np.concatenate((arcs[2], extra[2])),
    )


def price_out(
    market: Market,
    classes: Classes,
    solution: FlowSolution,
    *,
    per_type: int = 8,
    nearest: bool = False,
    min_urgency: int = 1,
) -> Arcs | None:
    """Up to ``per_type`` improving offers per request type, as new arcs; None if there are none.

    Arcs already in the flow have no positive reduced value at its optimum, so none comes back.
    With ``nearest`` a type stops being priced once it has ``per_type`` improving offers, offer
    locations being visited nearest first, so most blocks are never evaluated (for heuristics:
    the result is no longer the best improving offers, and proves nothing when empty); classes
    below ``min_urgency`` are not priced at all.
    """
    weights = market.weights
    values = weights.urgency_values()
    class_threshold = values[classes.urgency] - solution.class_price
    class_threshold = np.where(classes.urgency >= min_urgency, class_threshold, -_INF)
    type_threshold = np.full(market.n_types, -_INF, dtype=np.int64)
    np.maximum.at(type_threshold, classes.type, class_threshold)
    price = np.zeros(len(market.offers), dtype=np.int64)
    price[market.offer_rows] = solution.offer_price
    location_floor = np.array(
        [price[o].min() if o.size else _INF for o in market.location_offers], dtype=np.int64
    )
    found_type: list[I8] = []
    found_offer: list[I8] = []
    found_key: list[I8] = []
    for loc, near in enumerate(market.pairs):
        types = market.location_types[loc]
        threshold = type_threshold[types]
        improving = np.zeros(types.size, dtype=np.int64)
        for offer_location, distance in near:
            floor = location_floor[offer_location] + int(
                penalty_units(
                    np.array([distance]),
                    np.zeros(1, dtype=np.bool_),
                    np.zeros(1, dtype=np.int64),
                    weights,
                )[0]
            )
            active = threshold > floor
            if nearest:
                active &= improving < per_type
            if not active.any():
                continue
            block = market.block(types[active], offer_location, distance)
            key = np.where(block.ok, block.penalty + price[block.offers][None, :], _INF)
            violated = key < threshold[active][:, None]
            if not violated.any():
                continue
            m = min(per_type, block.offers.size)
            if m < block.offers.size:
                top = np.argpartition(key, m - 1, axis=1)[:, :m]
            else:
                top = np.broadcast_to(np.arange(block.offers.size), key.shape)
            key_top = np.take_along_axis(key, top, axis=1)
            hit = np.take_along_axis(violated, top, axis=1)
            row_of = np.broadcast_to(np.arange(block.types.size)[:, None], hit.shape)[hit]
            improving[np.flatnonzero(active)] += hit.sum(axis=1)
            found_type.append(block.types[row_of])
            found_offer.append(block.offers[top[hit]])
            found_key.append(key_top[hit])
    if not found_type:
        return None
    t = np.concatenate(found_type)
    o = np.concatenate(found_offer)
    k = np.concatenate(found_key)
    order = np.lexsort((o, k, t))
    t, o, k = t[order], o[order], k[order]
    first = np.searchsorted(t, t, side="left")
    keep = np.arange(t.size) - first < per_type
    t, o, k = t[keep], o[keep], k[keep]
    # Expand each (type, offer) to the classes of the type that it improves.
    class_starts = np.searchsorted(classes.type, np.arange(market.n_types + 1))
    counts = class_starts[t + 1] - class_starts[t]
    pair = np.repeat(np.arange(t.size), counts)
    cls = np.repeat(class_starts[t], counts) + (
        np.arange(pair.size) - np.repeat(np.cumsum(counts) - counts, counts)
    )
    improves = class_threshold[cls] > k[pair]
    cls, pair = cls[improves], pair[improves]
    if not cls.size:
        return None
    penalty = k[pair] - price[o[pair]]
    return cls.astype(np.int64), market.local_offer[o[pair]], values[classes.urgency[cls]] - penalty
