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
            "--workers",
            type=int,
            default=default_workers(),
            help=f"Web processes (default: cores + 1, here {default_workers()}).",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=1,
            help="Threads per process. 1 (the default) runs gunicorn's sync workers, one request "
            "at a time each, behind the buffering reverse proxy of docs/deploy.md; more runs "
            "gthread workers.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        serve(options["host"], options["port"], options["workers"], options["threads"])


def serve(host: str, port: int, workers: int, threads: int) -> None:
    """Replace this process with gunicorn serving haven.wsgi."""
    command = gunicorn_command(host, port, workers, threads)
    os.environ["HAVEN_DATA_DIR"] = str(settings.DATA_DIR)
    os.execv(sys.executable, command)  # noqa: S606  # fixed arguments, no shell


def default_workers() -> int:
    """One web process per core, and one more to use a core while another waits on the database."""
    return (os.cpu_count() or 1) + 1


def gunicorn_command(host: str, port: int, workers: int, threads: int) -> list[str]:
    """The production server's command line; `haven bench intake` starts the very same.

    With one thread, sync workers: measured on 2 cores they answer more intakes, with a lower
    p99, than gthread's threads, which contend for one interpreter lock per process and, with
    keep-alive clients, let one process hoard the connections while the other idles
    (docs/performance.md). A sync worker reads a request and writes its answer at the speed of
    the client, so it must sit behind a proxy that buffers both, as nginx does by default.

    `--preload` loads and readies the application once, in the master (haven.core.warm), so that
    every worker, and every worker started again after a crash, takes its first request ready
    instead of spending a second and a half importing while requests queue behind it.
    """
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
        "sync" if threads == 1 else "gthread",
        "--preload",
        # gunicorn's control interface is not used; without this, every instance on a machine
        # would listen on the same socket in the home directory.
        "--no-control-socket",
        # Request lines carry paths only, and Haven's paths carry no personal data.
        "--access-logfile",
        "-",
        "--access-logformat",
        '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms',
        "--forwarded-allow-ips",
        os.environ.get("HAVEN_FORWARDED_ALLOW_IPS", "127.0.0.1"),
    ]
