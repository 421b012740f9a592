"""Every feasible offer per request type, best value first, and placing requests on those lists."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from haven.matching.engine.fill import fill
from haven.matching.engine.market import Market

I8 = npt.NDArray[np.int64]

_OFFER_BITS = 32


def full_ranked_lists(market: Market) -> tuple[I8, I8, I8]:
    """(starts, offers, penalty) in CSR layout: all feasible offers per type by value then row."""
    n = market.n_types
    counts = np.zeros(n, dtype=np.int64)
    parts: list[tuple[I8, I8]] = []
    for loc, near in enumerate(market.pairs):
        types = market.location_types[loc]
        if not near or not types.size:
            continue
        keys = []
        for offer_location, distance in near:
            block = market.block(types, offer_location, distance)
            key = (block.penalty << _OFFER_BITS) | block.offers[None, :]
            keys.append(np.where(block.ok, key, _NONE))
        merged = np.sort(np.concatenate(keys, axis=1), axis=1)
        ok = merged != _NONE
        counts[types] = ok.sum(axis=1)
        row_of = np.broadcast_to(np.arange(types.size)[:, None], ok.shape)[ok]
        parts.append((types[row_of], merged[ok]))
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return np.zeros(n + 1, dtype=np.int64), empty, empty
    t = np.concatenate([p[0] for p in parts])
    k = np.concatenate([p[1] for p in parts])
    order = np.argsort(t, kind="stable")
    k = k[order]
    starts = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    return starts, k & ((1 << _OFFER_BITS) - 1), k >> _OFFER_BITS


_NONE = np.iinfo(np.int64).max


def mop_up(market: Market, positions: I8, offer_of: I8, free: I8) -> int:
    """Place the given unplaced market positions on any feasible offer with room, in order."""
    if not positions.size or not (free > 0).any():
        return 0
    requests = market.requests
    rest = Market(requests, market.rows[positions], market.offers, free.copy(), market.weights)
    if not rest.offer_rows.size:
        return 0
    starts, offers, penalty = full_ranked_lists(rest)
    placed = np.full(rest.rows.size, -1, dtype=np.int64)
    count = fill(
        np.arange(rest.rows.size),
        rest.type_of,
        requests.size[rest.rows],
        starts,
        offers,
        free,
        placed,
        penalty,
    )
    offer_of[positions[placed >= 0]] = placed[placed >= 0]
    return count
