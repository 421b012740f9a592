from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from haven.ops.demo import PAST_REQUESTS, load_demo
from haven.ops.management.commands.serve import default_workers, serve


class Command(BaseCommand):
    help = (
        "Set up the demo network on the embedded database (migrate, load an organisation, its "
        "coordinator, a few hundred sealed requests, eight weeks of past requests whose figures it "
        "publishes, and crossing reports on the situation board) and serve it on http://127.0.0.1:8000."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--port", type=int, default=8000, help="Port (default 8000).")
        parser.add_argument(
            "--data-dir",
            help="Keep the database and development secrets in this folder instead of ./var "
            "(the haven command applies it before anything else is read).",
        )
        parser.add_argument("--requests", type=int, default=300, help="Demo requests to load.")
        parser.add_argument(
            "--volunteers",
            type=int,
            default=200,
            help="Demo hosts, counselors and drivers to load (each joins through vouching).",
        )
        parser.add_argument(
            "--past-requests",
            type=int,
            default=PAST_REQUESTS,
            help="Demo requests of the eight weeks before, for the published figures "
            f"(default {PAST_REQUESTS}).",
        )
        parser.add_argument(
            "--no-serve", action="store_true", help="Set up the data, print the login, stop."
        )
        parser.add_argument(
            "--code",
            action="store_true",
            help="Print the demo coordinator's current second-factor code and stop.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        login = load_demo(
            requests=options["requests"],
            volunteers=options["volunteers"],
            past_requests=options["past_requests"],
        )
        if options["code"]:
            self.stdout.write(login.current_code())
            return
        verb = "Created" if login.created else "Found"
        self.stdout.write(
            f"{verb} the demo network in {settings.DATA_DIR}.\n"
            f"  Requester pages: http://127.0.0.1:{options['port']}/ru/ (or /en/)\n"
            f"  Border crossings: http://127.0.0.1:{options['port']}/ru/situation/\n"
            f"  Public figures: http://127.0.0.1:{options['port']}/ru/figures/org/demo/ and "
            "/ru/figures/network/\n"
            f"  Volunteer login: http://127.0.0.1:{options['port']}/en/accounts/login/\n"
            f"    name: {login.handle}\n    passphrase: {login.passphrase}\n"
            f"    second factor: add the key {login.totp_secret} to an authenticator app, or get\n"
            f"      the current code with: .venv/bin/haven demo --code\n"
            "  This is demo data on a development install: do not use it for real people."
        )
        if not options["no_serve"]:
            serve("127.0.0.1", options["port"], workers=default_workers(), threads=1)
