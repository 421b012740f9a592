"""Benchmark the online policies through simulated surge days against the hindsight bound.

``python -m haven.matching.engine.online_bench --arrivals 10000 --offers 3000 --seeds 1,2,3``
(or ``haven bench online``) plays each seed's day under every policy and prints, per policy, the
median over the seeds of: share of the hindsight bound, urgent people placed, people placed,
mean distance, p99 time of one decision and the time to refresh the potentials. A second table
gives the dual-price policy with a forecast of half and of twice the arrivals it sees.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from haven.matching.engine.geo import haversine_km
from haven.matching.engine.hindsight import hindsight_bound
from haven.matching.engine.model import VALUE_SCALE, Weights
from haven.matching.engine.online import (
    POLICIES,
    DayOutcome,
    OnlineSettings,
    day_violations,
    run_policy,
)
from haven.matching.engine.surge import SurgeDay, surge_day


def _figures(day: SurgeDay, outcome: DayOutcome, bound: int, weights: Weights) -> dict[str, Any]:
    """Quality and time figures of one policy's day."""
    requests, offers = day.requests, day.offers
    placed = outcome.offer_of >= 0
    rows = np.flatnonzero(placed)
    people = requests.size
    urgent = requests.urgency >= 4
    distance = haversine_km(
        requests.lat[rows], requests.lon[rows],
        offers.lat[outcome.offer_of[rows]], offers.lon[outcome.offer_of[rows]],
    )  # fmt: skip
    decisions = np.array(outcome.decision_s) * 1000 if outcome.decision_s else np.zeros(1)
    refresh = outcome.refresh_s
    return {
        "share_of_hindsight": round(outcome.value / bound, 4) if bound else 0.0,
        "objective": round(outcome.value / VALUE_SCALE, 1),
        "urgent_people": int(people[urgent].sum()),
        "urgent_placed": int(people[urgent & placed].sum()),
        "urgent_placed_share": round(
            float(people[urgent & placed].sum() / max(1, int(people[urgent].sum()))), 4
        ),
        "people_placed": int(people[placed].sum()),
        "mean_km": round(
            float(np.dot(distance, people[rows]) / max(1, int(people[rows].sum()))), 1
        ),
        "decisions": len(outcome.decision_s),
        "p99_decision_ms": round(float(np.percentile(decisions, 99)), 3),
        "refreshes": len(refresh),
        "median_refresh_s": round(statistics.median(refresh), 3) if refresh else None,
        "max_refresh_s": round(max(refresh), 3) if refresh else None,
        "violations": len(day_violations(day, outcome, weights)),
    }


def run_day(
    arrivals: int,
    offers: int,
    seed: int,
    policies: Sequence[str],
    settings: OnlineSettings,
    forecast_scales: Sequence[float] = (),
    perfect_forecast: bool = False,
) -> dict[str, Any]:
    """One seed's day: the bound, every policy, and the dual policy under each forecast scale
    (and, when asked, under a perfect forecast of the true arrivals)."""
    weights = Weights()
    started = time.perf_counter()
    day = surge_day(arrivals, offers, seed)
    generated = time.perf_counter() - started
    bound = hindsight_bound(day, weights)
    result: dict[str, Any] = {
        "day": {
            "arrivals": arrivals,
            "offers": offers,
            "seed": seed,
            "people": int(day.requests.size.sum()),
            "beds": int(day.offers.capacity.sum()),
            "burst_arrivals": int(day.burst_rows.size),
            "generate_s": round(generated, 3),
        },
        "hindsight": {
            "objective": round(bound.objective, 1),
            "exact": bound.exact,
            "seconds": round(bound.seconds, 2),
        },
        "policies": {},
        "forecast": {},
    }
    for name in policies:
        began = time.perf_counter()
        outcome = run_policy(day, name, weights, settings)
        row = _figures(day, outcome, bound.value, weights)
        row["day_s"] = round(time.perf_counter() - began, 2)
        result["policies"][name] = row
    for scale in forecast_scales:
        scaled = OnlineSettings(**{**settings.__dict__, "forecast_scale": scale})
        outcome = run_policy(day, "dual", weights, scaled)
        result["forecast"][str(scale)] = _figures(day, outcome, bound.value, weights)
    if perfect_forecast:
        perfect = OnlineSettings(**{**settings.__dict__, "perfect_forecast": True})
        outcome = run_policy(day, "dual", weights, perfect)
        result["forecast"]["perfect"] = _figures(day, outcome, bound.value, weights)
    return result


