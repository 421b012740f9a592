"""A real Matrix homeserver (Synapse) on loopback for the bot's tests.

Synapse pins many packages of its own, so it lives in a virtualenv of its own,
var/test/synapse-venv, built once from requirements-synapse.txt and kept while that file is
unchanged. The homeserver gets a fresh generated configuration on a free port of 127.0.0.1: no
federation listener, no key servers, no statistics, SQLite, and registration only by shared
secret, which is how the tests make their accounts.
"""

import fcntl
import hashlib
import hmac
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / "var" / "test" / "synapse-venv"
PINS = ROOT / "requirements-synapse.txt"
SERVER_NAME = "haven.test"


class SynapseUnavailable(Exception):
    """Synapse could not be installed or started here; the message says why."""


def _venv_python() -> Path:
    return VENV / "bin" / "python"


def install() -> float:
    """Build the virtualenv if requirements-synapse.txt changed since; returns seconds spent.
    Test processes running side by side take turns, so only the first one builds it."""
    VENV.parent.mkdir(parents=True, exist_ok=True)
    with (VENV.parent / "synapse-venv.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            return _install()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _install() -> float:
    stamp = VENV / ".pins"
    pins = PINS.read_bytes()
    if stamp.exists() and stamp.read_bytes() == pins and _venv_python().exists():
        return 0.0
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True)
    done = subprocess.run(
        [str(_venv_python()), "-m", "pip", "install", "--quiet", "--no-deps", "-r", str(PINS)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SynapseUnavailable(f"pip could not install Synapse:\n{done.stderr[-2000:]}")
    stamp.write_bytes(pins)
    return time.monotonic() - started


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _config(directory: Path, port: int, shared_secret: str) -> str:
    log_config = directory / "log.yaml"
    log_config.write_text(
        "version: 1\n"
        "formatters: {plain: {format: '%(asctime)s %(name)s %(levelname)s %(message)s'}}\n"
        "handlers:\n"
        f"  file: {{class: logging.FileHandler, filename: '{directory / 'synapse.log'}',"
        " formatter: plain}\n"
        "root: {level: WARNING, handlers: [file]}\n"
        "disable_existing_loggers: false\n"
    )
    config = {
        "server_name": SERVER_NAME,
        "pid_file": str(directory / "synapse.pid"),
        "listeners": [
            {
                "port": port,
                "bind_addresses": ["127.0.0.1"],
                "type": "http",
                "tls": False,
                "x_forwarded": False,
                "resources": [{"names": ["client"], "compress": False}],
            }
        ],
        "database": {"name": "sqlite3", "args": {"database": str(directory / "homeserver.db")}},
        "log_config": str(log_config),
        "media_store_path": str(directory / "media"),
        "signing_key_path": str(directory / "signing.key"),
        "registration_shared_secret": shared_secret,
        "enable_registration": False,
        "macaroon_secret_key": secrets.token_hex(32),
        "form_secret": secrets.token_hex(32),
        "report_stats": False,
        "enable_metrics": False,
        "trusted_key_servers": [],
        "suppress_key_server_warning": True,
        "federation_domain_whitelist": [],
        "url_preview_enabled": False,
        "presence": {"enabled": False},
        # The tests talk fast; the homeserver's own flood limits are not what they test.
        "rc_message": {"per_second": 1000, "burst_count": 1000},
        "rc_login": {
            "address": {"per_second": 1000, "burst_count": 1000},
            "account": {"per_second": 1000, "burst_count": 1000},
            "failed_attempts": {"per_second": 1000, "burst_count": 1000},
        },
        "rc_joins": {"local": {"per_second": 1000, "burst_count": 1000}},
        "rc_invites": {
            "per_room": {"per_second": 1000, "burst_count": 1000},
            "per_user": {"per_second": 1000, "burst_count": 1000},
        },
    }
    # JSON is YAML, so no YAML writer is needed on Haven's side.
    return json.dumps(config, indent=2)


@dataclass
class Homeserver:
    """A running Synapse: where it listens and how to make accounts on it."""

    url: str
    directory: Path
    shared_secret: str
    process: subprocess.Popen[bytes]
    install_seconds: float
    start_seconds: float

    def register(self, user: str, password: str) -> str:
        """Make an account through the shared-secret admin API; returns its Matrix user id."""
        endpoint = f"{self.url}/_synapse/admin/v1/register"
        with urllib.request.urlopen(endpoint, timeout=10) as response:  # noqa: S310  # loopback
            nonce = json.load(response)["nonce"]
        mac = hmac.new(self.shared_secret.encode(), digestmod=hashlib.sha1)
        mac.update(b"\x00".join([nonce.encode(), user.encode(), password.encode(), b"notadmin"]))
        body = {
            "nonce": nonce,
            "username": user,
            "password": password,
            "admin": False,
            "mac": mac.hexdigest(),
        }
        request = urllib.request.Request(  # noqa: S310  # loopback
            endpoint,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310  # loopback
            return str(json.load(response)["user_id"])

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


def start(directory: Path) -> Homeserver:
    """Install (once) and start Synapse in `directory`; returns when it answers."""
    install_seconds = install()
    directory.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    shared_secret = secrets.token_hex(16)
    config_path = directory / "homeserver.yaml"
    config_path.write_text(_config(directory, port, shared_secret))
    started = time.monotonic()
    python = str(_venv_python())
    keys = subprocess.run(
        [python, "-m", "synapse.app.homeserver", "-c", str(config_path), "--generate-keys"],
        capture_output=True,
        text=True,
        check=False,
    )
    if keys.returncode != 0:
        raise SynapseUnavailable(f"Synapse could not make its keys:\n{keys.stderr[-2000:]}")
    log = (directory / "stdout.log").open("wb")
    process = subprocess.Popen(
        [python, "-m", "synapse.app.homeserver", "-c", str(config_path)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "SYNAPSE_NO_TLS": "1"},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = (directory / "stdout.log").read_text(errors="replace")[-2000:]
            raise SynapseUnavailable(f"Synapse stopped at start:\n{tail}")
        try:
            with urllib.request.urlopen(f"{url}/_matrix/client/versions", timeout=2):  # noqa: S310  # loopback
                break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        raise SynapseUnavailable("Synapse did not answer within 90 seconds")
    return Homeserver(
        url=url,
        directory=directory,
        shared_secret=shared_secret,
        process=process,
        install_seconds=install_seconds,
        start_seconds=time.monotonic() - started,
    )
