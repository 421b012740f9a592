"""The `haven` command as an admin uses it, in its own processes, on a throwaway data directory."""

import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import SQLITE_HALF_ONLY

# Each command runs in its own process on a throwaway SQLite data directory, whichever database
# the half runs on: the PostgreSQL half would only run the same commands a second time.
pytestmark = SQLITE_HALF_ONLY

ROOT = Path(__file__).resolve().parents[2]


def _haven(
    data_dir: Path, *arguments: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {
        **{key: value for key, value in os.environ.items() if not key.startswith("HAVEN_")},
        "HAVEN_ENV": "development",
        "HAVEN_MEMBER_KDF": "interactive",
        "PYTEST_VERSION": "",
    }
    environment.pop("PYTEST_VERSION")
    return subprocess.run(
        [sys.executable, "-m", "haven.cli", "--data-dir", str(data_dir), *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        input=stdin,
        timeout=300,
    )


def _create_ark(data_dir: Path) -> subprocess.CompletedProcess[str]:
    """`haven org create` for Ark, with the passphrase on standard input."""
    return _haven(
        data_dir,
        "org",
        "create",
        "--slug",
        "ark",
        "--name",
        "Ark",
        "--coordinator",
        "anna",
        "--passphrase-file",
        "-",
        stdin="a passphrase of several words\n",
    )


def test_help_lists_havens_commands(tmp_path: Path) -> None:
    result = _haven(tmp_path, "--help")
    assert result.returncode == 0
    for command in ("demo", "serve", "org", "audit"):
        assert f"  {command}" in result.stdout


def test_demo_loads_a_sealed_network_once_and_prints_the_login(tmp_path: Path) -> None:
    first = _haven(
        tmp_path,
        "demo",
        "--no-serve",
        "--requests",
        "25",
        "--volunteers",
        "16",
        "--past-requests",
        "20",
    )
    assert first.returncode == 0, first.stderr
    assert "Created the demo network" in first.stdout
    passphrase = first.stdout.split("passphrase: ")[1].split()[0]
    again = _haven(tmp_path, "demo", "--no-serve")
    assert "Found the demo network" in again.stdout
    assert passphrase in again.stdout
    code = _haven(tmp_path, "demo", "--code").stdout.strip()
    assert re.fullmatch(r"\d{6}", code)
    with sqlite3.connect(tmp_path / "haven.sqlite3") as database:
        assert database.execute("SELECT count(*) FROM cases_case").fetchone()[0] == 45
        # The weeks before have outcomes, the figures are published, the board has reports.
        assert database.execute(
            "SELECT count(*) FROM cases_case WHERE ended_hour IS NOT NULL"
        ).fetchone()[0]
        assert database.execute("SELECT public AND network FROM reports_sharing").fetchone() == (1,)
        assert database.execute("SELECT count(*) FROM situation_crossingreport").fetchone()[0] >= 10
        # Twelve founders, four who joined through vouching, the coordinator and a counselor.
        assert database.execute("SELECT count(*) FROM accounts_member").fetchone()[0] == 18
        assert (
            database.execute(
                "SELECT count(*) FROM volunteers_application WHERE status = 'pending'"
            ).fetchone()[0]
            == 1
        )
        assert (
            database.execute(
                "SELECT count(*) FROM accounts_member WHERE suspended_at IS NOT NULL"
            ).fetchone()[0]
            == 1
        )
        # The code the demo prints right away still logs in: setting up spent none.
        step = database.execute(
            "SELECT totp_last_step FROM accounts_member WHERE handle = 'coordinator'"
        ).fetchone()[0]
        assert step == 0
        assert database.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert (tmp_path / "demo-login.txt").stat().st_mode & 0o077 == 0
    verified = _haven(tmp_path, "audit", "verify")
    assert verified.returncode == 0
    assert "Audit chain intact" in verified.stdout


def test_org_create_reads_the_passphrase_and_refuses_a_short_one(tmp_path: Path) -> None:
    assert _haven(tmp_path, "migrate", "--verbosity", "0").returncode == 0
    short = _haven(
        tmp_path,
        "org",
        "create",
        "--slug",
        "ark",
        "--name",
        "Ark",
        "--coordinator",
        "anna",
        "--passphrase-file",
        "-",
        stdin="short\n",
    )
    assert short.returncode != 0
    assert "at least 12 characters" in short.stderr
    made = _create_ark(tmp_path)
    assert made.returncode == 0, made.stderr
    listed = _haven(tmp_path, "org", "list")
    assert "ark\tArk\t1 members" in listed.stdout


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_answers_on_loopback(tmp_path: Path) -> None:
    assert _haven(tmp_path, "migrate", "--verbosity", "0").returncode == 0
    port = _free_port()
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("HAVEN_") and key != "PYTEST_VERSION"
    }
    environment["HAVEN_ENV"] = "development"
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "haven.cli",
            "--data-dir",
            str(tmp_path),
            "serve",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=log,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/healthz", timeout=2
                ) as answer:  # loopback
                    assert answer.read() == b"ok"
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail(
                        "haven serve did not answer:\n" + (tmp_path / "serve.log").read_text()
                    )
                time.sleep(0.3)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/ru/", timeout=5) as page:
            assert "script-src 'none'" in page.headers["Content-Security-Policy"]
    finally:
        server.send_signal(signal.SIGINT)  # what Ctrl-C sends: gunicorn's quick shutdown
        server.wait(timeout=30)
        log.close()


