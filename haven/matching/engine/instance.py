"""Seeded, realistic surge instances built on the real places dataset.

The shape follows September 2022: most people cross into Kazakhstan and Georgia, then Armenia,
Kyrgyzstan, Turkey, Uzbekistan, Mongolia and Finland; some still wait in Russian border cities.
Requests and offers sit at city coordinates, as Haven stores only the city. Group sizes are 1-4
(mostly 1), hosts take 1-6 people, urgencies are skewed low and demand is about twice the beds.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from haven.core.places import Place, load_places
from haven.matching.engine.model import BedOffers, BedProblem, Constraint, Requests

# Share of requesters currently in each country (where they ask for a bed from).
REQUEST_SHARE: dict[str, float] = {
    "KZ": 0.34, "GE": 0.19, "RU": 0.08, "AM": 0.07, "KG": 0.06, "TR": 0.05, "UZ": 0.04,
    "MN": 0.03, "RS": 0.025, "FI": 0.02, "ME": 0.01, "IL": 0.01, "EE": 0.008, "LV": 0.006,
    "LT": 0.006, "PL": 0.008, "DE": 0.008, "FR": 0.004, "US": 0.005, "BY": 0.006,
}  # fmt: skip
# Share of hosts in each country (diaspora and local volunteers; a few shelters inside Russia).
OFFER_SHARE: dict[str, float] = {
    "KZ": 0.32, "GE": 0.17, "RU": 0.02, "AM": 0.10, "KG": 0.06, "TR": 0.08, "UZ": 0.03,
    "MN": 0.02, "RS": 0.05, "FI": 0.02, "ME": 0.025, "IL": 0.02, "EE": 0.01, "LV": 0.01,
    "LT": 0.01, "PL": 0.015, "DE": 0.02, "FR": 0.01, "US": 0.01, "BY": 0.005,
}  # fmt: skip
GROUP_SIZES = (np.array([1, 2, 3, 4]), np.array([0.6, 0.22, 0.12, 0.06]))
CAPACITIES = (np.arange(1, 7), np.array([0.22, 0.30, 0.20, 0.13, 0.09, 0.06]))
URGENCIES = (np.arange(1, 6), np.array([0.35, 0.27, 0.18, 0.12, 0.08]))
EARLIEST = (np.arange(7), np.array([0.30, 0.20, 0.15, 0.12, 0.10, 0.08, 0.05]))
OFFER_FROM = (np.arange(7), np.array([0.40, 0.15, 0.12, 0.10, 0.09, 0.08, 0.06]))
# Probability that a group has each constraint, and that a host can take it.
GROUP_CONSTRAINTS = {
    Constraint.CHILDREN: 0.12, Constraint.WOMEN_ONLY: 0.06,
    Constraint.PETS: 0.07, Constraint.STEP_FREE: 0.03,
}  # fmt: skip
HOST_ACCEPTS = {
    Constraint.CHILDREN: 0.55, Constraint.WOMEN_ONLY: 0.35,
    Constraint.PETS: 0.30, Constraint.STEP_FREE: 0.15,
}  # fmt: skip
WOMEN_ONLY_HOSTS = 0.05


@dataclass(frozen=True)
class Shape:
    """How a generated surge is laid out; the defaults are the September 2022 shape above."""

    request_share: dict[str, float] = field(default_factory=lambda: REQUEST_SHARE)
    offer_share: dict[str, float] = field(default_factory=lambda: OFFER_SHARE)
    city_power: float = 2.0
    """Cities within a country are drawn by size to this power (0: every city alike)."""
    group_sizes: tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]] = GROUP_SIZES
    capacities: tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]] = CAPACITIES
    crowd_town: str = ""
    """A place that a share of all requests is moved to (a crowded border town)."""
    crowd_share: float = 0.0


@dataclass(frozen=True)
class SurgeInstance:
    """A generated problem with the vocabulary needed to read it."""

    problem: BedProblem
    languages: tuple[str, ...]
    request_place: npt.NDArray[np.int64]
    offer_place: npt.NDArray[np.int64]
    places: tuple[Place, ...]


def language_vocabulary(places: tuple[Place, ...]) -> tuple[str, ...]:
    """Every language code of the dataset plus those requesters bring, in a fixed order."""
    codes = dict.fromkeys(["ru", "en", "be", "uk"])
    for place in places:
        codes.update(dict.fromkeys(place.languages))
    return tuple(codes)


def _pick_places(
    rng: np.random.Generator,
    places: tuple[Place, ...],
    share: dict[str, float],
    n: int,
    power: float = 2.0,
) -> npt.NDArray[np.int64]:
    """Draw n place indices: a country by share, then a city weighted by its size to ``power``."""
    weights = np.array([share.get(p.country, 0.0) for p in places])
    sizes = np.array([float(p.size) ** power for p in places], dtype=np.float64)
    totals = {c: sizes[[p.country == c for p in places]].sum() for c in share}
    weights = weights * sizes / np.array([totals.get(p.country, 1.0) for p in places])
    return rng.choice(len(places), size=n, p=weights / weights.sum())


def _flags(
    rng: np.random.Generator, n: int, odds: dict[Constraint, float]
) -> npt.NDArray[np.int64]:
    """Independent constraint flags as a bit mask per row."""
    mask = np.zeros(n, dtype=np.int64)
    for flag, p in odds.items():
        mask |= np.where(rng.random(n) < p, int(flag), 0)
    return mask


def surge_instance(
    requests: int, offers: int, seed: int, shape: Shape | None = None
) -> SurgeInstance:
    """Generate a surge with the given numbers of requests and offers, reproducibly."""
    shape = shape or Shape()
    rng = np.random.default_rng(seed)
    places = load_places()
    vocab = language_vocabulary(places)
    bit = {code: np.uint64(1) << np.uint64(i) for i, code in enumerate(vocab)}
    index = {code: i for i, code in enumerate(vocab)}
    lat = np.array([p.lat for p in places])
    lon = np.array([p.lon for p in places])

    r_place = _pick_places(rng, places, shape.request_share, requests, shape.city_power)
    # Requesters speak Russian; some English; a few the local language; a few are Belarusian
    # or Ukrainian citizens whose first language is their own.
    r_lang = np.full(requests, bit["ru"], dtype=np.uint64)
    r_lang |= np.where(rng.random(requests) < 0.35, bit["en"], np.uint64(0))
    local = np.array([bit[p.languages[0]] for p in places], dtype=np.uint64)[r_place]
    r_lang |= np.where(rng.random(requests) < 0.06, local, np.uint64(0))
    r_primary = np.full(requests, index["ru"], dtype=np.int64)
    other = rng.random(requests)
    for code, cut in (("be", 0.02), ("uk", 0.03)):
        chosen = (other < cut) & (r_primary == index["ru"])
        r_lang[chosen] |= bit[code]
        r_primary[chosen] = index[code]
    request_rows = Requests(
        lat=lat[r_place],
        lon=lon[r_place],
        size=rng.choice(shape.group_sizes[0], size=requests, p=shape.group_sizes[1]),
        urgency=rng.choice(URGENCIES[0], size=requests, p=URGENCIES[1]),
        languages=r_lang,
        primary=r_primary,
        earliest=rng.choice(EARLIEST[0], size=requests, p=EARLIEST[1]),
        constraints=_flags(rng, requests, GROUP_CONSTRAINTS),
        needs=np.ones(requests, dtype=np.int64),
    )

    o_place = _pick_places(rng, places, shape.offer_share, offers, shape.city_power)
    # A host speaks the city's first language and each other language of the city with some
    # chance; Russian-speaking diaspora hosts are common everywhere.
    o_lang = np.zeros(offers, dtype=np.uint64)
    for k, p in enumerate(places):
        rows = np.flatnonzero(o_place == k)
        if not rows.size:
            continue
        o_lang[rows] = bit[p.languages[0]]
        for code in p.languages[1:]:
            chance = 0.75 if code == "ru" else 0.4
            o_lang[rows] |= np.where(rng.random(rows.size) < chance, bit[code], np.uint64(0))
    diaspora = rng.random(offers) < 0.15
    o_lang[diaspora] |= bit["ru"]
    start = rng.choice(OFFER_FROM[0], size=offers, p=OFFER_FROM[1])
    women_only = rng.random(offers) < WOMEN_ONLY_HOSTS
    accepts = _flags(rng, offers, HOST_ACCEPTS) | np.where(
        women_only, int(Constraint.WOMEN_ONLY), 0
    )
    offer_rows = BedOffers(
        lat=lat[o_place],
        lon=lon[o_place],
        capacity=rng.choice(shape.capacities[0], size=offers, p=shape.capacities[1]),
        available_from=start,
        available_to=start + rng.integers(2, 60, size=offers),
        languages=o_lang,
        accepts=accepts,
        requires=np.where(women_only, int(Constraint.WOMEN_ONLY), 0),
    )
    if shape.crowd_share:
        # The crowd keeps its people's languages and circumstances; only the place moves.
        town = next(k for k, p in enumerate(places) if p.id == shape.crowd_town)
        moved = rng.random(requests) < shape.crowd_share
        r_place = np.where(moved, town, r_place)
        request_rows = replace(request_rows, lat=lat[r_place], lon=lon[r_place])
    return SurgeInstance(
        problem=BedProblem(requests=request_rows, offers=offer_rows),
        languages=vocab,
        request_place=r_place.astype(np.int64),
        offer_place=o_place.astype(np.int64),
        places=places,
    )
