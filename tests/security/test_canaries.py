"""Nothing personal reaches the database files, the WAL, a dump, the logs or the sessions.

Unique Latin and Cyrillic canaries go in through the real web form and the real API, a coordinator
reveals them (so plaintext has passed through the server), writes notes, a task and a message, the
requester answers with text and a photo whose metadata carries a canary, and then the raw bytes are
searched.
"""

import json
import logging
import os
import re
import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.utils import timezone

from haven.accounts.models import MemberSession as Session
from haven.accounts.models import Organisation
from haven.cases.models import Case
from tests.conftest import Persona, is_postgres, login, small_jpeg


def _canaries() -> dict[str, str]:
    tag = secrets.token_hex(6)
    return {
        "name": f"CanaryName{tag}",
        "contact": f"@canary_contact_{tag}",
        "story": f"Канарейка-история-{tag} crossed at Verkhny Lars",
        "location_detail": f"ПунктКанарейка{tag}",
        "for_counselor": f"CanaryCounselorNote{tag}",
        "reason": f"ПричинаКанарейка{tag}",
        "note": f"ЗаметкаКанарейка{tag}",
        "task": f"CanaryTask{tag} find a lawyer in Yerevan",
        "to_requester": f"CanaryMessageOut{tag}",
        "from_requester": f"СообщениеКанарейка{tag}",
        "photo_metadata": f"CanaryCam{tag}",
        "ping_form": f"canary.ping.{tag}@example.org",
        "ping_status": f"canary.status.{tag}@example.org",
    }


def _needles(canaries: dict[str, str]) -> list[bytes]:
    needles = []
    for value in canaries.values():
        needles.append(value.encode("utf-8"))
        needles.append(value.encode("utf-16-le"))
        needles.append(json.dumps(value).encode())  # \u-escaped, as JSON columns would hold it
    return needles


def _seed(organisation: Organisation, coordinator: Persona, canaries: dict[str, str]) -> None:
    client = Client()
    page = client.get("/ru/help/ark/").content.decode()
    key = re.search(r'name="submission" value="([^"]+)"', page)
    assert key
    form = {
        "needs": ["shelter"],
        "place": "kz-oral",
        "group_size": "1",
        "languages": ["ru"],
        "urgency": "5",
        "date_from": timezone.localdate().isoformat(),
        "submission": key.group(1),
        "military_status": "mobilised",
        **{
            field: canaries[field]
            for field in ("name", "contact", "story", "location_detail", "for_counselor")
        },
        "ping": canaries["ping_form"],
    }
    assert client.post("/ru/help/ark/", form).status_code == 201
    body = {key: value for key, value in form.items() if key not in {"submission", "ping"}}
    body.update(group_size=2, urgency=4, needs=["legal"], languages=["ru", "en"])
    answer = Client().post("/api/v1/intake", json.dumps(body), content_type="application/json")
    assert answer.status_code == 201
    desk = login(Client(), coordinator)
    for case in Case.objects.all():
        revealed = desk.post(
            f"/en/desk/{case.pk}/reveal/", {"reason": canaries["reason"], "scope": "full"}
        )
        assert canaries["story"] in revealed.content.decode()
    # Case work on the API's request: triage, a note, a task, a message; the requester answers.
    case = Case.objects.get(group_size=2)
    base = f"/en/desk/{case.pk}"
    assert desk.post(f"{base}/triage/", {"decision": "accept"}).status_code == 302
    assert desk.post(f"{base}/notes/", {"text": canaries["note"]}).status_code == 302
    task = {"text": canaries["task"], "is_task": "on", "due_on": "2030-01-01"}
    assert desk.post(f"{base}/notes/", task).status_code == 302
    assert desk.post(f"{base}/messages/", {"text": canaries["to_requester"]}).status_code == 302
    requester = Client()
    requester.post("/ru/status/", {"codename": answer.json()["codename"]})
    ping = {"do": "set", "address": canaries["ping_status"], "language": "ru"}
    assert requester.post("/ru/status/ping/", ping).status_code == 200
    inbox = requester.get("/ru/status/messages/").content.decode()
    assert canaries["to_requester"] in inbox
    photo = SimpleUploadedFile(
        "passport.jpg", small_jpeg(camera=canaries["photo_metadata"]), "image/jpeg"
    )
    reply = {"text": canaries["from_requester"], "photo": photo}
    assert requester.post("/ru/status/messages/", reply).status_code == 302
    page = desk.get(f"{base}/").content.decode()
    for field in ("note", "task", "to_requester", "from_requester"):
        assert canaries[field] in page, field


