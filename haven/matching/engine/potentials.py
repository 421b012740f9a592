"""Offer potentials: what one bed at each offer is worth to the groups that wait and will come.

The potential of an offer is its bed price (dual) in the transportation LP over the waiting
groups plus a forecast of the next hours, per person in VALUE_SCALE units. A suggestion ranked
by value minus potential leaves a bed that a more urgent group nearby needs more for that group.
The dual-price policy of online.py and the desk's scheduled run both price offers here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from haven.matching.engine.candidates import select_candidates
from haven.matching.engine.exact import class_regions
from haven.matching.engine.flow import FlowSolution, solve_by_region
from haven.matching.engine.market import Classes, Market, classes_of
from haven.matching.engine.model import BedOffers, Requests, Weights
from haven.matching.engine.optimiser import arcs_for
from haven.matching.engine.pricing import Arcs

I8 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class PricedMarket:
    """The LP behind a set of potentials, for a caller that also reads its flow."""

    market: Market
    classes: Classes
    arcs: Arcs
    solution: FlowSolution


def offer_potentials(
    requests: Requests, offers: BedOffers, weights: Weights
) -> tuple[I8, PricedMarket | None]:
    """Potential per offer row (0 where the LP does not price it) over every request given.

    ``offers.capacity`` is what each offer has free now; requests that ask for no bed and offers
    without room take no part. The second value is None when there was nothing to price.
    """
    potential = np.zeros(len(offers), dtype=np.int64)
    if not len(requests):
        return potential, None
    capacity = offers.capacity.copy()
    market = Market(requests, np.arange(len(requests), dtype=np.int64), offers, capacity, weights)
    if not market.rows.size or not market.offer_rows.size:
        return potential, None
    classes = classes_of(market)
    arcs = arcs_for(market, classes, select_candidates(market))
    solution = solve_by_region(
        classes.supply, capacity[market.offer_rows], *arcs, class_regions(market, classes)
    )
    potential[market.offer_rows] = solution.offer_price
    return potential, PricedMarket(market, classes, arcs, solution)


def forecast_draw(
    rng: np.random.Generator,
    *,
    seen: int,
    rate_per_hour: float,
    horizon_minutes: float,
    scale: float = 1.0,
) -> I8:
    """Groups like those seen so far, as many as the rate gives for the horizon.

    Returns indices into the ``seen`` groups (drawn with replacement); the number is Poisson
    with mean ``scale * rate_per_hour * horizon_minutes / 60``.
    """
    expected = scale * rate_per_hour * horizon_minutes / 60.0
    count = int(rng.poisson(expected)) if expected > 0 else 0
    if not seen or not count:
        return np.zeros(0, dtype=np.int64)
    return rng.integers(0, seen, size=count).astype(np.int64)