def _median(values: list[Any]) -> Any:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def summarise(days: list[dict[str, Any]]) -> dict[str, Any]:
    """Median over the seeds of every figure, per policy and per forecast scale."""
    first = days[0]
    summary: dict[str, Any] = {
        "seeds": [d["day"]["seed"] for d in days],
        "day": {k: first["day"][k] for k in ("arrivals", "offers")},
        "people": _median([d["day"]["people"] for d in days]),
        "beds": _median([d["day"]["beds"] for d in days]),
        "hindsight_s": _median([d["hindsight"]["seconds"] for d in days]),
        "hindsight_exact": all(d["hindsight"]["exact"] for d in days),
        "cores": os.cpu_count() or 1,
        "policies": {},
        "forecast": {},
    }
    for section in ("policies", "forecast"):
        for name in first[section]:
            keys = first[section][name].keys()
            summary[section][name] = {k: _median([d[section][name][k] for d in days]) for k in keys}
    return summary


def run(
    arrivals: int,
    offers: int,
    seeds: Sequence[int],
    policies: Sequence[str],
    settings: OnlineSettings | None = None,
    forecast_scales: Sequence[float] = (0.5, 2.0),
    perfect_forecast: bool = False,
) -> dict[str, Any]:
    """Every seed's day and the medians."""
    settings = settings or OnlineSettings()
    days = [
        run_day(arrivals, offers, s, policies, settings, forecast_scales, perfect_forecast)
        for s in seeds
    ]
    return {"summary": summarise(days), "days": days}


def _row(label: str, row: dict[str, Any]) -> str:
    refresh = row.get("median_refresh_s")
    refresh_text = f"{refresh:.2f}/{row['max_refresh_s']:.2f}" if refresh is not None else "-"
    return (
        f"{label:<26}{row['share_of_hindsight']:>10.2%}{row['urgent_placed_share']:>9.1%}"
        f"{row['urgent_placed']:>9,.0f}{row['people_placed']:>9,.0f}{row['mean_km']:>9.1f}"
        f"{row['p99_decision_ms']:>10.2f}{refresh_text:>13}{row['violations']:>6.0f}"
    )


