"""Feeding the engine: one organisation's open bed requests and free beds in one country, loaded
in two queries and turned into the engine's plain arrays (coarse columns only)."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, IntegerField, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce

from haven.cases.models import Case, Status
from haven.core.geography import LANGUAGE_NAMES
from haven.core.places import UnknownPlace, place_by_id, places_in
from haven.matching.engine import BedOffers, Constraint, Requests
from haven.volunteers.models import LIVE, BedOffer, Placement

# Each language Haven knows is one bit of the engine's language masks.
LANGUAGE_BITS = {code: bit for bit, code in enumerate(LANGUAGE_NAMES)}
OPEN = (Status.NEW, Status.TRIAGED)


def language_mask(codes: list[str]) -> int:
    """The engine's bit mask for a list of language codes (unknown codes are ignored)."""
    mask = 0
    for code in codes:
        if code in LANGUAGE_BITS:
            mask |= 1 << LANGUAGE_BITS[code]
    return mask


def coordinates(place_id: str) -> tuple[float, float]:
    """A place's coordinates; "another place in" a country stands at its largest city."""
    try:
        place = place_by_id(place_id)
    except UnknownPlace:
        largest = max(places_in(place_id[:2]), key=lambda candidate: candidate.size)
        return largest.lat, largest.lon
    return place.lat, place.lon


def _constraints(case: Case) -> int:
    flags = 0
    flags |= Constraint.CHILDREN if case.with_children else 0
    flags |= Constraint.WOMEN_ONLY if case.women_only else 0
    flags |= Constraint.PETS if case.with_pets else 0
    flags |= Constraint.STEP_FREE if case.step_free else 0
    return int(flags)


def _accepts(offer: BedOffer) -> int:
    flags = 0
    if {"children", "families"} & set(offer.accepts):
        flags |= Constraint.CHILDREN
    flags |= Constraint.WOMEN_ONLY if "women" in offer.accepts else 0
    flags |= Constraint.PETS if "pets" in offer.accepts else 0
    flags |= Constraint.STEP_FREE if "step_free" in offer.accepts else 0
    return int(flags)


def requests_array(cases: list[Case], today: date) -> Requests:
    """Cases as the engine's requests; days count from today."""
    points = [coordinates(case.place) for case in cases]
    return Requests.build(
        lat=[lat for lat, _lon in points],
        lon=[lon for _lat, lon in points],
        size=[case.group_size for case in cases],
        urgency=[case.urgency for case in cases],
        languages=[language_mask(case.languages) or 1 for case in cases],
        earliest=[max(0, (case.date_from - today).days) for case in cases],
        constraints=[_constraints(case) for case in cases],
    )


def offers_array(offers: list[BedOffer], today: date) -> BedOffers:
    """Offers as the engine's beds, with what placements already hold taken off."""
    points = [coordinates(offer.place) for offer in offers]
    return BedOffers.build(
        lat=[lat for lat, _lon in points],
        lon=[lon for _lat, lon in points],
        capacity=[max(0, offer.capacity - offer.taken) for offer in offers],  # type: ignore[attr-defined]
        languages=[language_mask(offer.languages) or 1 for offer in offers],
        available_from=[max(0, (offer.available_from - today).days) for offer in offers],
        available_to=[(offer.available_until - today).days for offer in offers],
        accepts=[_accepts(offer) for offer in offers],
    )


@dataclass(frozen=True)
class Region:
    """What one run matches: open cases and free beds of one organisation in one country."""

    country: str
    cases: list[Case]
    offers: list[BedOffer]


def open_cases(organisation_id: int, country: str) -> list[Case]:
    """Cases that ask for shelter and hold no live placement (one query)."""
    live = Placement.objects.filter(case=OuterRef("pk"), decision__in=LIVE)
    return list(
        Case.objects.filter(
            organisation_id=organisation_id, country=country, need_shelter=True, status__in=OPEN
        )
        .exclude(Exists(live))
        .order_by("-urgency", "created_hour", "id")
    )


def free_beds(organisation_id: int, country: str, today: date) -> list[BedOffer]:
    """Bed offers open to new guests, each with the people a live placement holds there from
    today on (one query): a stay that ended, or a placement that did, frees its beds."""
    return list(
        BedOffer.objects.filter(
            organisation_id=organisation_id,
            country=country,
            paused=False,
            member__is_active=True,
            available_until__gte=today,
        )
        .annotate(
            taken=Coalesce(
                Sum(
                    "placements__people",
                    filter=Q(placements__decision__in=LIVE, placements__stay_until__gte=today),
                ),
                Value(0),
                output_field=IntegerField(),
            )
        )
        .order_by("id")
    )


def load_region(organisation_id: int, country: str, today: date) -> Region:
    """The open cases and free beds of one organisation in one country, in two queries."""
    return Region(
        country=country,
        cases=open_cases(organisation_id, country),
        offers=free_beds(organisation_id, country, today),
    )
