from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from haven.audit.models import Event
from haven.audit.queries import verify_chain
from haven.audit.services import audit_record
from haven.intake.services import Accepted
from tests.conftest import is_postgres


@pytest.fixture
def events(make_request: Callable[..., Accepted]) -> int:
    for _ in range(4):
        make_request()
    return Event.objects.count()


def _raw(sql: str, params: list[str | int]) -> None:
    """What an attacker with the database's owner rights can do: lift the guard and write."""
    with connection.cursor() as cursor:
        if is_postgres():
            # Django's foreign keys are deferred; ALTER TABLE needs them settled first.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only")
        else:
            cursor.execute("DROP TRIGGER audit_event_append_only")
        cursor.execute(sql, params)


def test_every_write_leaves_an_intact_chain(events: int) -> None:
    # The organisation, its coordinator's second factor, and four requests.
    assert events == 6
    report = verify_chain()
    assert report.intact
    assert report.checked == 6


def test_editing_an_event_is_refused_by_the_database(events: int) -> None:
    with pytest.raises(DatabaseError), transaction.atomic():
        Event.objects.filter(pk=3).update(action="request.forged")


def test_an_edited_event_is_reported(events: int) -> None:
    _raw("UPDATE audit_event SET action = %s WHERE id = %s", ["request.forged", 3])
    report = verify_chain()
    assert report.broken_at == 3
    assert "changed" in report.problem


def test_a_deleted_event_is_reported(events: int) -> None:
    _raw("DELETE FROM audit_event WHERE id = %s", [2])
    report = verify_chain()
    assert report.broken_at == 2
    assert "missing" in report.problem


def test_events_cut_from_the_end_are_reported(events: int) -> None:
    _raw("DELETE FROM audit_event WHERE id > %s", [3])
    report = verify_chain()
    assert report.broken_at == 4
    assert "removed from the end" in report.problem


def test_audit_verify_command_names_the_first_broken_link(events: int) -> None:
    call_command("audit", "verify")
    _raw("UPDATE audit_event SET data = %s WHERE id = %s", ['{"urgency": 1}', 2])
    with pytest.raises(CommandError, match="broken at event #2"):
        call_command("audit", "verify")


def test_audit_record_outside_a_transaction_is_a_bug(transactional_db: None) -> None:
    with pytest.raises(RuntimeError):
        audit_record(actor=None, action="nothing")


def test_anonymous_events_keep_only_the_hour(events: int) -> None:
    event = Event.objects.filter(action="request.submit").first()
    assert event is not None
    assert (event.at.minute, event.at.second, event.at.microsecond) == (0, 0, 0)
