"""Shapes of surge for the matching bench: the optimiser must hold on each, not only on one.

Each shape changes one thing of the September 2022 instance (instance.py), except the last,
which is the layout of an independent check of the optimiser: every city of six countries
alike, two people per bed, groups of one to four equally likely, a 300 km radius.
"""

from __future__ import annotations

import numpy as np

from haven.core.places import load_places
from haven.matching.engine.instance import (
    OFFER_SHARE,
    REQUEST_SHARE,
    Shape,
    SurgeInstance,
    surge_instance,
)

_FEW = ("KZ", "GE", "AM")
"""Three countries, about seventy places."""
_SIX = ("KZ", "RU", "GE", "TR", "AM", "KG")
"""The six countries with the most places in the dataset."""


def _only(share: dict[str, float], countries: tuple[str, ...]) -> dict[str, float]:
    return {c: share[c] for c in countries}


def _six_countries() -> Shape:
    """Every city of six countries alike, groups 1-4 equally likely, hosts for 2-6 likewise."""
    places = load_places()
    counts = {c: sum(p.country == c for p in places) for c in _SIX}
    share = {c: n / sum(counts.values()) for c, n in counts.items()}
    return Shape(
        request_share=share,
        offer_share=share,
        city_power=0.0,
        group_sizes=(np.arange(1, 5), np.full(4, 0.25)),
        capacities=(np.arange(2, 7), np.full(5, 0.2)),
    )


SHAPES: dict[str, tuple[str, Shape]] = {
    "surge": ("September 2022 (the default)", Shape()),
    "few-places": (
        "three countries, big cities only",
        Shape(
            request_share=_only(REQUEST_SHARE, _FEW),
            offer_share=_only(OFFER_SHARE, _FEW),
            city_power=4.0,
        ),
    ),
    "many-places": ("every city of a country alike", Shape(city_power=0.0)),
    "tight-beds": (
        "hosts take 1-2 (about four people per bed)",
        Shape(capacities=(np.arange(1, 3), np.array([0.6, 0.4]))),
    ),
    "loose-beds": (
        "hosts take 2-8 (about one person per bed)",
        Shape(capacities=(np.arange(2, 9), np.full(7, 1 / 7))),
    ),
    "large-families": (
        "groups of 1-8, mostly families",
        Shape(
            group_sizes=(np.arange(1, 9), np.array([0.2, 0.15, 0.15, 0.15, 0.12, 0.1, 0.08, 0.05]))
        ),
    ),
    "border-town": (
        "a third of requests at Verkhny Lars (Stepantsminda)",
        Shape(crowd_town="ge-stepantsminda", crowd_share=1 / 3),
    ),
    "six-countries": (
        "all cities of six countries alike, 2:1, groups 1-4, 300 km",
        _six_countries(),
    ),
}
"""Shape name: (what it is, how it is drawn)."""


def shaped_instance(name: str, requests: int, offers: int, seed: int) -> SurgeInstance:
    """A seeded instance of the named shape."""
    if name not in SHAPES:
        raise ValueError(f"unknown shape {name!r}; choose from {', '.join(SHAPES)}")
    return surge_instance(requests, offers, seed, SHAPES[name][1])
