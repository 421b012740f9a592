"""A rotation killed part way (SIGKILL, as a crash or a power cut would stop it) resumes where it
stopped when the command is run again, and ends with the old key opening nothing stored."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import SQLITE_HALF_ONLY

# The rotation runs in its own processes on a throwaway SQLite data directory, whichever database
# the half runs on: the PostgreSQL half would only run it a second time.
pytestmark = SQLITE_HALF_ONLY

ROOT = Path(__file__).resolve().parents[2]
PASSPHRASE = "correct horse battery staple"
CASES = 1500

LOAD = f"""
from haven.accounts.models import Organisation
from haven.bench.desk import load
load(Organisation.objects.get(slug="ark"), {CASES})
"""
# Prints the organisation's current private key, through the coordinator's passphrase.
KEY = f"""
from haven.accounts.credentials import member_unlock
from haven.accounts.unlock import Keyring
unlocked = member_unlock(handle="anna", passphrase={PASSPHRASE!r})
keyring = Keyring(member=unlocked.member, _private=unlocked.private_key)
print(keyring.organisation_private_key().hex())
"""
# Counts the cases whose key the given private key opens.
OPENS = """
from haven.cases.models import Case
from haven.crypto import WrongKey
from haven.crypto.keys import open_sealed
private = bytes.fromhex({key!r})
opened = 0
for case in Case.objects.all():
    try:
        open_sealed(private, bytes(case.sealed_key))
    except WrongKey:
        continue
    opened += 1
print(opened)
"""


def _environment() -> dict[str, str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("HAVEN_") and key != "PYTEST_VERSION"
    }
    environment.update(
        {
            "HAVEN_ENV": "development",
            "HAVEN_MEMBER_KDF": "min",
            "HAVEN_ROTATION_SETTLE_SECONDS": "0",
        }
    )
    return environment


def _haven(data_dir: Path, *arguments: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "haven.cli", "--data-dir", str(data_dir), *arguments],
        cwd=ROOT,
        env=_environment(),
        capture_output=True,
        text=True,
        input=stdin,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _shell(data_dir: Path, code: str) -> str:
    """What a snippet run by `haven shell -c` printed last."""
    return _haven(data_dir, "shell", "--no-imports", "-c", code).strip().splitlines()[-1]


def _rotate_command(data_dir: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "haven.cli",
        "--data-dir",
        str(data_dir),
        "org",
        "rotate-key",
        "ark",
        "--coordinator",
        "anna",
        "--passphrase-file",
        "-",
        "--batch-size",
        "50",
    ]


def test_a_rotation_killed_part_way_resumes_and_finishes(tmp_path: Path) -> None:
    _haven(tmp_path, "migrate", "--verbosity", "0")
    _haven(
        tmp_path,
        *("org", "create", "--slug", "ark", "--name", "Ark", "--coordinator", "anna"),
        *("--passphrase-file", "-"),
        stdin=PASSPHRASE + "\n",
    )
    _haven(tmp_path, "shell", "--no-imports", "-c", LOAD)
    old_key = _shell(tmp_path, KEY)
    assert _shell(tmp_path, OPENS.format(key=old_key)) == str(CASES)

    running = subprocess.Popen(  # our own command, fixed arguments
        _rotate_command(tmp_path),
        cwd=ROOT,
        env=_environment(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert running.stdin is not None and running.stdout is not None
    running.stdin.write(PASSPHRASE + "\n")
    running.stdin.close()
    deadline = time.monotonic() + 120
    progress = 0
    while time.monotonic() < deadline:
        line = running.stdout.readline()
        if "cases.Case" in line:
            progress += 1
        if progress >= 3:
            break
    running.send_signal(signal.SIGKILL)
    running.wait(timeout=30)
    assert progress >= 3, "the rotation printed no progress before it was killed"
    left = int(_shell(tmp_path, OPENS.format(key=old_key)))
    # Killed part way: some cases re-sealed, some not yet, none lost.
    assert 0 < left < CASES

    resumed = _haven(tmp_path, *_rotate_command(tmp_path)[5:], stdin=PASSPHRASE + "\n")
    assert "resuming" in resumed
    assert "rotation finished" in resumed
    assert _shell(tmp_path, OPENS.format(key=old_key)) == "0"
    new_key = _shell(tmp_path, KEY)
    assert new_key != old_key
    assert _shell(tmp_path, OPENS.format(key=new_key)) == str(CASES)
    _haven(tmp_path, "audit", "verify")
