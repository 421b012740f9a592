"""Requests grouped into types, offers grouped by location, and the blocks between them.

Requests that share location, languages, first language, constraints, earliest day and group
size are interchangeable for every offer: they form one *type* and are evaluated once. Pairs are
produced block by block (request types at one location x offers at one location within the
radius), so no step ever holds every feasible pair at once.

This relies on coordinates being coarse, as Haven stores them (a city, never an address): many
rows share a place. With a distinct coordinate on every row the results stay the same but the
block loop, which runs in Python once per pair of places, becomes the bottleneck; snap such
coordinates to places first.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from haven.matching.engine.geo import chord_for_km, haversine_km, unit_vectors
from haven.matching.engine.model import BedOffers, Need, Requests, Weights
from haven.matching.engine.pairs import fits, penalty_units, primary_bit

I8 = npt.NDArray[np.int64]
F8 = npt.NDArray[np.float64]
B2 = npt.NDArray[np.bool_]


def group_rows(columns: list[npt.NDArray[np.int64]]) -> tuple[I8, I8]:
    """Group rows with equal values in every column: (group id per row, first row per group)."""
    if not columns[0].size:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    keys = np.column_stack(columns)
    _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    return inverse.reshape(-1).astype(np.int64), first.astype(np.int64)


def _offsets(group_of: I8, groups: int) -> tuple[I8, I8]:
    """Rows sorted by group, and where each group starts in that order (CSR layout)."""
    order = np.argsort(group_of, kind="stable").astype(np.int64)
    starts = np.searchsorted(group_of[order], np.arange(groups + 1)).astype(np.int64)
    return order, starts


@dataclass(frozen=True)
class Block:
    """Request types at one location against the offers at one location in range."""

    types: I8
    offers: I8
    distance_km: float
    ok: B2
    """Feasible pairs, shape (len(types), len(offers))."""
    penalty: I8
    """Per-person penalty in VALUE_SCALE units, same shape (meaningless where not ok)."""


class Market:
    """Open bed requests (by type) and offers with their remaining capacity (by location)."""

    def __init__(
        self,
        requests: Requests,
        request_rows: I8,
        offers: BedOffers,
        capacity: I8,
        weights: Weights,
    ) -> None:
        """Group the given request rows into types and index offers with room by location."""
        self.requests = requests
        self.offers = offers
        self.weights = weights
        self.capacity = capacity
        bed = (requests.needs[request_rows] & int(Need.BED)) != 0
        self.rows: I8 = request_rows[bed]
        lat, lon = requests.lat[self.rows], requests.lon[self.rows]
        self.request_location, first_loc = group_rows([lat.view(np.int64), lon.view(np.int64)])
        self.type_of, first = group_rows(
            [
                self.request_location,
                requests.languages[self.rows].view(np.int64),
                requests.primary[self.rows],
                requests.constraints[self.rows],
                requests.earliest[self.rows],
                requests.size[self.rows],
            ]
        )
        rep = self.rows[first]
        self.type_row: I8 = rep
        self.type_location: I8 = self.request_location[first]
        self.type_size: I8 = requests.size[rep]
        self.type_primary_bit = primary_bit(requests.primary[rep])
        self.n_types = int(first.size)
        self.type_people: I8 = np.bincount(
            self.type_of, weights=requests.size[self.rows], minlength=self.n_types
        ).astype(np.int64)
        self.location_lat = lat[first_loc]
        self.location_lon = lon[first_loc]
        loc_types, loc_starts = _offsets(self.type_location, int(first_loc.size))
        self.location_types = [loc_types[a:b] for a, b in pairwise(loc_starts)]

        self.offer_rows: I8 = np.flatnonzero(capacity > 0).astype(np.int64)
        olat, olon = offers.lat[self.offer_rows], offers.lon[self.offer_rows]
        offer_location, first_off = group_rows([olat.view(np.int64), olon.view(np.int64)])
        off_order, off_starts = _offsets(offer_location, int(first_off.size))
        self.location_offers = [self.offer_rows[off_order[a:b]] for a, b in pairwise(off_starts)]
        self.offer_lat, self.offer_lon = olat[first_off], olon[first_off]
        self.local_offer: I8 = np.full(len(offers), -1, dtype=np.int64)
        self.local_offer[self.offer_rows] = np.arange(self.offer_rows.size)
        self.pairs = self._location_pairs()

    def _location_pairs(self) -> list[list[tuple[int, float]]]:
        """For each request location, the offer locations within the radius, nearest first."""
        result: list[list[tuple[int, float]]] = [[] for _ in range(len(self.location_types))]
        if not self.offer_lat.size or not result:
            return result
        tree = cKDTree(unit_vectors(self.offer_lat, self.offer_lon))
        hits = tree.query_ball_point(
            unit_vectors(self.location_lat, self.location_lon),
            chord_for_km(self.weights.radius_km),
        )
        for loc, near in enumerate(hits):
            near_arr = np.asarray(near, dtype=np.int64)
            dist = haversine_km(
                self.location_lat[loc], self.location_lon[loc],
                self.offer_lat[near_arr], self.offer_lon[near_arr],
            )  # fmt: skip
            keep = dist <= self.weights.radius_km
            order = np.lexsort((near_arr[keep], dist[keep]))
            result[loc] = [
                (int(o), float(d))
                for o, d in zip(near_arr[keep][order], dist[keep][order], strict=True)
            ]
        return result

    def block(self, types: I8, offer_location: int, distance_km: float) -> Block:
        """Feasibility and penalty of the given request types against one offer location."""
        o = self.location_offers[offer_location]
        r = self.type_row[types]
        req, off, w = self.requests, self.offers, self.weights
        col = np.s_[:, None]
        earliest = req.earliest[r][col]
        ok = fits(
            size=req.size[r][col],
            languages=req.languages[r][col],
            constraints=req.constraints[r][col],
            earliest=earliest,
            capacity=self.capacity[o],
            offer_languages=off.languages[o],
            accepts=off.accepts[o],
            requires=off.requires[o],
            available_from=off.available_from[o],
            available_to=off.available_to[o],
            max_wait_days=w.max_wait_days,
        )
        wait = np.maximum(off.available_from[o] - earliest, 0)
        miss = (self.type_primary_bit[types][col] & off.languages[o]) == 0
        distance = np.full(1, distance_km)
        penalty = penalty_units(distance, miss, wait, w)
        return Block(types, o, distance_km, ok, penalty)

    def blocks(self) -> Iterator[Block]:
        """Every block, request location by request location, nearest offer location first."""
        for loc, near in enumerate(self.pairs):
            types = self.location_types[loc]
            for offer_location, distance in near:
                yield self.block(types, offer_location, distance)


@dataclass(frozen=True)
class Classes:
    """Requests of one type and one urgency: interchangeable in the flow."""

    of: I8
    """Class per market row position."""
    type: I8
    urgency: I8
    supply: I8
    """People per class."""
    members: I8
    """Market row positions sorted by class, then by request row."""
    starts: I8


def classes_of(market: Market) -> Classes:
    """Split each request type by urgency."""
    urgency = market.requests.urgency[market.rows]
    of, first = group_rows([market.type_of, urgency])
    n = int(first.size)
    order = np.lexsort((market.rows, of)).astype(np.int64)
    starts = np.searchsorted(of[order], np.arange(n + 1)).astype(np.int64)
    supply = np.bincount(of, weights=market.requests.size[market.rows], minlength=n)
    return Classes(
        of=of,
        type=market.type_of[first],
        urgency=urgency[first],
        supply=supply.astype(np.int64),
        members=order,
        starts=starts,
    )
