"""Intake under load: the production server (gunicorn, as `haven serve` starts it) on loopback
against PostgreSQL, driven by wrk through the real request form and the JSON API.

Each figure comes with the same server's rate on /healthz, measured in the same run, so the result
is a ratio that holds on a noisy machine. Every request comes on a connection of its own, as the
reverse proxy of docs/deploy.md sends them. Every load is bounded in time; nothing leaves loopback.
"""

import json
import os
import re
import secrets
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass
from http.cookiejar import CookieJar
from typing import Any

from django.db import connection
from django.utils import timezone

from haven.audit.models import Pending
from haven.bench.servers import HOST, JobWorker, Server
from haven.bench.timing import BenchRefused, CpuTimes, cpu_spent, p95
from haven.bench.wrk import drive, wrk_path
from haven.cases.models import Case

BENCH_SLUG = "bench-intake"


@dataclass(frozen=True)
class Row:
    """One timed load: what was driven, at what offered rate, and what came back."""

    endpoint: str
    offered: str
    achieved_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int
    # The whole machine's CPU per request (server, PostgreSQL and wrk together) and the share of
    # the time a hypervisor gave this machine's cores to others; None where /proc/stat is missing.
    cpu_ms_per_request: float | None
    stolen: float | None


def _organisation_slug() -> str:
    from haven.accounts.models import Organisation
    from haven.accounts.organisations import organisation_create

    if not Organisation.objects.filter(slug=BENCH_SLUG).exists():
        organisation_create(
            slug=BENCH_SLUG,
            name="Intake benchmark",
            coordinator_handle="bench-intake-coordinator",
            coordinator_passphrase=secrets.token_urlsafe(24),
        )
    return BENCH_SLUG


