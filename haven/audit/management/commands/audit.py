from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from haven.audit.queries import pending_events, verify_chain
from haven.audit.services import link_pending


class Command(BaseCommand):
    help = "Work with the audit chain. `haven audit verify` checks every link."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        verify = actions.add_parser(
            "verify",
            help="Recompute the hash chain; report the first edited, deleted or reordered event, "
            "and how many anonymous events wait to be linked.",
        )
        verify.add_argument(
            "--link",
            action="store_true",
            help="First link the waiting events into the chain (haven worker does this every "
            "few seconds).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["link"]:
            self.stdout.write(f"Linked {link_pending()} waiting events into the chain.")
        report = verify_chain()
        if not report.intact:
            raise CommandError(f"Audit chain broken at event #{report.broken_at}: {report.problem}")
        self.stdout.write(f"Audit chain intact: {report.checked} events checked.")
        waiting, oldest = pending_events()
        if waiting:
            self.stdout.write(
                f"{waiting} anonymous events wait to be linked (the oldest from the hour "
                f"{oldest:%Y-%m-%d %H}:00); `haven worker` links them, or `haven audit verify "
                "--link`."
            )
