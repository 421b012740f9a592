"""Short, varied candidate lists: which offers the optimiser's flow may use for each type.

Taking each type's nearest offers alone would send every type in a city to the same few hosts,
and the flow could then place only those. So candidates come from two sides:

- forward, each type keeps its best offers by value, visiting areas in order of distance plus a
  rough price per city (from a flow between whole cities), with a small deterministic jitter
  between equally good hosts and a slight preference for hosts who take fewer kinds of group, so
  that flexible hosts stay available to the groups that need them; types with more people keep
  more;
- backward, every offer keeps a few nearby types that fit it, drawn at random, so that hosts most
  groups pass over (who speak no Russian, say) are still within the flow's reach.

The flow, not this ranking, decides placements; pricing (pricing.py) finds what was missed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from haven.matching.engine.flow import solve_transport
from haven.matching.engine.market import Market
from haven.matching.engine.pairs import penalty_units

I8 = npt.NDArray[np.int64]

JITTER = 200
"""Tie-breaking spread in VALUE_SCALE units (20 km at the default per-km penalty)."""
FLEX_STEP = 20
"""Penalty per kind of group or language a host can take, for ranking candidates only."""


@dataclass(frozen=True)
class Candidates:
    """Candidate offers per request type in CSR layout, best value first."""

    starts: I8
    offer: I8
    penalty: I8
    has_feasible: npt.NDArray[np.bool_]
    """Whether the type has any feasible offer with room at all (not only among candidates)."""
    pairs_seen: int
    """Type x offer pairs evaluated to build the lists."""


def _popcount(values: I8) -> I8:
    """Number of set bits per element (values below 2**16 suffice here)."""
    bits = np.unpackbits(values.astype("<u8").view(np.uint8).reshape(-1, 8), axis=1)
    return bits.sum(axis=1).astype(np.int64)


def _distance_units(market: Market, distance_km: float) -> int:
    """Distance penalty per person in VALUE_SCALE units."""
    zero = np.zeros(1, dtype=np.int64)
    return int(
        penalty_units(np.array([distance_km]), zero.astype(np.bool_), zero, market.weights)[0]
    )


def location_prices(market: Market) -> I8:
    """Rough price of a bed per offer location, from a flow between whole cities.

    People are pooled per (city, urgency) and beds per city, ignoring languages, constraints,
    dates and group sizes. The duals say where beds are scarce; candidates then look beyond
    their own city where it is cheaper, which is where the exact flow will want them to go.
    """
    n_off = len(market.location_offers)
    if not market.rows.size or not n_off:
        return np.zeros(n_off, dtype=np.int64)
    urgency = market.requests.urgency[market.rows]
    key = market.request_location * 8 + urgency
    pooled, inverse = np.unique(key, return_inverse=True)
    supply = np.bincount(inverse, weights=market.requests.size[market.rows]).astype(np.int64)
    capacity = np.array([int(market.capacity[o].sum()) for o in market.location_offers])
    values = market.weights.urgency_values()
    arc_class: list[int] = []
    arc_offer: list[int] = []
    arc_value: list[int] = []
    for c, k in enumerate(pooled.tolist()):
        loc, u = divmod(k, 8)
        for o, d in market.pairs[loc]:
            arc_class.append(c)
            arc_offer.append(o)
            arc_value.append(int(values[u]) - _distance_units(market, d))
    if not arc_class:
        return np.zeros(n_off, dtype=np.int64)
    solution = solve_transport(
        supply, capacity, np.array(arc_class), np.array(arc_offer), np.array(arc_value)
    )
    return solution.offer_price


def select_candidates(
    market: Market,
    *,
    base: int = 6,
    per_person: float = 1.5,
    limit: int = 256,
    per_offer: int = 2,
    per_bed: int = 2,
) -> Candidates:
    """Candidate offers per type: its best ``base + per_person * people`` (at most ``limit``),
    plus, for every offer, ``per_offer + capacity`` nearby types that can use it."""
    n = market.n_types
    want = np.minimum(base + np.ceil(per_person * market.type_people), limit).astype(np.int64)
    area_price = location_prices(market)
    forward = _forward(market, want, area_price)
    backward = _backward(market, per_offer, per_bed)
    has = np.zeros(n, dtype=np.bool_)
    has[forward.types_with_offers] = True
    t = np.concatenate((forward.type, backward.type))
    o = np.concatenate((forward.offer, backward.offer))
    pen = np.concatenate((forward.penalty, backward.penalty))
    # Within a type, best value first (lowest penalty), then offer row; duplicates dropped.
    order = np.lexsort((o, pen, t))
    t, o, pen = t[order], o[order], pen[order]
    fresh = np.ones(t.size, dtype=np.bool_)
    fresh[1:] = (t[1:] != t[:-1]) | (o[1:] != o[:-1])
    t, o, pen = t[fresh], o[fresh], pen[fresh]
    starts = np.searchsorted(t, np.arange(n + 1)).astype(np.int64)
    return Candidates(starts, o, pen, has, forward.seen + backward.seen)


@dataclass(frozen=True)
class _Picked:
    """(type, offer, penalty) triples chosen by one pass."""

    type: I8
    offer: I8
    penalty: I8
    seen: int
    types_with_offers: I8


def _picked(parts: list[tuple[I8, I8, I8]], seen: int, types_with_offers: list[I8]) -> _Picked:
    """Concatenate the parts of a pass."""
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return _Picked(empty, empty, empty, seen, empty)
    return _Picked(
        np.concatenate([p[0] for p in parts]),
        np.concatenate([p[1] for p in parts]),
        np.concatenate([p[2] for p in parts]),
        seen,
        np.concatenate(types_with_offers) if types_with_offers else np.zeros(0, dtype=np.int64),
    )


def _forward(market: Market, want: I8, area_price: I8) -> _Picked:
    """Each type's best offers by value minus the area's rough price, cheapest areas first."""
    offers = market.offers
    flex = np.zeros(len(offers), dtype=np.int64)
    rows = market.offer_rows
    flex[rows] = FLEX_STEP * (
        _popcount(offers.accepts[rows]) + _popcount(offers.languages[rows].view(np.int64))
    )
    # Deterministic jitter: a random level per offer, permuted per type by XOR with a type key.
    rng = np.random.default_rng(12345)
    bonus = rng.integers(0, JITTER, size=len(offers), dtype=np.int64) - flex
    type_key = rng.integers(0, 256, size=market.n_types, dtype=np.int64)
    parts: list[tuple[I8, I8, I8]] = []
    reached: list[I8] = []
    seen = 0
    for loc, near in enumerate(market.pairs):
        types = market.location_types[loc]
        need = want[types].copy()
        cost = [_distance_units(market, d) + area_price[o] for o, d in near]
        for k in np.argsort(cost, kind="stable").tolist():
            offer_location, distance = near[k]
            active = need > 0
            if not active.any():
                break
            block = market.block(types[active], offer_location, distance)
            seen += block.ok.size
            found = block.ok.sum(axis=1)
            reached.append(block.types[found > 0])
            score = np.where(
                block.ok,
                (bonus[block.offers][None, :] ^ type_key[block.types][:, None]) - block.penalty,
                _WORST,
            )
            m = min(int(block.offers.size), int(need[active].max()))
            penalty = block.penalty
            if m < block.offers.size:
                top = np.argpartition(-score, m - 1, axis=1)[:, :m]
                score = np.take_along_axis(score, top, axis=1)
            else:
                top = np.broadcast_to(np.arange(block.offers.size), score.shape)
            # Each type keeps only as many as it still needs, best first.
            best = np.argsort(-score, axis=1, kind="stable")
            top = np.take_along_axis(top, best, axis=1)
            score = np.take_along_axis(score, best, axis=1)
            penalty = np.take_along_axis(penalty, top, axis=1)
            offer_top = block.offers[top]
            keep = (score > _WORST) & (np.arange(score.shape[1])[None, :] < need[active][:, None])
            row_of = np.broadcast_to(np.arange(block.types.size)[:, None], keep.shape)[keep]
            parts.append((block.types[row_of], offer_top[keep], penalty[keep]))
            need[active] -= np.minimum(found, m)
    return _picked(parts, seen, reached)


def _backward(market: Market, per_offer: int, per_bed: int) -> _Picked:
    """For every offer, ``per_offer + capacity`` nearby types that can use it, nearest first."""
    # Beds left over by the most urgent go to whoever is next, so an offer's types are drawn
    # at random among those nearby that fit it (each offer with its own draw), not by urgency.
    rng = np.random.default_rng(54321)
    jitter = rng.integers(0, 1 << 16, size=market.n_types, dtype=np.int64)
    offer_key = rng.integers(0, 1 << 16, size=len(market.offers), dtype=np.int64)
    reverse: list[list[tuple[int, float]]] = [[] for _ in market.location_offers]
    for loc, near in enumerate(market.pairs):
        for offer_location, distance in near:
            reverse[offer_location].append((loc, distance))
    parts: list[tuple[I8, I8, I8]] = []
    seen = 0
    for offer_location, near in enumerate(reverse):
        need = per_offer + per_bed * market.capacity[market.location_offers[offer_location]]
        for loc, distance in sorted(near, key=lambda pair: pair[1]):
            active = need > 0
            if not active.any():
                break
            types = market.location_types[loc]
            block = market.block(types, offer_location, distance)
            ok = block.ok[:, active]
            seen += ok.size
            mixed = jitter[types][:, None] ^ offer_key[block.offers[active]][None, :]
            score = np.where(ok, mixed - block.penalty[:, active], _WORST)
            m = min(int(types.size), int(need[active].max()))
            cols = np.flatnonzero(active)
            if m < types.size:
                top = np.argpartition(-score, m - 1, axis=0)[:m, :]
                score = np.take_along_axis(score, top, axis=0)
            else:
                top = np.broadcast_to(np.arange(types.size)[:, None], score.shape)
            best = np.argsort(-score, axis=0, kind="stable")
            top = np.take_along_axis(top, best, axis=0)
            score = np.take_along_axis(score, best, axis=0)
            type_top = types[top]
            keep = (score > _WORST) & (np.arange(score.shape[0])[:, None] < need[active][None, :])
            col_of = np.broadcast_to(cols[None, :], keep.shape)[keep]
            penalty = block.penalty[top[keep], col_of]
            parts.append((type_top[keep], block.offers[col_of], penalty))
            need[active] -= np.minimum(ok.sum(axis=0), m)
    return _picked(parts, seen, [])


_WORST = np.iinfo(np.int64).min // 4
