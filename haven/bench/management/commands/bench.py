from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from haven.ops.management.commands.serve import default_workers


class Command(BaseCommand):
    help = "Benchmarks that print figures (and ratios to a baseline timed in the same run)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        kinds = parser.add_subparsers(dest="kind", required=True)
        desk = kinds.add_parser(
            "desk",
            help="Load sealed requests in bulk into the configured database (kept for the next "
            "run), then time the desk's list, filters and counts.",
        )
        desk.add_argument(
            "--requests",
            type=int,
            default=100_000,
            help="How many requests the bench organisation should hold.",
        )
        desk.add_argument("--repeats", type=int, default=30, help="Timed runs per query.")
        desk.add_argument("--json", action="store_true", help="Print one JSON object.")
        suggest = kinds.add_parser(
            "suggest",
            help="Time the desk's suggestions for one case through the service (cached region "
            "index) against a country full of bed offers, kept in the configured database.",
        )
        suggest.add_argument(
            "--offers", type=int, default=30_000, help="Bed offers in the country."
        )
        suggest.add_argument("--requests", type=int, default=500, help="Cases to suggest for.")
        suggest.add_argument("--json", action="store_true", help="Print one JSON object.")
        potentials = kinds.add_parser(
            "potentials",
            help="Time the worker's potentials job (the offers' prices for suggested beds) on a "
            "bench organisation with N waiting cases spread over the last day and M bed offers "
            "in one country, kept in the configured database.",
        )
        potentials.add_argument("--cases", type=int, default=1000, help="Waiting cases (1000).")
        potentials.add_argument("--offers", type=int, default=300, help="Bed offers (300).")
        potentials.add_argument("--repeats", type=int, default=5, help="Timed runs (5).")
        potentials.add_argument("--json", action="store_true", help="Print one JSON object.")
        intake = kinds.add_parser(
            "intake",
            help="Start gunicorn as `haven serve` does, on loopback against the configured "
            "PostgreSQL, and drive the request form and the API with wrk: flat out and at fixed "
            "rates, each against the same server's /healthz rate.",
        )
        intake.add_argument(
            "--rates",
            default="100,200,300",
            help="Offered intakes per second, comma-separated (default 100,200,300).",
        )
        intake.add_argument("--seconds", type=int, default=10, help="Length of each load.")
        intake.add_argument(
            "--workers",
            type=int,
            default=default_workers(),
            help=f"Web processes, as for haven serve (default: cores + 1: {default_workers()}).",
        )
        intake.add_argument(
            "--threads",
            type=int,
            default=1,
            help="Threads per process, as for haven serve (default 1: sync workers).",
        )
        intake.add_argument("--port", type=int, default=8765, help="Loopback port to serve on.")
        intake.add_argument("--json", action="store_true", help="Print one JSON object.")
        case = kinds.add_parser(
            "case",
            help="Make one case with N sealed notes and N sealed messages in a fresh bench "
            "organisation, then time its page (opened) against the desk's list page.",
        )
        case.add_argument("--size", type=int, default=50, help="Notes, and messages (default 50).")
        case.add_argument("--repeats", type=int, default=30, help="Requests per page.")
        case.add_argument("--json", action="store_true", help="Print one JSON object.")
        rotate = kinds.add_parser(
            "rotate",
            help="Load N sealed requests into a fresh bench organisation and rotate its key as "
            "`haven org rotate-key` does, printing rows re-sealed per second.",
        )
        rotate.add_argument("--cases", type=int, default=100_000, help="Cases (default 100,000).")
        rotate.add_argument(
            "--batch-size", type=int, default=2000, help="Rows per transaction (default 2000)."
        )
        rotate.add_argument(
            "--extrapolate-to",
            type=int,
            default=1_000_000,
            help="Print how long this many cases would take at the measured rate.",
        )
        rotate.add_argument("--json", action="store_true", help="Print one JSON object.")
        from haven.matching.engine.bench import add_arguments

        match = kinds.add_parser(
            "match",
            help="Generate a seeded surge and compare first-come-first-served, greedy by urgency "
            "and Haven's optimiser against the LP upper bound (no database involved).",
        )
        add_arguments(match)
        from haven.matching.engine.online_bench import add_arguments as add_online_arguments

        online = kinds.add_parser(
            "online",
            help="Play seeded surge days under each online policy (nearest free bed, greedy, "
            "batch optimiser, dual-price suggestions) against the hindsight LP bound (no "
            "database involved).",
        )
        add_online_arguments(online)
        referral = kinds.add_parser(
            "referral",
            help="Start two temporary installs on loopback (each its own SQLite file) and send "
            "referrals with one document between them: seal and sign, send, accept, answer.",
        )
        referral.add_argument(
            "--megabytes", type=float, default=2.0, help="The document's size (default 2)."
        )
        referral.add_argument("--rounds", type=int, default=3, help="Referrals sent (default 3).")
        referral.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["kind"] == "desk":
            from haven.bench.desk import run

            run(options["requests"], options["repeats"], options["json"], self.stdout.write)
        elif options["kind"] == "case":
            from haven.bench.case import run as run_case

            run_case(options["size"], options["repeats"], options["json"], self.stdout.write)
        elif options["kind"] == "intake":
            self._intake(options)
        elif options["kind"] == "rotate":
            from haven.bench.rotate import run as run_rotate

            if not 1 <= options["cases"] <= 2_000_000 or options["batch_size"] < 1:
                raise CommandError("--cases must be 1 to 2,000,000 and --batch-size positive.")
            run_rotate(
                options["cases"],
                options["batch_size"],
                options["extrapolate_to"],
                options["json"],
                self.stdout.write,
            )
        elif options["kind"] == "suggest":
            from haven.bench.suggest import run as run_suggest

            run_suggest(options["offers"], options["requests"], options["json"], self.stdout.write)
        elif options["kind"] == "potentials":
            from haven.bench.potentials import run as run_potentials

            if not (1 <= options["cases"] <= 100_000 and 1 <= options["offers"] <= 100_000):
                raise CommandError("--cases and --offers must be 1 to 100,000.")
            if not 1 <= options["repeats"] <= 100:
                raise CommandError("--repeats must be 1 to 100.")
            run_potentials(
                options["cases"],
                options["offers"],
                options["repeats"],
                options["json"],
                self.stdout.write,
            )
        elif options["kind"] == "match":
            from haven.matching.engine.bench import render

            def refuse(message: str) -> None:
                raise CommandError(message)

            self.stdout.write(render(options, refuse))
        elif options["kind"] == "online":
            from haven.matching.engine.online_bench import render as render_online

            def refuse_online(message: str) -> None:
                raise CommandError(message)

            self.stdout.write(render_online(options, refuse_online))
        elif options["kind"] == "referral":
            if not 0 < options["megabytes"] <= 8 or not 1 <= options["rounds"] <= 20:
                raise CommandError("--megabytes must be above 0 and at most 8; --rounds 1 to 20.")
            from haven.bench.referral import run as run_referral

            run_referral(
                megabytes=options["megabytes"],
                rounds=options["rounds"],
                as_json=options["json"],
                out=self.stdout.write,
            )

    def _intake(self, options: dict[str, Any]) -> None:
        from haven.bench.intake import BenchRefused, run

        try:
            rates = [int(rate) for rate in options["rates"].split(",") if rate.strip()]
        except ValueError:
            raise CommandError("--rates takes whole numbers, for example 100,200,300.") from None
        if any(rate < 1 for rate in rates) or not 1 <= options["seconds"] <= 120:
            raise CommandError("Rates must be positive and --seconds between 1 and 120.")
        try:
            run(
                rates=rates,
                seconds=options["seconds"],
                workers=options["workers"],
                threads=options["threads"],
                port=options["port"],
                as_json=options["json"],
                out=self.stdout.write,
            )
        except BenchRefused as refusal:
            raise CommandError(str(refusal)) from None
