"""The backup and restore of docs/deploy.md, run for real: pg_dump into an encrypted file, restore
it into an empty database, and open a request there with the codename and the coordinator's
passphrase. Runs on a throwaway PostgreSQL cluster of its own, in the PostgreSQL half only."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import is_postgres
from tests.pgcluster import Cluster, private_cluster

pytestmark = pytest.mark.skipif(not is_postgres(), reason="runs in the PostgreSQL half only")

PASSPHRASE = "correct horse battery staple"

SUBMIT = """
from datetime import date
from haven.accounts.models import Organisation
from haven.intake.services import Submission, request_submit
accepted = request_submit(
    organisation=Organisation.objects.get(slug="ark"),
    submission=Submission(
        needs=("shelter",), place="ge-tbilisi", group_size=1, languages=("ru",), urgency=5,
        date_from=date.today(), date_until=None, contact="@restored_contact",
    ),
    submission_key="backup-test-submission-key",
)
print(accepted.codename)
"""

OPEN = """
from haven.accounts.credentials import member_unlock
from haven.accounts.unlock import Keyring
from haven.cases.reveal import case_reveal
from haven.intake.queries import case_by_codename
unlocked = member_unlock(handle="ark-coordinator", passphrase={passphrase!r})
case = case_by_codename({codename!r})
keyring = Keyring(unlocked.member, unlocked.private_key)
opened = case_reveal(actor=unlocked.member, keyring=keyring, case=case, reason="restore test")
print(opened.fields["contact"])
"""


def _shell(cluster: Cluster, environment: dict[str, str], code: str) -> str:
    return cluster.haven("shell", "-c", code, environment=environment).strip().splitlines()[-1]


def _run(command: str, environment: dict[str, str]) -> None:
    done = subprocess.run(  # noqa: S602  # the documented pipeline, run as written
        command,
        shell=True,
        executable="/bin/bash",
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]


def test_an_encrypted_backup_restores_and_a_request_opens_in_it(tmp_path: Path) -> None:
    if shutil.which("gpg") is None or shutil.which("pg_restore") is None:
        pytest.skip("gpg and pg_restore are needed: scripts/test-system installs them")
    with private_cluster() as cluster:
        environment = {
            "HAVEN_ENV": "development",
            "HAVEN_DATABASE_URL": cluster.url,
            "HAVEN_DATA_DIR": str(tmp_path / "var"),
            "HAVEN_SECRET_KEY": "backup-test-secret-" + "2" * 32,
            "HAVEN_PEPPER": "backup-test-pepper-" + "3" * 32,
            "HAVEN_MEMBER_KDF": "min",
        }
        cluster.haven("migrate", "-v0", environment=environment)
        passphrase = tmp_path / "passphrase"
        passphrase.write_text(PASSPHRASE)
        cluster.haven(
            "org", "create", "--slug", "ark", "--name", "Ark", "--coordinator", "ark-coordinator",
            "--passphrase-file", str(passphrase), environment=environment,
        )  # fmt: skip
        codename = _shell(cluster, environment, SUBMIT)

        # The backup machine holds only the public key; the private key stays offline.
        gnupg = tmp_path / "gnupg"
        gnupg.mkdir(mode=0o700)
        shell = {**os.environ, "GNUPGHOME": str(gnupg), "PGPASSWORD": ""}
        _run(
            "gpg --batch --passphrase '' --quick-gen-key 'Haven backups <backup@example.org>' "
            "future-default default never",
            shell,
        )
        dump = tmp_path / "haven.dump.gpg"
        database = f"postgresql://postgres@127.0.0.1:{cluster.port}"
        # As in docs/deploy.md, "Backups".
        _run(
            f"set -o pipefail; pg_dump --format=custom --no-owner '{database}/haven' "
            f"| gpg --batch --encrypt --recipient backup@example.org --output {dump}",
            {**shell, "SHELL": "/bin/bash"},
        )
        assert b"@restored_contact" not in dump.read_bytes()
        # As in docs/deploy.md, "Restore".
        _run(f"createdb --host 127.0.0.1 --port {cluster.port} --username postgres restored", shell)
        _run(
            f"set -o pipefail; gpg --batch --decrypt {dump} "
            f"| pg_restore --no-owner --exit-on-error --dbname '{database}/restored'",
            shell,
        )
        # gpg started an agent for this home; it must not outlive the test.
        _run("gpgconf --kill gpg-agent", shell)
        restored = {**environment, "HAVEN_DATABASE_URL": f"{database}/restored"}
        opened = _shell(cluster, restored, OPEN.format(passphrase=PASSPHRASE, codename=codename))
        assert opened == "@restored_contact"
