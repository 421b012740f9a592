"""Benchmark the bed matching methods on a seeded surge instance.

``python -m haven.matching.engine.bench --requests 10000 --offers 3000`` prints, per method, wall
time (candidates and solve apart), objective, share of urgent people placed, mean distance and
the ratio to the LP upper bound over every feasible pair, whose own time is reported apart.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from haven.matching.engine.baseline import first_come_first_served, greedy_by_urgency
from haven.matching.engine.bound import lp_bound as compute_lp_bound
from haven.matching.engine.check import violations
from haven.matching.engine.geo import haversine_km
from haven.matching.engine.index import OfferIndex, suggest
from haven.matching.engine.model import VALUE_SCALE, Assignment, BedProblem, Reason, Weights
from haven.matching.engine.optimiser import optimise
from haven.matching.engine.shapes import SHAPES, shaped_instance

METHODS: dict[str, str] = {
    "fcfs": "first come, first served",
    "greedy": "greedy by urgency",
    "haven": "Haven's optimiser",
}


def _solver(name: str, workers: int) -> Callable[[BedProblem, Weights], Assignment]:
    """The function behind a method name."""
    if name == "fcfs":
        return first_come_first_served
    if name == "greedy":
        return greedy_by_urgency
    if name == "haven":
        return lambda problem, weights: optimise(problem, weights, workers=workers)
    raise ValueError(f"unknown method {name!r}; choose from {', '.join(METHODS)}")


def _figures(problem: BedProblem, assignment: Assignment, weights: Weights) -> dict[str, Any]:
    """Quality and time figures of one assignment."""
    requests, offers = problem.requests, problem.offers
    placed = assignment.offer_of >= 0
    urgent = requests.urgency >= 4
    people = requests.size
    rows = np.flatnonzero(placed)
    distance = haversine_km(
        requests.lat[rows], requests.lon[rows],
        offers.lat[assignment.offer_of[rows]], offers.lon[assignment.offer_of[rows]],
    )  # fmt: skip
    stats = assignment.stats
    reasons = assignment.reasons[urgent & ~placed]
    return {
        "candidates_s": round(stats["candidates_s"], 3),
        "solve_s": round(stats["solve_s"], 3),
        "total_s": round(stats["candidates_s"] + stats["solve_s"], 3),
        "explain_s": round(stats["explain_s"], 3),
        "objective": round(assignment.value / VALUE_SCALE, 2),
        "people_placed": int(people[placed].sum()),
        "urgent_people": int(people[urgent].sum()),
        "urgent_placed_share": round(
            float(people[placed & urgent].sum() / max(1, int(people[urgent].sum()))), 4
        ),
        "mean_distance_km": round(
            float(np.dot(distance, people[rows]) / max(1, int(people[rows].sum()))), 1
        ),
        "urgent_unplaced_by_reason": {
            Reason(int(code)).name.lower(): int(people[urgent & ~placed][reasons == code].sum())
            for code in np.unique(reasons)
        },
        "violations": len(violations(problem, assignment.offer_of, weights)),
    }


def suggest_latency(problem: BedProblem, weights: Weights, samples: int = 2000) -> dict[str, Any]:
    """Time instant suggestions (k=5) for requests spread over the instance, one at a time."""
    started = time.perf_counter()
    index = OfferIndex(problem.offers, weights)
    built = time.perf_counter() - started
    n = len(problem.requests)
    rows = np.unique(np.linspace(0, max(n - 1, 0), num=min(n, samples)).astype(np.int64))
    timings: list[float] = []
    for row in rows.tolist():
        started = time.perf_counter()
        suggest(problem.requests, index, k=5, row=int(row))
        timings.append(time.perf_counter() - started)
    ms = np.array(timings) * 1000 if timings else np.zeros(1)
    return {
        "offers": len(problem.offers),
        "requests_timed": len(timings),
        "index_build_s": round(built, 3),
        "p50_ms": round(float(np.percentile(ms, 50)), 3),
        "p99_ms": round(float(np.percentile(ms, 99)), 3),
        "max_ms": round(float(ms.max()), 3),
    }


def run(
    requests: int,
    offers: int,
    seed: int,
    methods: Sequence[str],
    lp_bound: bool = True,
    *,
    workers: int | None = None,
    bound_time_limit_s: float = 480.0,
    shape: str = "surge",
) -> dict[str, Any]:
    """Generate one surge and run each method on it; figures keyed by method name.

    Besides the methods, the result holds "instance" (sizes, seed, cores), "suggest" (latency of
    instant suggestions) and, when asked, "lp_bound" (value, whether it is exact, its own time);
    each method then has "ratio_to_lp".
    """
    cores = os.cpu_count() or 1
    workers = cores if workers is None else workers
    weights = Weights()
    started = time.perf_counter()
    instance = shaped_instance(shape, requests, offers, seed)
    problem = instance.problem
    result: dict[str, Any] = {
        "instance": {
            "requests": requests,
            "offers": offers,
            "seed": seed,
            "shape": shape,
            "people": int(problem.requests.size.sum()),
            "beds": int(problem.offers.capacity.sum()),
            "places": int(np.unique(instance.request_place).size),
            "cores": cores,
            "workers": workers,
            "generate_s": round(time.perf_counter() - started, 3),
        }
    }
    result["suggest"] = suggest_latency(problem, weights)
    for name in methods:
        assignment = _solver(name, workers)(problem, weights)
        result[name] = _figures(problem, assignment, weights)
    if lp_bound:
        bound = compute_lp_bound(problem, weights, time_limit_s=bound_time_limit_s)
        result["lp_bound"] = {
            "objective": round(bound.objective, 2),
            "exact": bound.exact,
            "scope": (
                "LP optimum over every feasible pair"
                if bound.exact
                else "dual bound over every feasible pair (column generation stopped early)"
            ),
            "seconds": round(bound.seconds, 2),
            "rounds": bound.rounds,
            "arcs": bound.arcs,
        }
        for name in methods:
            result[name]["ratio_to_lp"] = round(result[name]["objective"] / bound.objective, 4)
    return result


def format_table(result: dict[str, Any]) -> str:
    """The result as a plain-text table."""
    info = result["instance"]
    lines = [
        f"surge: {info['requests']:,} requests ({info['people']:,} people) x {info['offers']:,} "
        f"offers ({info['beds']:,} beds) over {info['places']} places; seed {info['seed']}; "
        f"{info['cores']} cores, {info['workers']} flow workers",
        "",
        f"{'method':<26}{'cand s':>8}{'solve s':>9}{'total s':>9}{'objective':>12}"
        f"{'urgent':>9}{'mean km':>9}{'vs LP':>8}",
    ]
    for name, label in METHODS.items():
        if name not in result:
            continue
        row = result[name]
        ratio = f"{row['ratio_to_lp']:.2%}" if "ratio_to_lp" in row else "-"
        lines.append(
            f"{label:<26}{row['candidates_s']:>8.2f}{row['solve_s']:>9.2f}{row['total_s']:>9.2f}"
            f"{row['objective']:>12,.1f}{row['urgent_placed_share']:>9.1%}"
            f"{row['mean_distance_km']:>9.1f}{ratio:>8}"
        )
    if "lp_bound" in result:
        bound = result["lp_bound"]
        lines += [
            "",
            f"LP upper bound {bound['objective']:,.1f}: {bound['scope']}; "
            f"{bound['seconds']:.1f} s, {bound['rounds']} rounds, {bound['arcs']:,} arcs",
        ]
    if "suggest" in result:
        sug = result["suggest"]
        lines.append(
            f"suggest (k=5) against {sug['offers']:,} offers, {sug['requests_timed']:,} requests: "
            f"p50 {sug['p50_ms']:.2f} ms, p99 {sug['p99_ms']:.2f} ms, max {sug['max_ms']:.2f} ms "
            f"(index built in {sug['index_build_s']:.2f} s)"
        )
    for name in METHODS:
        if name in result and result[name]["urgent_unplaced_by_reason"]:
            why = ", ".join(
                f"{k} {v:,}" for k, v in result[name]["urgent_unplaced_by_reason"].items()
            )
            lines.append(f"urgent people unplaced ({name}): {why}")
    return "\n".join(lines)


def run_shapes(
    requests: int,
    offers: int,
    seed: int,
    shapes: Sequence[str],
    methods: Sequence[str],
    *,
    workers: int | None = None,
) -> dict[str, Any]:
    """One run (methods and LP bound) per shape, keyed by shape name."""
    return {
        name: run(requests, offers, seed, methods, True, workers=workers, shape=name)
        for name in shapes
    }


def format_shapes(results: dict[str, Any]) -> str:
    """One row per shape: its size and each method's time and share of the LP bound."""
    first = next(iter(results.values()))["instance"]
    methods = [m for m in METHODS if m in next(iter(results.values()))]
    lines = [
        f"shapes: {first['requests']:,} requests x {first['offers']:,} offers; seed "
        f"{first['seed']}; {first['cores']} cores, {first['workers']} flow workers",
        "",
        f"{'shape':<16}{'people':>9}{'beds':>9}{'places':>7}{'LP s':>7}"
        + "".join(f"{m + ' s':>10}{m + ' vs LP':>14}" for m in methods),
    ]
    for name, result in results.items():
        info = result["instance"]
        row = (
            f"{name:<16}{info['people']:>9,}{info['beds']:>9,}{info['places']:>7}"
            f"{result['lp_bound']['seconds']:>7.1f}"
        )
        for m in methods:
            row += f"{result[m]['total_s']:>10.2f}{result[m]['ratio_to_lp']:>14.2%}"
        lines.append(row)
    lines += ["", "shapes:"] + [f"  {k}: {v[0]}" for k, v in SHAPES.items() if k in results]
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The benchmark's options, shared by this module's entry point and `haven bench match`."""
    parser.add_argument(
        "--requests", type=int, default=10_000, help="open requests (default 10000)"
    )
    parser.add_argument("--offers", type=int, default=3_000, help="bed offers (default 3000)")
    parser.add_argument("--seed", type=int, default=1, help="instance seed (default 1)")
    parser.add_argument(
        "--methods",
        default=",".join(METHODS),
        help=f"comma-separated methods to run (default {','.join(METHODS)})",
    )
    parser.add_argument("--no-lp-bound", action="store_true", help="skip the LP upper bound")
    parser.add_argument(
        "--shapes",
        default="",
        help="comma-separated instance shapes, or 'all', for one row per shape against its LP "
        f"bound instead of the full table ({', '.join(SHAPES)})",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="processes for the optimiser's flows (default: cores)",
    )
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object instead of a table"
    )


def render(options: dict[str, Any], error: Callable[[str], Any]) -> str:
    """Run the benchmark for parsed options; `error` reports a bad option and stops."""
    methods = [m for m in str(options["methods"]).split(",") if m]
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        error(f"unknown method(s) {', '.join(unknown)}; choose from {', '.join(METHODS)}")
    if options["requests"] < 0 or options["offers"] < 0:
        error("--requests and --offers must not be negative")
    shapes = [x for x in str(options.get("shapes") or "").split(",") if x]
    if shapes == ["all"]:
        shapes = list(SHAPES)
    if [x for x in shapes if x not in SHAPES]:
        error(f"unknown shape(s); choose from {', '.join(SHAPES)} or all")
    if shapes:
        results = run_shapes(
            options["requests"], options["offers"], options["seed"], shapes, methods,
            workers=options["workers"],
        )  # fmt: skip
        return json.dumps(results, indent=2) if options["json"] else format_shapes(results)
    result = run(
        options["requests"],
        options["offers"],
        options["seed"],
        methods,
        not options["no_lp_bound"],
        workers=options["workers"],
    )
    return json.dumps(result, indent=2) if options["json"] else format_table(result)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m haven.matching.engine.bench",
        description="Generate a seeded surge of bed requests and compare matching methods.",
    )
    add_arguments(parser)
    sys.stdout.write(render(vars(parser.parse_args(argv)), parser.error) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
