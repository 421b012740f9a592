from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from haven.cases.retention import shred_due


class Command(BaseCommand):
    help = (
        "Shred the cases whose retention period is over: destroy their keys and sealed data, "
        "keep their coarse rows for statistics. `haven worker` runs this daily."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--due",
            action="store_true",
            help="Shred every resolved or closed case older than its organisation's retention "
            "period (haven org set SLUG --retention-days N; default 90).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["due"]:
            raise CommandError("Say what to shred: --due shreds the cases past their retention.")
        count = shred_due()
        self.stdout.write(f"Shredded {count} case{'s' if count != 1 else ''} past retention.")
