import getpass
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from haven.accounts.models import Organisation
from haven.accounts.services import organisation_create


class Command(BaseCommand):
    help = "Create or list organisations. Creating one makes its key pair and first coordinator."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser(
            "create", help="Create an organisation and its first coordinator."
        )
        create.add_argument("--slug", required=True, help="Short name used in addresses, e.g. ark.")
        create.add_argument("--name", required=True, help="The organisation's name.")
        create.add_argument(
            "--coordinator", required=True, help="Login name of the first coordinator."
        )
        create.add_argument(
            "--passphrase-file",
            type=Path,
            help="Read the coordinator's passphrase from this file ('-' for standard input) "
            "instead of asking for it twice.",
        )
        actions.add_parser("list", help="List organisations.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            for organisation in Organisation.objects.order_by("slug"):
                members = organisation.members.count()
                self.stdout.write(f"{organisation.slug}\t{organisation.name}\t{members} members")
            return
        passphrase = self._passphrase(options["passphrase_file"])
        try:
            organisation, coordinator = organisation_create(
                slug=options["slug"],
                name=options["name"],
                coordinator_handle=options["coordinator"],
                coordinator_passphrase=passphrase,
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stdout.write(
            f"Created {organisation.name} ({organisation.slug}) with coordinator "
            f"{coordinator.handle}. Its private key exists only wrapped for that coordinator."
        )

    def _passphrase(self, source: Path | None) -> str:
        if source is not None:
            text = sys.stdin.read() if str(source) == "-" else source.read_text(encoding="utf-8")
            return text.rstrip("\n")
        if not sys.stdin.isatty():
            raise CommandError("No terminal to ask for a passphrase: give --passphrase-file.")
        first = getpass.getpass("Coordinator's passphrase (at least 12 characters): ")
        if getpass.getpass("Again: ") != first:
            raise CommandError("The two passphrases differ.")
        return first
