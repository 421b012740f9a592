"""Matching for the desk: the best few beds for one case, and the surge optimiser over a country.
The engine proposes; a coordinator confirms, through volunteers.services.placement_confirm."""

from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils import timezone

from haven.accounts.models import Member
from haven.cases.models import Case
from haven.matching.cache import region_index
from haven.matching.engine import (
    BedProblem,
    Reason,
    Suggestion,
    Weights,
    optimise,
    suggest,
)
from haven.matching.regions import OPEN, load_region, offers_array, requests_array
from haven.volunteers.models import BedOffer, Placement
from haven.volunteers.services import placement_confirm

URGENT = 4


@dataclass(frozen=True)
class Suggested:
    """One bed offer for a case, with the engine's reasons and costs."""

    offer: BedOffer
    terms: Suggestion


def suggestions_for(case: Case, *, k: int = 5, weights: Weights | None = None) -> list[Suggested]:
    """The best few feasible beds for one case, best first (one query for the offers)."""
    if not case.need_shelter:
        return []
    today = timezone.localdate()
    region = region_index(case.organisation_id, case.country, today, weights)
    if region.index is None:
        return []
    found = suggest(requests_array([case], today), region.index, k=k)
    return [Suggested(offer=region.offers[item.offer], terms=item) for item in found]


@dataclass
class Proposal:
    """One optimiser run over a country: the pairs it proposes and who it could not place."""

    country: str
    pairs: list[tuple[Case, BedOffer]] = field(default_factory=list)
    open_cases: int = 0
    people_placed: int = 0
    urgent_people: int = 0
    urgent_placed: int = 0
    urgent_unplaced: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0


def propose(organisation_id: int, country: str, *, weights: Weights | None = None) -> Proposal:
    """Run the optimiser over a country's open cases and free beds. Nothing is stored: confirmed
    placements are not in the problem (their beds are taken off), so they never move."""
    today = timezone.localdate()
    region = load_region(organisation_id, country, today)
    result = Proposal(country=country, open_cases=len(region.cases))
    if not region.cases:
        return result
    started = timezone.now()
    problem = BedProblem(requests_array(region.cases, today), offers_array(region.offers, today))
    assignment = optimise(problem, weights) if region.offers else None
    for row, case in enumerate(region.cases):
        urgent = case.urgency >= URGENT
        result.urgent_people += case.group_size if urgent else 0
        offer_row = int(assignment.offer_of[row]) if assignment is not None else -1
        if offer_row >= 0:
            result.pairs.append((case, region.offers[offer_row]))
            result.people_placed += case.group_size
            result.urgent_placed += case.group_size if urgent else 0
        elif urgent:
            reason = Reason(int(assignment.reasons[row])) if assignment else Reason.NO_BED_IN_RANGE
            result.urgent_unplaced[reason.name.lower()] += case.group_size
    result.seconds = (timezone.now() - started).total_seconds()
    return result


def propose_network(organisation_id: int, *, weights: Weights | None = None) -> Proposal:
    """The optimiser over every country where the organisation has open bed requests. Countries
    are solved apart: a stay does not cross a border."""
    countries = (
        Case.objects.filter(organisation_id=organisation_id, need_shelter=True, status__in=OPEN)
        .values_list("country", flat=True)
        .distinct()
    )
    total = Proposal(country="ALL")
    for country in sorted(countries):
        part = propose(organisation_id, country, weights=weights)
        total.pairs += part.pairs
        total.open_cases += part.open_cases
        total.people_placed += part.people_placed
        total.urgent_people += part.urgent_people
        total.urgent_placed += part.urgent_placed
        total.urgent_unplaced.update(part.urgent_unplaced)
        total.seconds += part.seconds
    return total


@dataclass
class Confirmed:
    placements: list[Placement] = field(default_factory=list)
    refused: list[tuple[Case, str]] = field(default_factory=list)


def confirm_pairs(*, actor: Member, pairs: list[tuple[Case, BedOffer]]) -> Confirmed:
    """Confirm the pairs a coordinator ticked; each host is then asked to accept."""
    done = Confirmed()
    for case, offer in pairs:
        try:
            done.placements.append(placement_confirm(actor=actor, case=case, offer=offer))
        except ValidationError as error:
            done.refused.append((case, " ".join(error.messages)))
    return done
