"""Independent checks of an assignment: capacity, feasibility, confirmed placements."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from haven.matching.engine.model import BedProblem, Weights
from haven.matching.engine.pairs import evaluate_pairs


def violations(
    problem: BedProblem,
    offer_of: npt.NDArray[np.int64],
    weights: Weights | None = None,
    fixed: Sequence[tuple[int, int]] = (),
) -> list[str]:
    """Every broken rule, in words; an empty list means the assignment is sound.

    One offer row per request means a group can never be split; this checks that no offer holds
    more people than it offered, that every new placement is feasible, and that confirmed
    placements are exactly where they were.
    """
    weights = weights or Weights()
    requests, offers = problem.requests, problem.offers
    problems: list[str] = []
    if offer_of.shape != (len(requests),):
        return [f"expected one offer per request ({len(requests)}), got {offer_of.shape}"]
    placed = np.flatnonzero(offer_of >= 0)
    if (offer_of[placed] >= len(offers)).any():
        return ["an offer row is out of range"]
    load = np.bincount(offer_of[placed], weights=requests.size[placed], minlength=len(offers))
    for offer in np.flatnonzero(load > offers.capacity).tolist():
        problems.append(f"offer {offer} holds {int(load[offer])} > {int(offers.capacity[offer])}")
    confirmed = dict(fixed)
    for request, offer in confirmed.items():
        if offer_of[request] != offer:
            problems.append(
                f"confirmed request {request} moved from {offer} to {offer_of[request]}"
            )
    new = np.array([r for r in placed.tolist() if r not in confirmed], dtype=np.int64)
    if new.size:
        terms = evaluate_pairs(requests, new, offers, offer_of[new], weights)
        for request in new[~terms.feasible].tolist():
            problems.append(f"request {request} placed at infeasible offer {offer_of[request]}")
    return problems
