"""The desk under volume: load N sealed requests in bulk, then time the desk's own queries.

Every figure is also given as a ratio to a primary-key look-up timed in the same run, so results
compare across noisy machines.
"""

import json
import random
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from haven.accounts.models import Member, Organisation, Role
from haven.bench.timing import p95, timed
from haven.cases.models import Case, MilitaryStatus, Need, Status
from haven.cases.queries import DeskFilter, desk_page
from haven.core.places import load_places
from haven.intake.services import Submission, requests_import, sealed_case

BENCH_SLUG = "bench-desk"
BATCH = 5000


@dataclass(frozen=True)
class Timing:
    name: str
    p50_ms: float
    p95_ms: float
    ratio_p95: float


def _progress(done: int, total: int, started: float) -> None:
    width = 30
    filled = width * done // max(total, 1)
    rate = done / max(time.monotonic() - started, 1e-9)
    sys.stderr.write(
        f"\r  sealing [{'#' * filled}{'.' * (width - filled)}] {done}/{total} ({rate:,.0f}/s)"
    )
    sys.stderr.flush()


def load(organisation: Organisation, count: int, seed: int = 7) -> float:
    """Seal and bulk-insert `count` realistic requests; return the seconds it took."""
    rng = random.Random(seed)  # noqa: S311  # invented load, not secrets
    places = load_places()
    weights = [place.size for place in places]
    statuses = [Status.NEW, Status.TRIAGED, Status.IN_PROGRESS, Status.WAITING, Status.RESOLVED]
    now = timezone.now()
    started = time.monotonic()
    done = 0
    while done < count:
        batch = []
        for _ in range(min(BATCH, count - done)):
            place = rng.choices(places, weights)[0]
            received = now - timedelta(minutes=rng.randrange(0, 60 * 24 * 30))
            sealed = sealed_case(
                organisation=organisation,
                submission=Submission(
                    needs=tuple(sorted({rng.choice(Need.values), rng.choice(Need.values)})),
                    place=place.id,
                    group_size=rng.choices([1, 2, 3, 4], [70, 18, 8, 4])[0],
                    languages=("ru",),
                    urgency=rng.choices([1, 2, 3, 4, 5], [30, 25, 20, 15, 10])[0],
                    date_from=received.date(),
                    date_until=None,
                    contact=f"@load{rng.randrange(10**6)}",
                    name="Тест",
                    military_status=rng.choice(MilitaryStatus.values),
                    story="Нагрузочный тест " * rng.randrange(1, 20),
                ),
                submission_key=secrets.token_urlsafe(24),
                now=received,
            )
            sealed.case.status = rng.choices(statuses, [40, 20, 20, 10, 10])[0]
            batch.append(sealed)
        requests_import(organisation=organisation, requests=batch, source="haven bench desk")
        done += len(batch)
        _progress(done, count, started)
    sys.stderr.write("\n")
    return time.monotonic() - started


def measure(member: Member, repeats: int) -> list[Timing]:
    """Time each desk query as the desk page runs it: the page's rows and its count."""
    any_case = Case.objects.filter(organisation_id=member.organisation_id).values_list(
        "pk", flat=True
    )[0]

    def baseline() -> object:
        return Case.objects.filter(pk=any_case).values_list("urgency", flat=True).first()

    def page(desk_filter: DeskFilter, number: int = 1) -> Callable[[], object]:
        def run() -> object:
            result = desk_page(member, desk_filter, number, 50)
            return (list(result.object_list), result.paginator.count)

        return run

    checks: list[tuple[str, Callable[[], object]]] = [
        ("list, first page", page(DeskFilter())),
        ("list, page 100", page(DeskFilter(), 100)),
        ("filter country KZ", page(DeskFilter(country="KZ"))),
        ("filter need legal", page(DeskFilter(need="legal"))),
        ("filter urgency 5", page(DeskFilter(urgency=5))),
        ("filter status new", page(DeskFilter(status="new"))),
        ("filter KZ + shelter + new", page(DeskFilter(country="KZ", need="shelter", status="new"))),
        # Rare combinations: few rows match, so the count cannot stop early at its cap.
        ("filter urgency 5 + waiting", page(DeskFilter(urgency=5, status="waiting"))),
        (
            "filter AM + medical + resolved",
            page(DeskFilter(country="AM", need="medical", status="resolved")),
        ),
    ]
    base = timed(baseline, repeats)
    base_p95 = p95(base)
    timings = [Timing("baseline: one row by key", statistics.median(base), base_p95, 1.0)]
    for name, action in checks:
        action()  # warm the cache as a coordinator's second look would
        samples = timed(action, repeats)
        timings.append(
            Timing(name, statistics.median(samples), p95(samples), p95(samples) / base_p95)
        )
    return timings


def run(requests: int, repeats: int, as_json: bool, out: Callable[[str], None]) -> None:
    """Load (or top up) the bench organisation to `requests` cases, then measure."""
    organisation = Organisation.objects.filter(slug=BENCH_SLUG).first()
    if organisation is None:
        from haven.accounts.organisations import organisation_create

        organisation, _ = organisation_create(
            slug=BENCH_SLUG,
            name="Desk benchmark",
            coordinator_handle="bench-desk-coordinator",
            coordinator_passphrase=secrets.token_urlsafe(24),
        )
    member = Member.objects.get(organisation=organisation, role=Role.COORDINATOR)
    have = Case.objects.filter(organisation=organisation).count()
    load_seconds = load(organisation, requests - have) if requests > have else 0.0
    with connection.cursor() as cursor:
        # The steady state that autovacuum (PostgreSQL) or `PRAGMA optimize` (SQLite) keeps:
        # fresh statistics, and on PostgreSQL a visibility map that allows index-only counts.
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM (ANALYZE) cases_case")
        else:
            cursor.execute("ANALYZE cases_case")
    timings = measure(member, repeats)
    result = {
        "database": connection.vendor,
        "requests": max(requests, have),
        "loaded": max(requests - have, 0),
        "load_seconds": round(load_seconds, 1),
        "repeats": repeats,
        "queries": {
            t.name: {
                "p50_ms": round(t.p50_ms, 2),
                "p95_ms": round(t.p95_ms, 2),
                "p95_ratio_to_baseline": round(t.ratio_p95, 1),
            }
            for t in timings
        },
    }
    if as_json:
        out(json.dumps(result, indent=2))
        return
    out(
        f"desk benchmark: {result['requests']:,} requests on {connection.vendor}, "
        f"{repeats} runs each (loaded {result['loaded']:,} in {load_seconds:.1f} s)"
    )
    out(f"{'query':<30} {'p50 ms':>9} {'p95 ms':>9} {'p95 / baseline':>15}")
    for timing in timings:
        out(
            f"{timing.name:<30} {timing.p50_ms:>9.2f} {timing.p95_ms:>9.2f} "
            f"{timing.ratio_p95:>15.1f}"
        )
