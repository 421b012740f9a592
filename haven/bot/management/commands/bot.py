import asyncio
import os
import signal
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from haven.accounts.models import Organisation
from haven.bot.conversation import FrontDoor
from haven.bot.matrix import MatrixBot
from haven.bot.services import key_store_passphrase


def _password() -> str:
    file_name = os.environ.get("HAVEN_BOT_PASSWORD_FILE")
    if file_name:
        try:
            return Path(file_name).read_text().strip()
        except OSError as error:
            raise CommandError(f"HAVEN_BOT_PASSWORD_FILE cannot be read: {error}") from None
    password = os.environ.get("HAVEN_BOT_PASSWORD", "")
    if not password:
        raise CommandError(
            "Set HAVEN_BOT_PASSWORD_FILE (a file holding the bot account's password) or "
            "HAVEN_BOT_PASSWORD."
        )
    return password


def _organisation(slug: str) -> Organisation:
    taking = Organisation.objects.filter(accepts_requests=True)
    if slug:
        found = taking.filter(slug=slug).first()
        if found is None:
            raise CommandError(f"No organisation with the slug {slug!r} takes requests here.")
        return found
    if taking.count() != 1:
        raise CommandError(
            "Name the organisation the bot's requests go to: --organisation SLUG "
            "(or HAVEN_BOT_ORGANISATION)."
        )
    return taking.get()


class Command(BaseCommand):
    help = (
        "Run the Matrix bot: a front door that takes the web form's request in a chat, in Russian "
        "or English, gives the codename, passes messages between the person and the volunteers, "
        "and answers /status; also sends the Matrix notifications (counts alone) of the "
        "organisation's members who chose Matrix. The account's password comes from "
        "HAVEN_BOT_PASSWORD_FILE or HAVEN_BOT_PASSWORD. Chats with encryption turned on are "
        "end-to-end encrypted; the bot's keys are kept in var/bot/keys (docs/bot.md)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--homeserver",
            default=settings.HAVEN_BOT_HOMESERVER,
            help="The homeserver's address, e.g. https://matrix.example.org "
            "(default: HAVEN_BOT_HOMESERVER).",
        )
        parser.add_argument(
            "--user",
            default=settings.HAVEN_BOT_USER,
            help="The bot's Matrix account, e.g. @haven:example.org (default: HAVEN_BOT_USER).",
        )
        parser.add_argument(
            "--organisation",
            default=settings.HAVEN_BOT_ORGANISATION,
            help="The slug of the organisation the requests go to (default: "
            "HAVEN_BOT_ORGANISATION, or the only one taking requests).",
        )
        parser.add_argument(
            "--poll",
            type=float,
            default=float(settings.HAVEN_BOT_POLL_SECONDS),
            help="Seconds between looks for the volunteers' new answers "
            "(default: HAVEN_BOT_POLL_SECONDS, 10).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["homeserver"] or not options["user"]:
            raise CommandError(
                "Name the homeserver and the bot's account: --homeserver and --user "
                "(or HAVEN_BOT_HOMESERVER and HAVEN_BOT_USER)."
            )
        organisation = _organisation(options["organisation"])
        bot = MatrixBot(
            front_door=FrontDoor(organisation=organisation),
            homeserver=options["homeserver"],
            user=options["user"],
            password=_password(),
            sync_token_file=Path(settings.DATA_DIR) / "bot" / "sync-token",
            poll_seconds=options["poll"],
            key_store=Path(settings.DATA_DIR) / "bot" / "keys",
            key_store_passphrase=key_store_passphrase(),
        )
        self.stdout.write(
            f"haven bot: {options['user']} on {options['homeserver']}, for {organisation.slug}"
        )
        asyncio.run(self._run(bot))

    async def _run(self, bot: MatrixBot) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await bot.run(stop)