def _find(needles: list[bytes], data: bytes) -> list[bytes]:
    return [needle for needle in needles if needle in data]


def _files(root: Path) -> Iterator[Path]:
    for path in root.rglob("*"):
        if path.is_file():
            yield path


@pytest.fixture
def seeded(
    transactional_db: None,
    organisation: Organisation,
    coordinator: Persona,
    caplog: pytest.LogCaptureFixture,
) -> tuple[list[bytes], pytest.LogCaptureFixture]:
    caplog.set_level(logging.DEBUG)
    # Log every SQL statement with its parameters: the strictest reading of "nothing in the logs".
    caplog.set_level(logging.DEBUG, logger="django.db.backends")
    connection.force_debug_cursor = True
    canaries = _canaries()
    try:
        _seed(organisation, coordinator, canaries)
    finally:
        connection.force_debug_cursor = False
    return _needles(canaries), caplog


def test_canaries_are_not_in_logs_or_sessions(
    seeded: tuple[list[bytes], pytest.LogCaptureFixture],
) -> None:
    needles, caplog = seeded
    logged = "\n".join(r.getMessage() for r in caplog.get_records("setup")).encode()
    assert b"INSERT INTO" in logged, "SQL was not logged, so this check would prove nothing"
    assert _find(needles, logged) == []
    sessions = b"".join(
        json.dumps(session.get_decoded()).encode() + session.session_data.encode()
        for session in Session.objects.all()
    )
    assert sessions
    assert _find(needles, sessions) == []


@pytest.mark.skipif(is_postgres(), reason="the SQLite half of the suite reads SQLite's files")
def test_canaries_are_not_in_the_sqlite_file_or_its_wal(
    seeded: tuple[list[bytes], pytest.LogCaptureFixture],
) -> None:
    needles, _ = seeded
    database = Path(connection.settings_dict["NAME"])
    wal = database.with_name(database.name + "-wal")
    assert wal.exists(), "the database is expected in WAL mode"
    data = database.read_bytes() + wal.read_bytes()
    assert b"kz-oral" in data, "coarse fields are plaintext, so this read does see the rows"
    assert _find(needles, data) == []


@pytest.mark.skipif(not is_postgres(), reason="the PostgreSQL half of the suite reads its files")
def test_canaries_are_not_in_postgres_files_wal_or_dump(
    seeded: tuple[list[bytes], pytest.LogCaptureFixture],
) -> None:
    needles, _ = seeded
    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")
        cursor.execute("SHOW data_directory")
        data_directory = Path(cursor.fetchone()[0])
        cursor.execute("SELECT oid FROM pg_database WHERE datname = current_database()")
        database_oid = cursor.fetchone()[0]
    if not os.access(data_directory, os.R_OK):
        if os.environ.get("CI") == "true":
            pytest.fail(f"cannot read PostgreSQL's data directory {data_directory}")
        pytest.skip(f"PostgreSQL's data directory {data_directory} is not readable here")
    roots = [data_directory / "base" / str(database_oid), data_directory / "pg_wal"]
    seen_plain = False
    for root in roots:
        for path in _files(root):
            data = path.read_bytes()
            seen_plain = seen_plain or b"kz-oral" in data
            assert _find(needles, data) == [], f"canary in {path}"
    assert seen_plain, "coarse fields are plaintext, so this read does see the rows"
    params = connection.get_connection_params()
    environment = {**os.environ, "PGPASSWORD": str(params.get("password") or "")}
    dump = subprocess.run(
        [
            "pg_dump",
            "--host",
            str(params.get("host") or "127.0.0.1"),
            "--port",
            str(params.get("port") or 5432),
            "--username",
            str(params.get("user")),
            "--dbname",
            str(params["dbname"]),
            "--no-password",
        ],
        capture_output=True,
        check=True,
        env=environment,
    ).stdout
    assert b"kz-oral" in dump
    assert _find(needles, dump) == []
    logs = Path("/var/log/postgresql")
    if logs.is_dir() and os.access(logs, os.R_OK):
        for path in _files(logs):
            assert _find(needles, path.read_bytes()) == [], f"canary in {path}"
    assert str(settings.DATABASES["default"]["ENGINE"]).endswith("postgresql")
