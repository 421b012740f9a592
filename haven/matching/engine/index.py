"""Instant suggestions: the best few feasible bed offers for one request.

Offers are sorted by location; a KD-tree over the distinct locations (as points on the unit
sphere) finds the locations within the organisation's radius, and the offers there are filtered
and scored with numpy in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from haven.matching.engine.geo import chord_for_km, haversine_km, unit_vectors
from haven.matching.engine.model import VALUE_SCALE, BedOffers, Reason, Requests, Weights
from haven.matching.engine.pairs import fits, penalty_units, primary_bit, reason_for

I8 = npt.NDArray[np.int64]
F8 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Suggestion:
    """One feasible offer for a request: why it fits and what it costs."""

    offer: int
    value: float
    """Value of the placement for the whole group, in people-at-urgency-weight units."""
    distance_km: float
    speaks_first_language: bool
    shared_languages: int
    """Bit mask of the languages that host and group share."""
    wait_days: int
    capacity_left: int
    distance_cost: float
    language_cost: float
    wait_cost: float
    potential: float = 0.0
    """What the offer's beds are worth to other groups (the group's size times the offer's
    potential), in the same units as ``value``; 0 when ranked by value alone."""
    held_back: bool = False
    """First by value alone, but kept for a group that needs it more (see ``suggest``)."""


class OfferIndex:
    """Bed offers arranged for fast per-request look-ups; remaining capacity can be updated."""

    def __init__(self, offers: BedOffers, weights: Weights | None = None) -> None:
        """Index the offers under the given settings (the radius is fixed per index)."""
        self.weights = weights or Weights()
        coords = np.column_stack((offers.lat, offers.lon))
        locations, location_of = np.unique(coords, axis=0, return_inverse=True)
        order = np.argsort(location_of, kind="stable")
        self.offers = offers
        self.order: I8 = order.astype(np.int64)
        self.position_of: I8 = np.empty_like(self.order)
        self.position_of[self.order] = np.arange(self.order.size)
        starts = np.searchsorted(location_of[order], np.arange(len(locations) + 1))
        self.starts: I8 = starts.astype(np.int64)
        self.location_lat: F8 = locations[:, 0].copy()
        self.location_lon: F8 = locations[:, 1].copy()
        self.tree = cKDTree(unit_vectors(self.location_lat, self.location_lon))
        self.chord = chord_for_km(self.weights.radius_km)
        self.remaining: I8 = offers.capacity.copy()
        # Columns in location order, so a location's offers are one contiguous slice.
        self._cap = self.remaining[order]
        self._lang = offers.languages[order]
        self._acc = offers.accepts[order]
        self._req = offers.requires[order]
        self._from = offers.available_from[order]
        self._to = offers.available_to[order]

    def take(self, offer: int, people: int) -> None:
        """Record that ``people`` were placed at ``offer`` (a confirmed placement)."""
        if people > self.remaining[offer]:
            raise ValueError(f"offer {offer} has only {self.remaining[offer]} places left")
        self.remaining[offer] -= people
        self._cap[self.position_of[offer]] -= people

    def show(self, offer: int, room: int) -> None:
        """Let look-ups see ``room`` places at ``offer`` (0 hides it: withdrawn, not yet open)."""
        self._cap[self.position_of[offer]] = room

    def nearby(self, lat: float, lon: float) -> tuple[I8, F8]:
        """Positions (in location order) and distances of the offers within the radius."""
        point = unit_vectors(np.array([lat]), np.array([lon]))[0]
        hits = np.asarray(self.tree.query_ball_point(point, self.chord), dtype=np.int64)
        if not hits.size:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
        dist = haversine_km(lat, lon, self.location_lat[hits], self.location_lon[hits])
        keep = dist <= self.weights.radius_km
        hits, dist = hits[keep], dist[keep]
        counts = self.starts[hits + 1] - self.starts[hits]
        positions = np.repeat(self.starts[hits] - np.cumsum(counts) + counts, counts)
        positions += np.arange(positions.size)
        return positions, np.repeat(dist, counts)

    def candidates(
        self, requests: Requests, row: int
    ) -> tuple[I8, I8, F8, I8, npt.NDArray[np.bool_]]:
        """Feasible offers with room for one request: rows, per-person value and terms."""
        positions, dist = self.nearby(float(requests.lat[row]), float(requests.lon[row]))
        earliest = int(requests.earliest[row])
        ok = fits(
            size=requests.size[row],
            languages=requests.languages[row],
            constraints=requests.constraints[row],
            earliest=requests.earliest[row],
            capacity=self._cap[positions],
            offer_languages=self._lang[positions],
            accepts=self._acc[positions],
            requires=self._req[positions],
            available_from=self._from[positions],
            available_to=self._to[positions],
            max_wait_days=self.weights.max_wait_days,
        )
        positions, dist = positions[ok], dist[ok]
        wait = np.maximum(self._from[positions] - earliest, 0)
        miss = (self._lang[positions] & primary_bit(requests.primary[row])) == 0
        value = self.weights.urgency_values()[requests.urgency[row]] - penalty_units(
            dist, miss, wait, self.weights
        )
        return self.order[positions], value, dist, wait, miss

    def best(self, requests: Requests, row: int) -> int:
        """The feasible offer with room that is worth most to this request, or -1."""
        rows, value, *_ = self.candidates(requests, row)
        if not rows.size:
            return -1
        top = value == value.max()
        return int(rows[top].min())

    def reason(self, requests: Requests, row: int) -> Reason:
        """Why this request has no feasible offer with room (PLACED if it has one)."""
        positions, dist = self.nearby(float(requests.lat[row]), float(requests.lon[row]))
        return reason_for(
            requests, row, self.offers, self.order[positions], dist, self.weights, self.remaining
        )


def suggest(
    request: Requests,
    index: OfferIndex,
    k: int = 5,
    row: int = 0,
    potential: I8 | None = None,
) -> list[Suggestion]:
    """The k best feasible offers for one request (row ``row`` of ``request``), best first.

    With ``potential`` (per offer row, per person, VALUE_SCALE units) offers rank by value minus
    potential. The offer that would rank first by value alone is then ``held_back`` when its
    potential moves it down or below zero (the dual-price policy would keep it for another
    group); it stays in the list, at its place or, when that is beyond ``k``, last.
    """
    if not int(request.needs[row]) & 1:
        return []
    rows, value, dist, wait, miss = index.candidates(request, row)
    if not rows.size:
        return []
    score = value if potential is None else value - potential[rows]
    order = _best(rows, score, k)
    held = -1
    if potential is not None:
        first = int(_best(rows, value, 1)[0])
        if first != int(order[0]) or score[first] < 0:
            held = first
            if held not in order:
                order = np.append(order, held)
    size = int(request.size[row])
    weights = index.weights
    shared = index.offers.languages[rows] & request.languages[row]
    return [
        Suggestion(
            offer=int(rows[i]),
            value=float(value[i]) * size / VALUE_SCALE,
            distance_km=round(float(dist[i]), 1),
            speaks_first_language=not bool(miss[i]),
            shared_languages=int(shared[i]),
            wait_days=int(wait[i]),
            capacity_left=int(index.remaining[rows[i]]),
            distance_cost=size * weights.per_km * float(dist[i]),
            language_cost=size * weights.language * float(miss[i]),
            wait_cost=size * weights.per_wait_day * float(wait[i]),
            potential=0.0 if potential is None else float(potential[rows[i]]) * size / VALUE_SCALE,
            held_back=int(i) == held,
        )
        for i in order.tolist()
    ]


def _best(rows: I8, score: I8, k: int) -> I8:
    """Positions of the k highest scores, best first; ties go to the lower offer row so that
    answers are stable."""
    if rows.size > k:
        keep = np.argpartition(-score, k - 1)[:k]
        keep = np.flatnonzero(score >= score[keep].min())
    else:
        keep = np.arange(rows.size)
    return keep[np.lexsort((rows[keep], -score[keep]))][:k].astype(np.int64)
