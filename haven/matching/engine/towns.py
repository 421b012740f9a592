"""The real places dataset as the engine reads it: plain towns, without their names.

The engine imports nothing outside itself, so that it runs and is benchmarked alone; it reads the
same file the apps read through ``haven.core.places`` (in the same order), taking only what a
generated surge needs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parents[2] / "core" / "data" / "places.json"


@dataclass(frozen=True, slots=True)
class Town:
    """One city or town: where it is, how big, and which languages its hosts speak."""

    id: str
    country: str
    lat: float
    lon: float
    languages: tuple[str, ...]
    size: int


@cache
def load_towns() -> tuple[Town, ...]:
    """Every place of the dataset, in file order (country, then size descending, then name)."""
    raw = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return tuple(
        Town(
            id=str(item["id"]),
            country=str(item["country"]),
            lat=float(item["lat"]),
            lon=float(item["lon"]),
            languages=tuple(str(code) for code in item["languages"]),
            size=int(item["size"]),
        )
        for item in raw
    )
