"""Bed matching for Haven: plain arrays in, placements out; no Django.

The usual entry points are ``suggest`` (the best few offers for one request, instantly),
``optimise`` (placements for a whole country or network during a surge) and ``lp_bound``.
"""

from haven.matching.engine.baseline import first_come_first_served, greedy_by_urgency
from haven.matching.engine.bound import Bound, lp_bound
from haven.matching.engine.check import violations
from haven.matching.engine.index import OfferIndex, Suggestion, suggest
from haven.matching.engine.model import (
    VALUE_SCALE,
    Assignment,
    BedOffers,
    BedProblem,
    Constraint,
    Need,
    Reason,
    Requests,
    Weights,
)
from haven.matching.engine.optimiser import optimise

__all__ = [
    "VALUE_SCALE",
    "Assignment",
    "BedOffers",
    "BedProblem",
    "Bound",
    "Constraint",
    "Need",
    "OfferIndex",
    "Reason",
    "Requests",
    "Suggestion",
    "Weights",
    "first_come_first_served",
    "greedy_by_urgency",
    "lp_bound",
    "optimise",
    "suggest",
    "violations",
]
