"""Suggestions for counseling and drives: the best few offers for one request, with reasons.

Beds are a capacity problem solved over a whole region (see ``optimiser``); a counselor's weekly
hours and a driver's seats are looked at one request at a time, as the desk asks for them.
Plain arrays in, ranked rows out; no Django.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from haven.matching.engine.geo import haversine_km

F8 = npt.NDArray[np.float64]
I8 = npt.NDArray[np.int64]
U8 = npt.NDArray[np.uint64]
B1 = npt.NDArray[np.bool_]


class Topic(enum.IntFlag):
    """What counseling is about."""

    LEGAL = 1
    PSYCHOLOGICAL = 2
    MEDICAL = 4


@dataclass(frozen=True)
class CounselingOffers:
    """Counselors, one row each. ``countries`` is a bit mask over the caller's country list
    (0 = any country); ``remote`` counselors have no radius; ``lat``/``lon`` are where in-person
    ones meet people."""

    lat: F8
    lon: F8
    topics: I8
    languages: U8
    countries: I8
    remote: B1
    capacity: I8


@dataclass(frozen=True)
class CounselingSuggestion:
    offer: int
    topics: int
    """The requested topics this counselor covers."""
    speaks_first_language: bool
    remote: bool
    distance_km: float | None


def suggest_counseling(
    *,
    lat: float,
    lon: float,
    topics: int,
    languages: int,
    primary: int,
    country_bit: int,
    offers: CounselingOffers,
    radius_km: float,
    k: int = 5,
) -> list[CounselingSuggestion]:
    """Counselors who cover at least one requested topic, share a language, know the country
    (or any), have capacity, and are remote or within the radius; most topics covered first, then
    the requester's first language, then in person nearby before remote."""
    if not len(offers.lat) or not topics:
        return []
    covered = offers.topics & topics
    shared = offers.languages & np.uint64(languages)
    distance = haversine_km(lat, lon, offers.lat, offers.lon)
    feasible = (
        (covered > 0)
        & (shared > 0)
        & ((offers.countries == 0) | ((offers.countries & country_bit) > 0))
        & (offers.capacity > 0)
        & (offers.remote | (distance <= radius_km))
    )
    rows = np.flatnonzero(feasible)
    first = (offers.languages[rows] >> np.uint64(primary)) & np.uint64(1)
    coverage = np.array([bin(int(value)).count("1") for value in covered[rows]], dtype=np.int64)
    in_person = (~offers.remote[rows]).astype(np.int64)
    order = np.lexsort(
        (
            rows,
            np.where(in_person > 0, distance[rows], np.inf),
            -in_person,
            -first.astype(np.int64),
            -coverage,
        )
    )
    return [
        CounselingSuggestion(
            offer=int(rows[i]),
            topics=int(covered[rows[i]]),
            speaks_first_language=bool(first[i]),
            remote=bool(offers.remote[rows[i]]),
            distance_km=None if offers.remote[rows[i]] else float(distance[rows[i]]),
        )
        for i in order[:k]
    ]


@dataclass(frozen=True)
class Rides:
    """Drives, one row each: where they leave from, free seats, and the day (days from today)."""

    lat: F8
    lon: F8
    seats: I8
    day: I8


@dataclass(frozen=True)
class RideSuggestion:
    offer: int
    pickup_km: float
    day: int


def suggest_rides(
    *,
    lat: float,
    lon: float,
    size: int,
    earliest: int,
    rides: Rides,
    radius_km: float,
    max_wait_days: int,
    k: int = 5,
) -> list[RideSuggestion]:
    """Drives leaving near the group, with a seat for everyone, on or soon after the first day
    they can travel; soonest first, then nearest."""
    if not len(rides.lat):
        return []
    pickup = haversine_km(lat, lon, rides.lat, rides.lon)
    feasible = (
        (pickup <= radius_km)
        & (rides.seats >= size)
        & (rides.day >= earliest)
        & (rides.day <= earliest + max_wait_days)
    )
    rows = np.flatnonzero(feasible)
    order = np.lexsort((rows, pickup[rows], rides.day[rows]))
    return [
        RideSuggestion(
            offer=int(rows[i]), pickup_km=float(pickup[rows[i]]), day=int(rides.day[rows[i]])
        )
        for i in order[:k]
    ]
