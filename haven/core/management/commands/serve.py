import os
import sys
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Haven with gunicorn. In production put a reverse proxy (and Tor) in front."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on.")
        parser.add_argument("--port", type=int, default=8000, help="Port to listen on.")
        parser.add_argument(
            "--workers", type=int, default=2, help="Web processes (default 2; about one per core)."
        )
        parser.add_argument(
            "--threads", type=int, default=4, help="Threads per process (default 4)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        serve(options["host"], options["port"], options["workers"], options["threads"])


def serve(host: str, port: int, workers: int, threads: int) -> None:
    """Replace this process with gunicorn serving haven.wsgi."""
    command = gunicorn_command(host, port, workers, threads)
    os.environ["HAVEN_DATA_DIR"] = str(settings.DATA_DIR)
    os.execv(sys.executable, command)  # noqa: S606  # fixed arguments, no shell


def gunicorn_command(host: str, port: int, workers: int, threads: int) -> list[str]:
    """The production server's command line; `haven bench intake` starts the very same."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "haven.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-class",
        "gthread",
        # Request lines carry paths only, and Haven's paths carry no personal data.
        "--access-logfile",
        "-",
        "--access-logformat",
        '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms',
        "--forwarded-allow-ips",
        os.environ.get("HAVEN_FORWARDED_ALLOW_IPS", "127.0.0.1"),
    ]