def _steady_state() -> None:
    """Start where a running install stays: earlier runs' audit events linked (`haven worker`
    does it every 5 seconds) and the case tables vacuumed (autovacuum does it), so that one run
    does not pay for the last one's leftovers."""
    from haven.audit.services import link_pending

    link_pending()
    with connection.cursor() as cursor:
        for table in ("cases_case", "cases_caseseal", "audit_pending"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")


def _form_client(base: str, slug: str) -> tuple[str, str]:
    """Open the form as a browser does: the CSRF cookie and the token the page carries."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"{base}/en/help/{slug}/", timeout=10) as answer:
        page = answer.read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if token is None or 'name="submission"' not in page:
        raise BenchRefused("the request form did not carry its CSRF and submission tokens")
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return token.group(1), cookie


def _bodies(token: str) -> tuple[str, str]:
    today = timezone.localdate().isoformat()
    story = "Нагрузочный тест: нужен ночлег на две ночи, потом дальше. " * 4
    fields = [
        ("csrfmiddlewaretoken", token),
        ("needs", "shelter"),
        ("needs", "legal"),
        ("place", "kz-almaty"),
        ("group_size", "2"),
        ("languages", "ru"),
        ("languages", "en"),
        ("urgency", "4"),
        ("date_from", today),
        ("contact", "@bench_load"),
        ("name", "Тест"),
        ("military_status", "mobilised"),
        ("story", story),
    ]
    form = urllib.parse.urlencode(fields)
    api = json.dumps(
        {
            "organisation": BENCH_SLUG,
            "needs": ["shelter", "legal"],
            "place": "kz-almaty",
            "group_size": 2,
            "languages": ["ru", "en"],
            "urgency": 4,
            "date_from": today,
            "contact": "@bench_load",
            "name": "Тест",
            "military_status": "mobilised",
            "story": story,
        },
        ensure_ascii=False,
    )
    return form, api


def _desk_probe(stop: threading.Event, samples: list[float]) -> None:
    """Time the desk's first page (rows and count) over and over while the load runs."""
    from haven.accounts.models import Member, Role
    from haven.cases.queries import DeskFilter, desk_page

    try:
        member = Member.objects.get(organisation__slug=BENCH_SLUG, role=Role.COORDINATOR)
        while not stop.is_set():
            begin = time.perf_counter()
            page = desk_page(member, DeskFilter(), 1, 50)
            list(page.object_list)
            samples.append((time.perf_counter() - begin) * 1000)
            stop.wait(0.05)
    finally:
        connection.close()


def run(
    *,
    rates: list[int],
    seconds: int,
    workers: int,
    threads: int,
    port: int,
    as_json: bool,
    out: Callable[[str], None],
) -> None:
    """Start the server, measure /healthz, then the form and the API flat out and at each rate."""
    if connection.vendor != "postgresql":
        raise BenchRefused(
            "haven bench intake measures the production set-up, which runs on PostgreSQL: set "
            "HAVEN_DATABASE_URL=postgres://… (a database of its own) and run `haven migrate` first."
        )
    wrk = wrk_path()
    slug = _organisation_slug()
    _steady_state()
    stored_before = Case.objects.filter(organisation__slug=slug).count()
    run_id = f"{int(time.time())}{secrets.token_hex(4)}"
    job_worker = JobWorker()
    try:
        result = _measure(wrk, slug, rates, seconds, workers, threads, port, run_id)
    finally:
        job_worker.stop()
    result["stored"] = Case.objects.filter(organisation__slug=slug).count() - stored_before
    result["audit_events_waiting"] = Pending.objects.count()
    if as_json:
        out(json.dumps(result, indent=2))
        return
    _print(result, out)


def _measure(
    wrk: str,
    slug: str,
    rates: list[int],
    seconds: int,
    workers: int,
    threads: int,
    port: int,
    run_id: str,
) -> dict[str, Any]:
    # The intake budget is the flood guard, not what is measured here: lift it for this server.
    server = Server(port, workers, threads, {"HAVEN_INTAKE_PER_MINUTE": str(10**9)})
    rows: list[Row] = []
    desk: dict[str, float] = {}
    try:
        token, cookie = _form_client(server.base, slug)
        form, api = _bodies(token)
        common = {"HAVEN_BENCH_FORM": form, "HAVEN_BENCH_API": api}
        common["HAVEN_BENCH_COOKIE"] = cookie
        targets = {
            "healthz": f"{server.base}/healthz",
            "ask page": f"{server.base}/en/help/{slug}/",
            "form": f"{server.base}/en/help/{slug}/",
            "api": f"{server.base}/api/v1/intake",
        }

        def load(endpoint: str, rate: int, connections: int) -> Row:
            url = targets[endpoint]
            mode = endpoint if endpoint in {"form", "api"} else "get"
            path = url.removeprefix(server.base)
            environment = {
                **common,
                "HAVEN_BENCH_RUN": f"{run_id}-{endpoint}-{rate}",
                "HAVEN_BENCH_MODE": mode,
                "HAVEN_BENCH_RATE": str(rate),
                "HAVEN_BENCH_PATH": path,
            }
            before = CpuTimes.now()
            figures = drive(wrk, url, environment, seconds, connections)
            cpu_ms, stolen = cpu_spent(before, CpuTimes.now(), int(figures["requests"]))
            return Row(
                endpoint=endpoint,
                offered="max" if rate == 0 else f"{rate}/s",
                achieved_per_s=round(figures["requests"] / figures["seconds"], 1),
                p50_ms=round(figures["p50_ms"], 2),
                p99_ms=round(figures["p99_ms"], 2),
                errors=int(figures["errors"]),
                requests=int(figures["requests"]),
                cpu_ms_per_request=cpu_ms,
                stolen=stolen,
            )

        load("healthz", 0, 16)  # warm every worker before anything is timed
        idle: list[float] = []
        _desk_probe_for(idle, 1.0)
        rows.append(load("healthz", 0, 16))
        rows.append(load("ask page", 0, 16))  # what a requester opens before each form post
        busy: list[float] = []
        stop = threading.Event()
        prober = threading.Thread(target=_desk_probe, args=(stop, busy), daemon=True)
        prober.start()
        rows.append(load("form", 0, 16))
        stop.set()
        prober.join()
        rows.append(load("api", 0, 16))
        for rate in rates:
            connections = max(16, rate // 10)
            rows.append(load("form", rate, connections))
            rows.append(load("api", rate, connections))
        desk = {
            "idle_p95_ms": round(p95(idle), 2),
            "under_full_intake_p95_ms": round(p95(busy), 2),
        }
    finally:
        server.stop()
    flood = _flood(wrk, slug, port, workers, threads, seconds, f"{run_id}-flood")
    answered = sum(row.requests - row.errors for row in rows if row.endpoint in {"form", "api"})
    healthz = rows[0].achieved_per_s
    table = [
        {**asdict(row), "ratio_to_healthz": round(row.achieved_per_s / healthz, 3)} for row in rows
    ]
    return {
        "database": connection.vendor,
        "cores": os.cpu_count(),
        "workers": workers,
        "threads": threads,
        "port": port,
        "job_workers": 1,
        "seconds_per_load": seconds,
        "healthz_per_s": healthz,
        "rows": table,
        "answered_without_error": answered,
        "desk_first_page": desk,
        "flood": flood,
    }


def _print(result: dict[str, Any], out: Callable[[str], None]) -> None:
    threads, table, flood = result["threads"], result["rows"], result["flood"]
    answered, stored, desk = (
        result["answered_without_error"],
        result["stored"],
        result["desk_first_page"],
    )
    out(
        f"intake benchmark: gunicorn {result['workers']} "
        f"{'sync' if threads == 1 else 'gthread'} workers x {threads} "
        f"thread{'s' if threads > 1 else ''} on {HOST}:{result['port']} and one haven worker, "
        f"PostgreSQL, {result['cores']} cores, {result['seconds_per_load']} s per load"
    )
    out(
        f"{'endpoint':<10} {'offered':>8} {'achieved/s':>11} {'vs healthz':>11} "
        f"{'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'cpu ms/req':>11} {'stolen':>7}"
    )
    for row in table:
        cpu_ms, stolen = row["cpu_ms_per_request"], row["stolen"]
        out(
            f"{row['endpoint']:<10} {row['offered']:>8} {row['achieved_per_s']:>11.1f} "
            f"{row['ratio_to_healthz']:>10.0%} {row['p50_ms']:>8.2f} {row['p99_ms']:>8.2f} "
            f"{row['errors']:>7} {'' if cpu_ms is None else f'{cpu_ms:.2f}':>11} "
            f"{'' if stolen is None else f'{stolen:.0%}':>7}"
        )
    out(
        "cpu ms/req: the whole machine's CPU (server, PostgreSQL, wrk) per request; stolen: the "
        "share of time a hypervisor gave these cores to other machines (a noisy run shows here)"
    )
    out(
        f"requests answered without error: {answered:,}; cases stored: {stored:,}; audit events "
        f"still waiting for haven worker to link them: {result['audit_events_waiting']:,}"
    )
    out(
        f"flood beyond a budget of {FLOOD_BUDGET_PER_MINUTE}/minute: {flood['achieved_per_s']:.0f} "
        f"form posts/s answered, {flood['refused_429']:,} of {flood['requests']:,} with 429, "
        f"p99 {flood['p99_ms']:.2f} ms; desk first page p95 {flood['desk_p95_ms']:.2f} ms"
        + ("" if flood["stolen"] is None else f"; stolen {flood['stolen']:.0%}")
    )
    out(
        f"desk first page p95: {desk.get('idle_p95_ms', 0):.2f} ms idle, "
        f"{desk.get('under_full_intake_p95_ms', 0):.2f} ms while the form is driven flat out"
    )


FLOOD_BUDGET_PER_MINUTE = 600


def _flood(
    wrk: str, slug: str, port: int, workers: int, threads: int, seconds: int, run_id: str
) -> dict[str, float | None]:
    """The same server with a small intake budget, its form driven flat out: what a flood beyond
    the budget costs the requesters (429s, their latency) and the desk."""
    server = Server(
        port, workers, threads, {"HAVEN_INTAKE_PER_MINUTE": str(FLOOD_BUDGET_PER_MINUTE)}
    )
    samples: list[float] = []
    stop = threading.Event()
    prober = threading.Thread(target=_desk_probe, args=(stop, samples), daemon=True)
    try:
        token, cookie = _form_client(server.base, slug)
        form, api = _bodies(token)
        url = f"{server.base}/en/help/{slug}/"
        environment = {
            "HAVEN_BENCH_FORM": form,
            "HAVEN_BENCH_API": api,
            "HAVEN_BENCH_COOKIE": cookie,
            "HAVEN_BENCH_RUN": run_id,
            "HAVEN_BENCH_MODE": "form",
            "HAVEN_BENCH_RATE": "0",
            "HAVEN_BENCH_PATH": url.removeprefix(server.base),
        }
        prober.start()
        before = CpuTimes.now()
        figures = drive(wrk, url, environment, seconds, 16)
        stolen = cpu_spent(before, CpuTimes.now(), int(figures["requests"]))[1]
    finally:
        stop.set()
        if prober.is_alive():
            prober.join()
        server.stop()
    return {
        "budget_per_minute": FLOOD_BUDGET_PER_MINUTE,
        "achieved_per_s": round(figures["requests"] / figures["seconds"], 1),
        "requests": int(figures["requests"]),
        "refused_429": int(figures["errors"]),
        "p50_ms": round(figures["p50_ms"], 2),
        "p99_ms": round(figures["p99_ms"], 2),
        "desk_p95_ms": round(p95(samples), 2),
        "stolen": stolen,
    }


def _desk_probe_for(samples: list[float], seconds: float) -> None:
    stop = threading.Event()
    prober = threading.Thread(target=_desk_probe, args=(stop, samples), daemon=True)
    prober.start()
    time.sleep(seconds)
    stop.set()
    prober.join()