def test_bench_desk_prints_every_figure_as_json(tmp_path: Path) -> None:
    assert _haven(tmp_path, "migrate", "--verbosity", "0").returncode == 0
    result = _haven(tmp_path, "bench", "desk", "--requests", "300", "--repeats", "3", "--json")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["requests"] == 300
    assert figures["database"] == "sqlite"
    assert "list, first page" in figures["queries"]
    for query in figures["queries"].values():
        assert query["p95_ms"] >= query["p50_ms"] > 0


def test_bench_match_prints_each_method_and_the_bound_as_json(tmp_path: Path) -> None:
    result = _haven(tmp_path, "bench", "match", "--requests", "300", "--offers", "100", "--json")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    for method in ("fcfs", "greedy", "haven"):
        assert 0 < figures[method]["ratio_to_lp"] <= 1.0 + 1e-9
    refused = _haven(tmp_path, "bench", "match", "--methods", "magic")
    assert refused.returncode != 0
    assert "unknown method" in refused.stderr


def test_worker_once_runs_what_is_due(tmp_path: Path) -> None:
    assert _haven(tmp_path, "migrate", "--verbosity", "0").returncode == 0
    first = _haven(tmp_path, "worker", "--once")
    assert first.returncode == 0, first.stderr
    ran = (
        "ran: link-audit, match, potentials, expire-proposals, forget-rate-counters, shred-due, "
        "knowledge-review, notify, deliver-referrals"
    )
    assert ran in first.stdout
    # Run again at once, nothing but the jobs of a few seconds can be due (on a loaded machine
    # the two starts may lie more than their five seconds apart).
    again = _haven(tmp_path, "worker", "--once").stdout
    ran_again = set(again.strip().removeprefix("ran: ").split(", "))
    assert "nothing was due" in again or ran_again <= {"link-audit", "deliver-referrals"}, again


def test_org_set_changes_the_rules_and_refuses_impossible_weights(tmp_path: Path) -> None:
    assert _haven(tmp_path, "migrate", "--verbosity", "0").returncode == 0
    assert _create_ark(tmp_path).returncode == 0
    done = _haven(
        tmp_path,
        "org",
        "set",
        "ark",
        "--vouches",
        "3",
        "--radius-km",
        "150",
        "--second-factor-for-everyone",
        "yes",
    )
    assert done.returncode == 0, done.stderr
    assert "3 vouches" in done.stdout and "'radius_km': 150.0" in done.stdout
    refused = _haven(tmp_path, "org", "set", "ark", "--language-penalty", "9")
    assert refused.returncode != 0
    assert "largest penalty" in refused.stderr


def test_serve_runs_sync_workers_unless_asked_for_threads() -> None:
    from haven.ops.management.commands.serve import default_workers, gunicorn_command

    def worker_class(threads: int) -> str:
        command = gunicorn_command("127.0.0.1", 8000, 3, threads)
        return command[command.index("--worker-class") + 1]

    assert worker_class(1) == "sync"
    assert worker_class(4) == "gthread"
    assert default_workers() == (os.cpu_count() or 1) + 1


def test_knowledge_stale_lists_the_review_queue_and_editor_grants_the_role(
    tmp_path: Path,
) -> None:
    assert _haven(tmp_path, "migrate", "--verbosity", "0").returncode == 0
    stale = _haven(tmp_path, "knowledge", "stale")
    assert stale.returncode == 0, stale.stderr
    lines = stale.stdout.splitlines()
    assert re.match(r"\d+ facts wait for a check, \d+ about a danger\.", lines[0])
    assert " danger high " in lines[1]  # the most dangerous first
    assert _create_ark(tmp_path).returncode == 0
    missing = _haven(tmp_path, "knowledge", "editor", "anna")
    assert missing.returncode != 0 and "--by" in missing.stderr
    granted = _haven(tmp_path, "knowledge", "editor", "anna", "--by", "anna")
    assert granted.returncode == 0, granted.stderr
    assert "anna now verifies and edits the knowledge base." in granted.stdout
