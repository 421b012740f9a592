"""Real cities and towns where people fleeing mobilisation arrive, wait or pass through.

The list lives in ``data/places.json`` beside this module; it is coarse on purpose (a city, never
an address) so that it can be stored in plaintext columns and shown to anyone.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

__all__ = [
    "COUNTRIES",
    "EARTH_RADIUS_KM",
    "Place",
    "UnknownPlace",
    "distance_km",
    "load_places",
    "name",
    "place_by_id",
    "places_in",
]

DATA_FILE = Path(__file__).with_name("data") / "places.json"
EARTH_RADIUS_KM = 6371.0088


class UnknownPlace(KeyError):
    """No place has the given id."""


@dataclass(frozen=True, slots=True)
class Place:
    """One city or town: where it is, what it is called and which languages its hosts speak."""

    id: str
    country: str
    name_en: str
    name_ru: str
    lat: float
    lon: float
    languages: tuple[str, ...]
    size: int


@cache
def load_places() -> tuple[Place, ...]:
    """Return every place, in file order (country, then size descending, then name)."""
    raw = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return tuple(
        Place(
            id=str(item["id"]),
            country=str(item["country"]),
            name_en=str(item["name_en"]),
            name_ru=str(item["name_ru"]),
            lat=float(item["lat"]),
            lon=float(item["lon"]),
            languages=tuple(str(code) for code in item["languages"]),
            size=int(item["size"]),
        )
        for item in raw
    )


@cache
def _by_id() -> dict[str, Place]:
    """Index the places by id."""
    return {place.id: place for place in load_places()}


def place_by_id(place_id: str) -> Place:
    """Return the place with this id or raise UnknownPlace."""
    try:
        return _by_id()[place_id]
    except KeyError:
        raise UnknownPlace(place_id) from None


def places_in(country: str) -> tuple[Place, ...]:
    """Return the places of one country (ISO 3166-1 alpha-2, any case)."""
    code = country.upper()
    return tuple(place for place in load_places() if place.country == code)


COUNTRIES: tuple[str, ...] = tuple(dict.fromkeys(place.country for place in load_places()))


def name(place: Place, language_code: str) -> str:
    """Return the place's Russian name for "ru" (or "ru-RU"), its English name otherwise."""
    return place.name_ru if language_code.lower().split("-")[0] == "ru" else place.name_en


def distance_km(a: Place, b: Place) -> float:
    """Great-circle (haversine) distance between two places in kilometres."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
