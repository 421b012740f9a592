"""How a benchmark starts the servers it measures: each a process of its own, started as in
production (`haven serve`'s own gunicorn command line, `haven worker`), on loopback, with its log
kept in a temporary file, and stopped (its log closed) when the bench ends."""

import os
import subprocess
import sys
import tempfile
import time
import urllib.request

from django.conf import settings

from haven.bench.timing import BenchRefused
from haven.ops.management.commands.serve import gunicorn_command

HOST = "127.0.0.1"


class Started:
    """A process the bench started, with its log, stopped (and its log closed) when it ends."""

    def __init__(self, command: list[str], environment: dict[str, str], *, log_all: bool) -> None:
        self.log = tempfile.NamedTemporaryFile(prefix="haven-bench-", suffix=".log")  # noqa: SIM115  # closed in stop()
        self.process = subprocess.Popen(  # noqa: S603  # fixed arguments, no shell
            command,
            env={**os.environ, "HAVEN_DATA_DIR": str(settings.DATA_DIR), **environment},
            stdout=self.log if log_all else subprocess.DEVNULL,
            stderr=self.log,
            start_new_session=True,
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


class Server(Started):
    """gunicorn started with `haven serve`'s own command line, stopped when the bench ends."""

    def __init__(self, port: int, workers: int, threads: int, environment: dict[str, str]) -> None:
        self.base = f"http://{HOST}:{port}"
        # Its standard output is the access log, a line per request: not kept.
        super().__init__(gunicorn_command(HOST, port, workers, threads), environment, log_all=False)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=2) as answer:  # noqa: S310  # loopback URL built above
                    if answer.status == 200:
                        return
            except OSError:  # not listening yet, or still loading Django
                time.sleep(0.2)
        self.stop()
        raise BenchRefused(f"gunicorn did not start on {self.base}; is the port free?")


class JobWorker(Started):
    """`haven worker` beside the server, as in production: it links the intakes' pending audit
    events into the chain every 5 seconds while the loads run."""

    def __init__(self) -> None:
        super().__init__([sys.executable, "-m", "haven.cli", "worker"], {}, log_all=True)