def format_table(result: dict[str, Any], settings: OnlineSettings | None = None) -> str:
    """The medians as plain-text tables."""
    settings = settings or OnlineSettings()
    s = result["summary"]
    header = (
        f"{'policy':<26}{'hindsight':>10}{'urgent':>9}{'urg ppl':>9}{'people':>9}"
        f"{'mean km':>9}{'p99 ms':>10}{'refresh s':>13}{'viol':>6}"
    )
    lines = [
        f"surge day: {s['day']['arrivals']:,} arrivals (~{s['people']:,.0f} people) x "
        f"{s['day']['offers']:,} offers (~{s['beds']:,.0f} beds); seeds "
        f"{','.join(map(str, s['seeds']))} (medians); {s['cores']} cores; batch every "
        f"{settings.batch_minutes} min, potentials every {settings.refresh_minutes} min with a "
        f"{settings.horizon_minutes / 60:g} h forecast",
        "",
        header,
    ]
    for name, label in POLICIES.items():
        if name in s["policies"]:
            lines.append(_row(label, s["policies"][name]))
    lines += [
        "",
        f"hindsight: LP bound over the whole day ({'exact' if s['hindsight_exact'] else 'dual'}"
        f" bound), {s['hindsight_s']:.1f} s; p99 ms of the batch is one batch run; refresh s "
        "is median/max",
    ]
    if s["forecast"]:
        lines += ["", "dual-price suggestions when the forecast is wrong:", header]
        if "greedy" in s["policies"]:
            lines.append(_row("greedy (reference)", s["policies"]["greedy"]))
        if "dual" in s["policies"]:
            lines.append(_row("forecast as seen (x1)", s["policies"]["dual"]))
        for scale, row in s["forecast"].items():
            label = "perfect forecast" if scale == "perfect" else f"forecast x{float(scale):g}"
            lines.append(_row(label, row))
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The benchmark's options, shared by this module's entry point and `haven bench online`."""
    parser.add_argument("--arrivals", type=int, default=10_000, help="arrivals (default 10000)")
    parser.add_argument("--offers", type=int, default=3_000, help="bed offers (default 3000)")
    parser.add_argument("--seeds", default="1,2,3", help="comma-separated seeds (default 1,2,3)")
    parser.add_argument(
        "--policies",
        default=",".join(POLICIES),
        help=f"comma-separated policies (default {','.join(POLICIES)})",
    )
    parser.add_argument("--batch-minutes", type=int, default=30, help="batch interval (30)")
    parser.add_argument(
        "--refresh-minutes", type=int, default=30, help="potentials refresh interval (30)"
    )
    parser.add_argument("--horizon-minutes", type=int, default=720, help="forecast horizon (720)")
    parser.add_argument(
        "--forecast-scales",
        default="0.5,2",
        help="forecast multipliers for the forecast-error table; empty for none (default 0.5,2)",
    )
    parser.add_argument(
        "--perfect-forecast",
        action="store_true",
        help="add a row to the forecast-error table with the true arrivals as the forecast "
        "(the ceiling of any forecast; needs the dual policy)",
    )
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object instead of tables"
    )


def _numbers(
    text: str, kind: Callable[[str], Any], label: str, error: Callable[[str], Any]
) -> list[Any]:
    try:
        return [kind(part) for part in text.split(",") if part.strip()]
    except ValueError:
        error(f"{label} takes comma-separated numbers, for example 1,2,3")
        return []


def render(options: dict[str, Any], error: Callable[[str], Any]) -> str:
    """Run the benchmark for parsed options; `error` reports a bad option and stops."""
    policies = [p for p in str(options["policies"]).split(",") if p]
    unknown = [p for p in policies if p not in POLICIES]
    if unknown or not policies:
        error(f"unknown policy(ies) {', '.join(unknown)}; choose from {', '.join(POLICIES)}")
    seeds = _numbers(str(options["seeds"]), int, "--seeds", error)
    scales = _numbers(str(options["forecast_scales"]), float, "--forecast-scales", error)
    if options["arrivals"] < 1 or options["offers"] < 1 or not seeds:
        error("--arrivals and --offers must be positive and --seeds must name a seed")
    if min(options["batch_minutes"], options["refresh_minutes"], options["horizon_minutes"]) < 1:
        error("--batch-minutes, --refresh-minutes and --horizon-minutes must be positive")
    if any(scale <= 0 for scale in scales):
        error("--forecast-scales must be positive")
    settings = OnlineSettings(
        batch_minutes=options["batch_minutes"],
        refresh_minutes=options["refresh_minutes"],
        horizon_minutes=options["horizon_minutes"],
    )
    perfect = bool(options.get("perfect_forecast")) and "dual" in policies
    if "dual" not in policies:
        scales = []
    result = run(options["arrivals"], options["offers"], seeds, policies, settings, scales, perfect)
    if options["json"]:
        return json.dumps(result, indent=2)
    return format_table(result, settings)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m haven.matching.engine.online_bench",
        description="Play seeded surge days under each online policy against hindsight.",
    )
    add_arguments(parser)
    sys.stdout.write(render(vars(parser.parse_args(argv)), parser.error) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
