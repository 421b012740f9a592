"""Nothing accepted is lost: intake under load through the production server while a web process is
SIGKILLed and PostgreSQL crashes and comes back. Every request answered with a codename is found by
it afterwards, exactly once; while the database is down the form answers 503 with what was typed.

It runs its own throwaway PostgreSQL cluster (tests/pgcluster.py), never the shared server, and
only in the PostgreSQL half of the suite. Bounded: about 40 seconds.
"""

import http.client
import json
import os
import re
import signal
import subprocess
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
from django.utils import timezone

from haven.crypto.codenames import lookup_digest
from haven.ops.management.commands.serve import gunicorn_command
from tests.conftest import is_postgres
from tests.pgcluster import Cluster, private_cluster

pytestmark = pytest.mark.skipif(not is_postgres(), reason="runs in the PostgreSQL half only")

PEPPER = "crash-test-pepper-" + "0" * 32
WEB_PORT = 8781
LOAD_SECONDS = 16
CLIENTS = 6


@dataclass
class Ledger:
    """What the clients were told, and anything they should never have been told."""

    codenames: dict[str, str] = field(default_factory=dict)
    retries: int = 0
    unavailable: int = 0
    server_errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _environment(cluster: Cluster) -> dict[str, str]:
    return {
        "HAVEN_ENV": "development",
        "HAVEN_DATABASE_URL": cluster.url,
        "HAVEN_DATA_DIR": str(cluster.directory / "var"),
        "HAVEN_SECRET_KEY": "crash-test-secret-" + "1" * 32,
        "HAVEN_PEPPER": PEPPER,
        "HAVEN_INTAKE_PER_MINUTE": "1000000",
        "HAVEN_LOG_LEVEL": "ERROR",
    }


def _body(contact: str) -> dict[str, object]:
    return {
        "organisation": "ark",
        "needs": ["shelter"],
        "place": "kz-almaty",
        "group_size": 1,
        "languages": ["ru"],
        "urgency": 4,
        "date_from": timezone.localdate().isoformat(),
        "contact": contact,
        "story": "Crash test.",
    }


def _post(path: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", WEB_PORT, timeout=10)
    try:
        connection.request("POST", path, body=body, headers=headers)
        answer = connection.getresponse()
        return answer.status, answer.read().decode()
    finally:
        connection.close()


def _api_once(key: str) -> tuple[int, str | None]:
    body = json.dumps(_body(f"@api-{key}")).encode()
    headers = {"Content-Type": "application/json", "Idempotency-Key": key}
    status, text = _post("/api/v1/intake", body, headers)
    return status, json.loads(text).get("codename") if status in (200, 201) else None


class FormClient:
    """A browser with JavaScript off: it opens the form once, then sends copies of it."""

    def __init__(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", WEB_PORT, timeout=10)
        connection.request("GET", "/en/help/ark/")
        answer = connection.getresponse()
        page = answer.read().decode()
        cookie = answer.getheader("Set-Cookie", "").split(";")[0]
        connection.close()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token and cookie, page[:300]
        self.token, self.cookie = token[1], cookie

    def fields(self, key: str) -> dict[str, str]:
        values = {k: v for k, v in _body(f"@form-{key}").items() if isinstance(v, str | int)}
        return {
            **{k: str(v) for k, v in values.items() if k != "organisation"},
            "needs": "shelter",
            "languages": "ru",
            "csrfmiddlewaretoken": self.token,
            "submission": key,
        }

    def send(self, fields: dict[str, str]) -> tuple[int, str]:
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": self.cookie}
        return _post("/en/help/ark/", urllib.parse.urlencode(fields).encode(), headers)

    def once(self, key: str) -> tuple[int, str | None]:
        status, page = self.send(self.fields(key))
        found = re.search(r'<p class="codename" id="codename">([^<]+)</p>', page)
        return status, found[1] if status == 201 and found else None


def _client(number: int, until: float, ledger: Ledger) -> None:
    form = FormClient() if number % 2 else None
    sent = 0
    while time.monotonic() < until:
        sent += 1
        key = f"crash-{number:02d}-{sent:06d}-{os.getpid()}"
        # Like a person pressing Send again: the same key until an answer comes.
        while time.monotonic() < until + 20:
            try:
                status, codename = form.once(key) if form else _api_once(key)
            except (OSError, http.client.HTTPException):
                status, codename = 0, None
            if codename is not None:
                with ledger.lock:
                    ledger.codenames[key] = codename
                break
            with ledger.lock:
                ledger.retries += 1
                if status == 503:
                    ledger.unavailable += 1
                if status >= 500 and status != 503:
                    ledger.server_errors.append(f"{status} for {key}")
            time.sleep(0.2)


def _workers(master: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                children.append(int(entry.name))
    return children


def _wait_for_server(process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, "gunicorn stopped"
        try:
            connection = http.client.HTTPConnection("127.0.0.1", WEB_PORT, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("gunicorn did not start")


def test_nothing_answered_is_lost_when_a_web_process_is_killed_and_postgresql_crashes() -> None:
    with private_cluster() as cluster:
        environment = _environment(cluster)
        cluster.haven("migrate", "-v0", environment=environment)
        passphrase = cluster.directory / "passphrase"
        passphrase.write_text("correct horse battery staple")
        cluster.haven(
            "org", "create", "--slug", "ark", "--name", "Ark", "--coordinator", "ark-coordinator",
            "--passphrase-file", str(passphrase), environment=environment,
        )  # fmt: skip
        server = subprocess.Popen(  # fixed arguments, no shell
            gunicorn_command("127.0.0.1", WEB_PORT, 2, 1),
            env={**os.environ, **environment},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_for_server(server)
            probe = FormClient()
            ledger = Ledger()
            until = time.monotonic() + LOAD_SECONDS
            clients = [
                threading.Thread(target=_client, args=(n, until, ledger)) for n in range(CLIENTS)
            ]
            for client in clients:
                client.start()
            time.sleep(3)
            killed = _workers(server.pid)[0]
            os.kill(killed, signal.SIGKILL)
            time.sleep(3)
            assert killed not in _workers(server.pid)
            assert len(_workers(server.pid)) == 2, "gunicorn should have started a new worker"
            cluster.crash()
            time.sleep(1)
            # The database is away: the form comes back with what was typed, as a 503.
            status, page = probe.send(probe.fields("while-the-database-is-down"))
            assert status == 503, page[:500]
            assert "Try again in a minute" in page
            assert 'value="@form-while-the-database-is-down"' in page
            time.sleep(1)
            cluster.start()
            for client in clients:
                client.join(timeout=60)
            assert not any(client.is_alive() for client in clients)
        finally:
            server.terminate()
            server.wait(timeout=30)
        assert not ledger.server_errors, ledger.server_errors[:5]
        assert len(ledger.codenames) > 50, "too little load to prove anything"
        assert ledger.unavailable > 0, "the crash should have been answered with 503s"
        with psycopg.connect(cluster.url.replace("postgres://", "postgresql://")) as db:
            for key, codename in ledger.codenames.items():
                digest = lookup_digest(codename, pepper=PEPPER.encode())
                (found,) = db.execute(
                    "SELECT count(*) FROM cases_case WHERE codename_digest = %s", [digest]
                ).fetchone()  # type: ignore[misc]  # count(*) always returns a row
                assert found == 1, f"{key}: {found} cases for its codename"
            (stored,) = db.execute("SELECT count(*) FROM cases_case").fetchone()  # type: ignore[misc]  # count(*) always returns a row
        # Each key was retried until answered, so every stored case is one answered key.
        assert stored == len(ledger.codenames)
