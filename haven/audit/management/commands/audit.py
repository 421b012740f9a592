from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from haven.audit.queries import verify_chain


class Command(BaseCommand):
    help = "Work with the audit chain. `haven audit verify` checks every link."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser(
            "verify",
            help="Recompute the hash chain; report the first edited, deleted or reordered event.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if not report.intact:
            raise CommandError(f"Audit chain broken at event #{report.broken_at}: {report.problem}")
        self.stdout.write(f"Audit chain intact: {report.checked} events checked.")
