"""Sequential placement: each request in turn takes the best offer on its list that has room.

Used by the first-come-first-served and greedy baselines, and by the optimiser to place whole
groups after the flow. Lists are per request type (or class), best value first; since capacity
only goes down and every request of a list has the same group size, an offer that is too full
for a list stays too full, so each list keeps a cursor that only moves forward.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

I8 = npt.NDArray[np.int64]

_CHUNK = 64


def fill(
    order: I8,
    request_list: I8,
    request_size: I8,
    starts: I8,
    offers: I8,
    remaining: I8,
    offer_of: I8,
    keys: I8 | None = None,
) -> int:
    """Place the requests in ``order`` in turn; update remaining and offer_of; return placements.

    ``order`` holds positions into request_list/request_size/offer_of; ``starts``/``offers`` are
    the lists of offer rows (CSR); ``remaining`` is indexed by offer row. With ``keys`` (one per
    list entry, equal for equally good offers) a request takes, among the equally good offers
    with room, the one with the least room left that still fits it (best fit), so that larger
    rooms stay whole for larger groups.
    """
    cursor = starts[:-1].copy()
    placed = 0
    for position in order.tolist():
        t = int(request_list[position])
        size = int(request_size[position])
        a, b = int(cursor[t]), int(starts[t + 1])
        while a < b:
            window = offers[a : min(b, a + _CHUNK)]
            room = remaining[window]
            fits = np.flatnonzero(room >= size)
            if fits.size:
                a += int(fits[0])
                pick = a
                if keys is not None:
                    same = keys[a : a + window.size - int(fits[0])] == keys[a]
                    spare = remaining[offers[a : a + same.size]]
                    spare = np.where(same & (spare >= size), spare, np.iinfo(np.int64).max)
                    pick = a + int(np.argmin(spare))
                chosen = int(offers[pick])
                remaining[chosen] -= size
                offer_of[position] = chosen
                placed += 1
                break
            a += window.size
        cursor[t] = a
    return placed
