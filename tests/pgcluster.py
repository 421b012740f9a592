"""A throwaway PostgreSQL cluster of the test's own, on a free loopback port under a temporary
directory, so a test may crash and restart it without touching the server other tests share."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _as_postgres(command: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; the Debian package's user runs it instead.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


def _free_port() -> int:
    for port in range(8790, 8800):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    pytest.skip("no free port in 8790-8799 for a private PostgreSQL")


@dataclass
class Cluster:
    directory: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/haven"

    def pg_ctl(self, *arguments: str) -> None:
        subprocess.run(  # fixed arguments, no shell
            _as_postgres(["pg_ctl", "-D", str(self.directory / "data"), "-w", *arguments]),
            check=True,
            capture_output=True,
            timeout=60,
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1"
        self.pg_ctl("-l", str(self.directory / "log"), "-o", options, "start")

    def crash(self) -> None:
        """Stop as a power cut would: no checkpoint, recovery from the WAL at the next start."""
        self.pg_ctl("-m", "immediate", "stop")

    def haven(self, *arguments: str, environment: dict[str, str]) -> str:
        """Run a `haven` command against this cluster; return what it printed."""
        done = subprocess.run(  # fixed arguments, no shell
            [sys.executable, "-c", "from haven.cli import main; main()", *arguments],
            env={**os.environ, **environment},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            cwd=ROOT,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout


@contextmanager
def private_cluster() -> Iterator[Cluster]:
    """initdb, start, create the `haven` database; stop and delete it all afterwards."""
    for tool in ("initdb", "pg_ctl", "createdb"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is missing: install Debian's postgresql package")
    directory = Path(tempfile.mkdtemp(prefix="haven-pg-", dir="/tmp"))
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
    cluster = Cluster(directory, _free_port())
    try:
        subprocess.run(  # fixed arguments, no shell
            _as_postgres(
                ["initdb", "-D", str(directory / "data"), "-A", "trust", "-U", "postgres"]
            ),
            check=True,
            capture_output=True,
            timeout=120,
        )
        cluster.start()
        subprocess.run(  # fixed arguments, no shell
            ["createdb", "-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres", "haven"],
            check=True,
            capture_output=True,
            timeout=60,
        )
        yield cluster
    finally:
        if (directory / "data" / "postmaster.pid").exists():
            subprocess.run(  # fixed arguments, no shell
                _as_postgres(["pg_ctl", "-D", str(directory / "data"), "-m", "immediate", "stop"]),
                capture_output=True,
                timeout=60,
                check=False,
            )
        shutil.rmtree(directory, ignore_errors=True)
