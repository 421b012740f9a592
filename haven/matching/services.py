"""Matching for the desk: the best few beds for one case, and the surge optimiser over a country.
The engine proposes; a coordinator confirms, through volunteers.placements.placement_confirm."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from django.core.exceptions import ValidationError
from django.utils import timezone

from haven.accounts.models import Member
from haven.cases.models import ENDED, Case, Status
from haven.core.places import COUNTRIES
from haven.matching.cache import region_index
from haven.matching.engine import (
    Assignment,
    BedProblem,
    Constraint,
    Reason,
    Suggestion,
    Weights,
    optimise,
    suggest,
)
from haven.matching.engine.explain import blocking_constraints
from haven.matching.engine.geo import haversine_km
from haven.matching.engine.helpers import (
    CounselingOffers,
    CounselingSuggestion,
    Rides,
    RideSuggestion,
    Topic,
    suggest_counseling,
    suggest_rides,
)
from haven.matching.potentials import fresh_run_at, region_potentials
from haven.matching.regions import (
    LANGUAGE_BITS,
    OPEN,
    coordinates,
    language_mask,
    load_region,
    offers_array,
    requests_array,
)
from haven.matching.weights import weights_for
from haven.volunteers.models import BedOffer, CounselingOffer, Placement, TransportOffer
from haven.volunteers.placements import placement_confirm, stay_of

URGENT = 4


@dataclass(frozen=True)
class Suggested:
    """One bed offer for a case, with the engine's reasons and costs."""

    offer: BedOffer
    terms: Suggestion
    priced: bool = False
    """Ranked by value minus the offers' potentials (fresh, and the organisation has them on)."""


def suggestions_for(case: Case, *, k: int = 5, weights: Weights | None = None) -> list[Suggested]:
    """The best few feasible beds for one case, best first (one query for the offers, two more
    for fresh potentials); none for a case that ended or was shredded, which nobody may be
    placed for. With fresh potentials a bed a more urgent group nearby needs ranks lower."""
    if not case.need_shelter or case.shredded or case.status in ENDED:
        return []
    today = timezone.localdate()
    region = region_index(
        case.organisation_id, case.country, today, weights or weights_for(case.organisation_id)
    )
    if region.index is None:
        return []
    computed_at = fresh_run_at(case.organisation_id)
    potential = (
        None
        if computed_at is None
        else region_potentials(case.organisation_id, case.country, region, computed_at)
    )
    found = suggest(requests_array([case], today), region.index, k=k, potential=potential)
    return [
        Suggested(offer=region.offers[item.offer], terms=item, priced=potential is not None)
        for item in found
    ]


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
    weights = weights or weights_for(organisation_id)
    assignment = optimise(problem, weights) if region.offers else None
    blocked = _blocked_by(problem, assignment, region.cases, weights)
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
            key = blocked.get(row) or reason.name.lower()
            result.urgent_unplaced[key] += case.group_size
    result.seconds = (timezone.now() - started).total_seconds()
    return result


CONSTRAINT_REASONS = {
    int(Constraint.WOMEN_ONLY): "women_only",
    int(Constraint.CHILDREN): "children",
    int(Constraint.PETS): "pets",
    int(Constraint.STEP_FREE): "step_free",
}


def _blocked_by(
    problem: BedProblem, assignment: Assignment | None, cases: list[Case], weights: Weights
) -> dict[int, str]:
    """For urgent cases left out because no bed in reach allows for their needs: the one need
    that shuts every bed, where one alone does (row -> reason key)."""
    if assignment is None:
        return {}
    rows = np.array(
        [
            row
            for row, case in enumerate(cases)
            if case.urgency >= URGENT and assignment.reasons[row] == int(Reason.CONSTRAINTS)
        ],
        dtype=np.int64,
    )
    flags = blocking_constraints(problem, rows, weights)
    return {
        int(row): CONSTRAINT_REASONS[int(flag)]
        for row, flag in zip(rows.tolist(), flags.tolist(), strict=True)
        if flag
    }


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


@dataclass(frozen=True)
class PlanRow:
    """One pair of the optimiser's plan as a coordinator reviews it before confirming."""

    case: Case
    offer: BedOffer
    distance_km: float
    stay_from: date
    stay_until: date
    speaks_first_language: bool
    new: bool

    @property
    def wait_days(self) -> int:
        return max(0, (self.stay_from - self.case.date_from).days)


