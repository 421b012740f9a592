"""Local repair: make room for an unplaced group by moving out groups worth less.

Whole groups fragment capacity: three free beds spread over three hosts cannot take a family of
three that the relaxation placed. For each unplaced group that the relaxation wanted placed, the
repair looks at its candidate offers and, where evicting lower-value guests frees enough room
and raises the total, does so; the evicted guests then take any other feasible bed with room.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from haven.matching.engine.market import Classes, Market
from haven.matching.engine.pairs import evaluate_pairs
from haven.matching.engine.pricing import Arcs
from haven.matching.engine.ranked import mop_up

I8 = npt.NDArray[np.int64]


def evict_for_urgent(
    market: Market,
    classes: Classes,
    arcs: Arcs,
    offer_of: I8,
    free: I8,
    wanted: npt.NDArray[np.bool_] | None = None,
) -> int:
    """Repair in place (offer_of per market position, free per offer row); return moves made.

    ``wanted`` marks the classes worth trying (default: all); groups are tried most urgent and
    largest first.
    """
    requests = market.requests
    size = requests.size[market.rows]
    urgency = requests.urgency[market.rows]
    unplaced = np.flatnonzero(offer_of < 0)
    if wanted is not None:
        unplaced = unplaced[wanted[classes.of[unplaced]]]
    if not unplaced.size:
        return 0
    placed = np.flatnonzero(offer_of >= 0)
    per_person = np.zeros(market.rows.size, dtype=np.int64)
    if placed.size:
        terms = evaluate_pairs(
            requests, market.rows[placed], market.offers, offer_of[placed], market.weights
        )
        per_person[placed] = terms.value
    guests: dict[int, list[int]] = {}
    for position, offer in zip(placed.tolist(), offer_of[placed].tolist(), strict=True):
        guests.setdefault(offer, []).append(position)
    arc_class, arc_offer, arc_value = arcs
    order = np.argsort(arc_class, kind="stable")
    starts = np.searchsorted(arc_class[order], np.arange(classes.type.size + 1))
    offer_rows = market.offer_rows
    evicted: list[int] = []
    moves = 0
    sequence = unplaced[np.lexsort((market.rows[unplaced], -size[unplaced], -urgency[unplaced]))]
    for g in sequence.tolist():
        if offer_of[g] >= 0:
            continue
        c = int(classes.of[g])
        need = int(size[g])
        lo, hi = int(starts[c]), int(starts[c + 1])
        best_gain, best_offer, best_out, per_value = 0, -1, [], 0
        for k in order[lo:hi].tolist():
            offer = int(offer_rows[arc_offer[k]])
            value = int(arc_value[k])
            room = int(free[offer])
            out: list[int] = []
            lost = 0
            if room < need:
                cheapest_first = sorted(guests.get(offer, ()), key=lambda p: (per_person[p], p))
                for guest in cheapest_first:
                    if per_person[guest] >= value:
                        break
                    out.append(guest)
                    lost += int(per_person[guest] * size[guest])
                    room += int(size[guest])
                    if room >= need:
                        break
                if room < need:
                    continue
            gain = value * need - lost
            if gain > best_gain:
                best_gain, best_offer, best_out = gain, offer, out
                per_value = value
        if best_offer < 0:
            continue
        for guest in best_out:
            guests[best_offer].remove(guest)
            free[best_offer] += int(size[guest])
            offer_of[guest] = -1
            evicted.append(guest)
        offer_of[g] = best_offer
        free[best_offer] -= need
        per_person[g] = per_value
        guests.setdefault(best_offer, []).append(g)
        moves += 1
    if evicted:
        again = np.array(sorted(set(evicted)), dtype=np.int64)
        again = again[offer_of[again] < 0]
        again = again[np.lexsort((market.rows[again], -size[again], -urgency[again]))]
        mop_up(market, again, offer_of, free)
    return moves
