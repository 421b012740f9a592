import signal
import time
from argparse import ArgumentParser
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand

from haven.ops.worker import JOBS, run_due


class Command(BaseCommand):
    help = (
        "Run Haven's recurring jobs (linking anonymous audit events into the chain every 5 "
        "seconds, the optimiser's surge signal every 15 minutes, the offers' potentials for "
        "suggested beds every 5 minutes, expiring unanswered placement "
        "proposals every 5 minutes, clearing old rate counters "
        "hourly, shredding cases past retention daily). Run one or more; each job runs once per "
        "interval across them all."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--once", action="store_true", help="Run what is due, then stop.")
        parser.add_argument(
            "--poll", type=float, default=5.0, help="Seconds between looks for due jobs."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        names = ", ".join(f"{job.name} (every {job.every})" for job in JOBS)
        if options["once"]:
            ran = run_due()
            self.stdout.write(f"ran: {', '.join(ran) or 'nothing was due'}")
            return
        self.stdout.write(f"haven worker: {names}")
        stopping = False

        def stop(signum: int, frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        while not stopping:
            for name in run_due():
                self.stdout.write(f"ran {name}")
            time.sleep(options["poll"])