def plan_rows(proposal: Proposal) -> list[PlanRow]:
    """The plan's pairs with what a coordinator needs to judge each one: the distance, the
    nights, the language, and whether the request is still untriaged (one query for the hosts)."""
    offers = {
        offer.pk: offer
        for offer in BedOffer.objects.filter(
            pk__in=[offer.pk for _case, offer in proposal.pairs]
        ).select_related("member")
    }
    rows = []
    for case, offer in proposal.pairs:
        host_offer = offers.get(offer.pk, offer)
        (lat1, lon1), (lat2, lon2) = coordinates(case.place), coordinates(offer.place)
        start, end = stay_of(case, host_offer)
        first = case.languages[0] if case.languages else "ru"
        rows.append(
            PlanRow(
                case=case,
                offer=host_offer,
                distance_km=float(haversine_km(lat1, lon1, lat2, lon2)),
                stay_from=start,
                stay_until=end,
                speaks_first_language=first in host_offer.languages,
                new=case.status == Status.NEW,
            )
        )
    return rows


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


@dataclass(frozen=True)
class CounselorFit:
    offer: CounselingOffer
    terms: CounselingSuggestion


@dataclass(frozen=True)
class RideFit:
    offer: TransportOffer
    terms: RideSuggestion


def _topics(case: Case) -> int:
    wanted = 0
    wanted |= Topic.LEGAL if case.need_legal else 0
    wanted |= Topic.PSYCHOLOGICAL if case.need_talk else 0
    wanted |= Topic.MEDICAL if case.need_medical else 0
    return int(wanted)


TOPIC_BITS = {"legal": Topic.LEGAL, "psychological": Topic.PSYCHOLOGICAL, "medical": Topic.MEDICAL}


def _topic_mask(topics: list[str]) -> int:
    return sum(int(TOPIC_BITS[topic]) for topic in topics if topic in TOPIC_BITS)


def counselors_for(case: Case, *, k: int = 5, weights: Weights | None = None) -> list[CounselorFit]:
    """Counselors who fit a case's legal, psychological or medical needs (one query)."""
    wanted = _topics(case)
    if not wanted:
        return []
    offers = list(
        CounselingOffer.objects.filter(
            organisation_id=case.organisation_id, paused=False, member__is_active=True
        ).order_by("id")
    )
    if not offers:
        return []
    places = [coordinates(offer.place) if offer.place else (0.0, 0.0) for offer in offers]
    country_bits = {code: 1 << bit for bit, code in enumerate(COUNTRIES)}
    table = CounselingOffers(
        lat=np.array([lat for lat, _lon in places]),
        lon=np.array([lon for _lat, lon in places]),
        topics=np.array(
            [sum(int(TOPIC_BITS[t]) for t in o.topics if t in TOPIC_BITS) for o in offers]
        ),
        languages=np.array([language_mask(o.languages) for o in offers], dtype=np.uint64),
        countries=np.array([sum(country_bits.get(c, 0) for c in o.countries) for o in offers]),
        remote=np.array([o.mode != "in_person" for o in offers]),
        capacity=np.array([o.weekly_capacity for o in offers]),
    )
    lat, lon = coordinates(case.place)
    first = case.languages[0] if case.languages else "ru"
    found = suggest_counseling(
        lat=lat,
        lon=lon,
        topics=wanted,
        languages=language_mask(case.languages) or 1,
        primary=LANGUAGE_BITS.get(first, 0),
        country_bit=country_bits.get(case.country, 0),
        offers=table,
        radius_km=(weights or weights_for(case.organisation_id)).radius_km,
        k=k,
    )
    return [CounselorFit(offer=offers[item.offer], terms=item) for item in found]


def rides_for(case: Case, *, k: int = 5, weights: Weights | None = None) -> list[RideFit]:
    """Drives leaving near a case that asks for a route, with a seat for the whole group."""
    if not case.need_route:
        return []
    today = timezone.localdate()
    offers = list(
        TransportOffer.objects.filter(
            organisation_id=case.organisation_id,
            paused=False,
            member__is_active=True,
            date__gte=today,
        ).order_by("date", "id")
    )
    if not offers:
        return []
    settings = weights or weights_for(case.organisation_id)
    origins = [coordinates(offer.origin) for offer in offers]
    lat, lon = coordinates(case.place)
    found = suggest_rides(
        lat=lat,
        lon=lon,
        size=case.group_size,
        earliest=max(0, (case.date_from - today).days),
        rides=Rides(
            lat=np.array([la for la, _lo in origins]),
            lon=np.array([lo for _la, lo in origins]),
            seats=np.array([offer.seats for offer in offers]),
            day=np.array([(offer.date - today).days for offer in offers]),
        ),
        radius_km=settings.radius_km,
        max_wait_days=settings.max_wait_days,
        k=k,
    )
    return [RideFit(offer=offers[item.offer], terms=item) for item in found]
