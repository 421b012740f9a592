"""Suggestions as the desk asks for them: one case against a country's free beds, through the
service (the region version look-up, the cached index, the request's arrays), not the engine
alone. The first call, which builds the index, is reported apart."""

import json
import random
import statistics
from collections.abc import Callable
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from haven.accounts.models import Member, Organisation, Role
from haven.bench.timing import elapsed_ms
from haven.cases.models import Case
from haven.core.places import places_in
from haven.crypto.sealing import seal_fields
from haven.matching.cache import bump
from haven.matching.services import suggestions_for
from haven.volunteers.models import BedOffer

BENCH_SLUG = "bench-suggest"
COUNTRY = "KZ"


def bench_organisation(slug: str, name: str) -> tuple[Organisation, Member]:
    """The bench's own organisation and coordinator (made once and kept for the next run; the
    passphrase is random and never kept)."""
    import secrets

    from haven.accounts.organisations import organisation_create

    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None:
        organisation, _coordinator = organisation_create(
            slug=slug,
            name=name,
            coordinator_handle=slug,
            coordinator_passphrase=secrets.token_urlsafe(24),
        )
    return organisation, Member.objects.get(organisation=organisation, role=Role.COORDINATOR)


def add_offers(organisation: Organisation, host: Member, count: int, rng: random.Random) -> None:
    """Bulk-create sealed bed offers in one country (no audit: a load, not a member's act)."""
    today = timezone.localdate()
    places = places_in(COUNTRY)
    rows = []
    for _ in range(count):
        keys, sealed = seal_fields(
            recipients=[bytes(organisation.public_key), bytes(host.public_key)],
            record_id="bench",
            values={"address": "ул. Нагрузочная 1", "contact": "@bench", "rules": ""},
        )
        rows.append(
            BedOffer(
                member=host,
                organisation=organisation,
                country=COUNTRY,
                place=rng.choice(places).id,
                capacity=rng.choice([1, 2, 3, 4, 6]),
                available_from=today,
                available_until=today + timedelta(days=rng.randrange(7, 60)),
                languages=["ru"],
                accepts=rng.sample(["families", "pets", "women"], k=1),
                created_at=timezone.now(),
                sealed_key=keys[0],
                host_sealed_key=keys[1],
                address_sealed=sealed["address"],
                contact_sealed=sealed["contact"],
            )
        )
    BedOffer.objects.bulk_create(rows, batch_size=2000)
    bump(organisation.pk, COUNTRY)


def suggestion_ms(case: Case) -> float:
    """The desk's suggestions for one case, timed in milliseconds."""
    return elapsed_ms(lambda: suggestions_for(case))


def run(offers: int, requests: int, as_json: bool, out: Callable[[str], None]) -> None:
    """Fill the bench organisation to `offers` beds, then time suggestions for `requests` cases."""
    from haven.intake.services import Submission, request_submit

    rng = random.Random(3)  # noqa: S311  # invented load, not secrets
    organisation, coordinator = bench_organisation(BENCH_SLUG, "Suggestion benchmark")
    have = BedOffer.objects.filter(organisation=organisation, country=COUNTRY).count()
    if have < offers:
        add_offers(organisation, coordinator, offers - have, rng)
    places = places_in(COUNTRY)
    cases = list(Case.objects.filter(organisation=organisation)[:requests])
    while len(cases) < requests:
        cases.append(
            request_submit(
                organisation=organisation,
                submission=Submission(
                    needs=("shelter",),
                    place=rng.choice(places).id,
                    group_size=rng.choice([1, 1, 1, 2, 3]),
                    languages=("ru",),
                    urgency=rng.randint(1, 5),
                    date_from=timezone.localdate(),
                    date_until=None,
                    contact="@bench",
                ),
                submission_key=f"bench-suggest-{len(cases):06d}-padding",
            ).case
        )
    first_ms = elapsed_ms(lambda: suggestions_for(cases[0]))
    samples = sorted(suggestion_ms(case) for case in cases)
    figures = {
        "database": connection.vendor,
        "offers": max(have, offers),
        "requests": len(samples),
        "first_call_ms": round(first_ms, 1),
        "p50_ms": round(statistics.median(samples), 3),
        "p99_ms": round(samples[min(len(samples) - 1, int(len(samples) * 0.99))], 3),
        "max_ms": round(samples[-1], 3),
    }
    if as_json:
        out(json.dumps(figures, indent=2))
        return
    out(
        f"suggestions through the service: {figures['offers']:,} bed offers in {COUNTRY} on "
        f"{figures['database']}, {figures['requests']} cases\n"
        f"  first call (builds the region's index): {figures['first_call_ms']} ms\n"
        f"  then p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms, max {figures['max_ms']} ms"
    )
