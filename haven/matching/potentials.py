"""The offers' potentials for the desk's suggestions: the worker prices every organisation's free
beds against the groups waiting now plus a forecast of the next hours (the engine's
potentials.py), and a case's suggested beds rank by value minus potential while the pricing is
fresh. The rows hold offer ids and numbers only."""

import threading
import time
from datetime import datetime, timedelta

import numpy as np
import numpy.typing as npt
from django.db import transaction
from django.utils import timezone

from haven.accounts.models import Organisation
from haven.cases.models import Case, Status
from haven.matching.cache import RegionIndex
from haven.matching.engine.potentials import forecast_draw, offer_potentials
from haven.matching.models import OfferPotential, PotentialsRun
from haven.matching.regions import OPEN, load_region, offers_array, requests_array
from haven.matching.weights import weights_for

I8 = npt.NDArray[np.int64]

FRESH_FOR = timedelta(minutes=30)
"""Potentials older than this are not used: suggestions rank by value alone until the next run
(the job runs every five minutes, so only a stopped worker lets them age)."""
HORIZON_MINUTES = 720
"""How far ahead the forecast looks: the next twelve hours, as the dual policy's bench does."""
POOL_HOURS = 24
"""The forecast's groups are drawn from those of the last day, as the bench draws from the day so
far."""


# The coarse columns the engine's arrays read (regions.requests_array), and the hour.
POOL_FIELDS = (
    "place", "group_size", "urgency", "languages", "date_from", "with_children", "women_only",
    "with_pets", "step_free", "created_hour", "need_shelter",
)  # fmt: skip


def _pool(organisation_id: int, country: str, since: datetime) -> list[Case]:
    """Bed requests of the last day in one country, any status but closed (one query)."""
    return list(
        Case.objects.filter(
            organisation_id=organisation_id,
            country=country,
            need_shelter=True,
            created_hour__gte=since,
            shredded_hour__isnull=True,
            merged_into__isnull=True,
        )
        .exclude(status=Status.CLOSED)
        .only(*POOL_FIELDS)
        .order_by("created_hour", "id")
    )


def _hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def potentials_compute(
    *,
    organisation_id: int,
    now: datetime | None = None,
    horizon_minutes: int = HORIZON_MINUTES,
    seed: int | None = None,
) -> PotentialsRun:
    """Price an organisation's free beds, country by country, and replace its potentials at once.

    The forecast takes the rate of bed requests since the start of the last full hour (creation
    times are kept to the hour, so that window is 60 to 120 minutes long) over the horizon, and
    draws that many groups from the last day's requests of the country.
    """
    now = now or timezone.now()
    started = time.perf_counter()
    today = timezone.localdate(now)
    weights = weights_for(organisation_id)
    since, recent_since = now - timedelta(hours=POOL_HOURS), _hour(now) - timedelta(hours=1)
    window_minutes = (now - recent_since).total_seconds() / 60
    rng = np.random.default_rng(
        [organisation_id, int(now.timestamp()) // 60] if seed is None else [seed]
    )
    countries = set(
        Case.objects.filter(
            organisation_id=organisation_id, need_shelter=True, status__in=OPEN
        ).values_list("country", flat=True)
    ) | set(
        Case.objects.filter(
            organisation_id=organisation_id, need_shelter=True, created_hour__gte=since
        ).values_list("country", flat=True)
    )
    prices: dict[int, int] = {}
    waiting = forecast = 0
    for country in sorted(countries):
        region = load_region(organisation_id, country, today)
        if not region.offers:
            continue
        pool = _pool(organisation_id, country, since)
        recent = sum(1 for case in pool if case.created_hour >= recent_since)
        drawn = forecast_draw(
            rng,
            seen=len(pool),
            rate_per_hour=recent * 60 / window_minutes,
            horizon_minutes=horizon_minutes,
        )
        groups = region.cases + [pool[i] for i in drawn.tolist()]
        waiting, forecast = waiting + len(region.cases), forecast + int(drawn.size)
        if not groups:
            continue
        potential, _priced = offer_potentials(
            requests_array(groups, today), offers_array(region.offers, today), weights
        )
        for offer, price in zip(region.offers, potential.tolist(), strict=True):
            if price > 0:
                prices[offer.pk] = price
    with transaction.atomic():
        OfferPotential.objects.filter(organisation_id=organisation_id).delete()
        OfferPotential.objects.bulk_create(
            [
                OfferPotential(
                    organisation_id=organisation_id,
                    offer_id=offer,
                    potential=price,
                    computed_at=now,
                )
                for offer, price in prices.items()
            ],
            batch_size=2000,
        )
        run, _created = PotentialsRun.objects.update_or_create(
            organisation_id=organisation_id,
            defaults={
                "computed_at": now,
                "waiting": waiting,
                "forecast": forecast,
                "offers_priced": len(prices),
                "seconds": time.perf_counter() - started,
            },
        )
    return run


def potentials_run_all() -> dict[str, object]:
    """The worker's job: price every organisation that takes requests and ranks with potentials;
    an organisation that switched them off loses its old ones."""
    off = Organisation.objects.filter(dual_prices=False)
    with transaction.atomic():
        OfferPotential.objects.filter(organisation__in=off).delete()
        PotentialsRun.objects.filter(organisation__in=off).delete()
    runs = [
        potentials_compute(organisation_id=pk)
        for pk in Organisation.objects.filter(accepts_requests=True, dual_prices=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    ]
    return {
        "organisations": len(runs),
        "offers_priced": sum(run.offers_priced for run in runs),
        "seconds": round(sum(run.seconds for run in runs), 3),
    }


_lock = threading.Lock()
_cache: dict[tuple[int, str], tuple[datetime, RegionIndex, I8]] = {}


def fresh_run_at(organisation_id: int, now: datetime | None = None) -> datetime | None:
    """When the organisation's potentials were computed, if they are fresh and switched on."""
    row = (
        PotentialsRun.objects.filter(
            organisation_id=organisation_id,
            organisation__dual_prices=True,
            computed_at__gte=(now or timezone.now()) - FRESH_FOR,
        )
        .values_list("computed_at", flat=True)
        .first()
    )
    return row


def region_potentials(
    organisation_id: int, country: str, region: RegionIndex, computed_at: datetime
) -> I8:
    """The potential of each offer of a region's index (0 for an offer the run did not price, a
    new one included), kept in the process until the region or the run changes."""
    key = (organisation_id, country)
    with _lock:
        cached = _cache.get(key)
    if cached is not None and cached[0] == computed_at and cached[1] is region:
        return cached[2]
    prices = dict(
        OfferPotential.objects.filter(
            organisation_id=organisation_id, offer__country=country
        ).values_list("offer_id", "potential")
    )
    array = np.fromiter(
        (prices.get(offer.pk, 0) for offer in region.offers),
        dtype=np.int64,
        count=len(region.offers),
    )
    with _lock:
        _cache[key] = (computed_at, region, array)
    return array
