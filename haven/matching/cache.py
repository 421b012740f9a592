"""The suggestion index of a region, kept in each web process until the region changes.

Building an index over tens of thousands of offers takes most of a second; looking one request up
in it takes well under a millisecond. Every write that changes a region's free beds bumps its
RegionVersion (one row), and a look-up first reads that row, so a stale index is never used.
"""

import threading
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import F

from haven.matching.engine import OfferIndex, Weights
from haven.matching.models import RegionVersion
from haven.matching.regions import free_beds, offers_array
from haven.volunteers.models import BedOffer


@dataclass(frozen=True)
class RegionIndex:
    offers: list[BedOffer]
    index: OfferIndex | None


_lock = threading.Lock()
_cache: dict[tuple[int, str], tuple[tuple[int, date, Weights], RegionIndex]] = {}


def bump(organisation_id: int, country: str) -> None:
    """Mark a region's free beds as changed (call inside the write's transaction)."""
    updated = RegionVersion.objects.filter(organisation_id=organisation_id, country=country).update(
        version=F("version") + 1
    )
    if updated:
        return
    try:
        with transaction.atomic():
            RegionVersion.objects.create(
                organisation_id=organisation_id, country=country, version=1
            )
    except IntegrityError:
        RegionVersion.objects.filter(organisation_id=organisation_id, country=country).update(
            version=F("version") + 1
        )


def region_index(organisation_id: int, country: str, today: date, weights: Weights) -> RegionIndex:
    """The region's free beds and their index, rebuilt only when the region or the day changed."""
    version = (
        RegionVersion.objects.filter(organisation_id=organisation_id, country=country)
        .values_list("version", flat=True)
        .first()
        or 0
    )
    key, stamp = (organisation_id, country), (version, today, weights)
    with _lock:
        cached = _cache.get(key)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    offers = free_beds(organisation_id, country, today)
    built = RegionIndex(
        offers=offers, index=OfferIndex(offers_array(offers, today), weights) if offers else None
    )
    with _lock:
        _cache[key] = (stamp, built)
    return built
