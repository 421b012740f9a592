"""The worker's potentials job on a surge-sized organisation: N waiting cases spread over the
last day and M free bed offers in one country, priced through the service (the queries, the
arrays, the forecast, the LP, the atomic replacement) as the worker runs it."""

import json
import random
import statistics
import time
from collections.abc import Callable
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from haven.accounts.models import Organisation
from haven.bench.suggest import COUNTRY, add_offers, bench_organisation, suggestion_ms
from haven.cases.models import Case
from haven.core.places import places_in
from haven.matching.models import PotentialsRun
from haven.matching.potentials import potentials_compute
from haven.volunteers.models import BedOffer

BENCH_SLUG = "bench-potentials"


def _cases(organisation: Organisation, start: int, count: int, rng: random.Random) -> None:
    """Sealed bed requests through the real intake, then spread over the last day (their hours
    are coarse columns; a load, not a member's act)."""
    from haven.intake.services import Submission, request_submit

    places = places_in(COUNTRY)
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    for number in range(start, start + count):
        needs = rng.choice([(), (), (), ("children",), ("women_only",), ("pets",)])
        case = request_submit(
            organisation=organisation,
            submission=Submission(
                needs=("shelter",),
                place=rng.choice(places).id,
                group_size=rng.choice([1, 1, 1, 2, 2, 3, 4]),
                languages=("ru",),
                urgency=rng.choice([1, 1, 2, 2, 3, 3, 4, 5]),
                date_from=timezone.localdate(),
                date_until=None,
                contact="@bench",
                group_needs=needs,
            ),
            submission_key=f"bench-potentials-{number:06d}-padding",
        ).case
        Case.objects.filter(pk=case.pk).update(
            created_hour=now - timedelta(hours=rng.randrange(24))
        )


def run(cases: int, offers: int, repeats: int, as_json: bool, out: Callable[[str], None]) -> None:
    """Fill the bench organisation to `cases` and `offers`, then time the job `repeats` times."""
    rng = random.Random(5)  # noqa: S311  # invented load, not secrets
    organisation, coordinator = bench_organisation(BENCH_SLUG, "Potentials benchmark")
    have_offers = BedOffer.objects.filter(organisation=organisation).count()
    if have_offers < offers:
        add_offers(organisation, coordinator, offers - have_offers, rng)
    have_cases = Case.objects.filter(organisation=organisation).count()
    if have_cases < cases:
        _cases(organisation, have_cases, cases - have_cases, rng)
    seconds = []
    runs: list[PotentialsRun] = []
    for _ in range(repeats):
        started = time.perf_counter()
        runs.append(potentials_compute(organisation_id=organisation.pk))
        seconds.append(time.perf_counter() - started)
    run = runs[-1]
    sample = list(Case.objects.filter(organisation=organisation)[:200])
    timings = sorted(suggestion_ms(case) for case in sample)
    figures = {
        "database": connection.vendor,
        "waiting_cases": run.waiting,
        "forecast_groups": run.forecast,
        "offers": BedOffer.objects.filter(organisation=organisation).count(),
        "offers_priced": run.offers_priced,
        "job_s_median": round(statistics.median(seconds), 3),
        "job_s_max": round(max(seconds), 3),
        "repeats": repeats,
        "suggestion_p50_ms": round(statistics.median(timings), 2) if timings else None,
        "suggestion_p99_ms": round(timings[int(len(timings) * 0.99)], 2) if timings else None,
    }
    if as_json:
        out(json.dumps(figures, indent=2))
        return
    out(
        f"potentials job on {figures['database']}: {figures['waiting_cases']:,} waiting cases, "
        f"{figures['forecast_groups']:,} forecast groups, {figures['offers']:,} bed offers in "
        f"{COUNTRY} ({figures['offers_priced']:,} priced above 0)\n"
        f"  job: median {figures['job_s_median']} s, max {figures['job_s_max']} s over "
        f"{repeats} runs\n"
        f"  suggestions with those potentials: p50 {figures['suggestion_p50_ms']} ms, "
        f"p99 {figures['suggestion_p99_ms']} ms"
    )
