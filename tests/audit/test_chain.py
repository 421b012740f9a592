from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from haven.audit.models import Event, Pending
from haven.audit.queries import pending_events, verify_chain
from haven.audit.services import LINK_ON_WRITE, audit_record, link_pending
from haven.intake.services import Accepted
from tests.conftest import is_postgres


@pytest.fixture
def events(make_request: Callable[..., Accepted]) -> int:
    for _ in range(4):
        make_request()
    link_pending()
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
    # The organisation, its coordinator's second factor and knowledge-editor role, four requests.
    assert events == 7
    report = verify_chain()
    assert report.intact
    assert report.checked == 7


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


def test_intake_records_its_event_as_pending_and_the_worker_links_it_in_order(
    make_request: Callable[..., Accepted],
) -> None:
    before = Event.objects.count()
    cases = [make_request(contact=f"@pending{number}").case for number in range(3)]
    assert Event.objects.count() == before, "intake takes no lock on the chain"
    assert [row.target_id for row in Pending.objects.order_by("id")] == [
        str(case.pk) for case in cases
    ]
    assert pending_events()[0] == 3
    from haven.ops.worker import JOBS

    job = next(job for job in JOBS if job.name == "link-audit")
    assert job.run() == {"linked": 3}
    assert not Pending.objects.exists()
    linked = list(Event.objects.filter(action="request.submit").order_by("id"))
    assert [event.target_id for event in linked] == [str(case.pk) for case in cases]
    assert all(event.actor_id is None and event.at.minute == 0 for event in linked)
    assert verify_chain().intact


def test_a_members_audited_write_links_what_waits_before_its_own_event(
    make_request: Callable[..., Accepted],
) -> None:
    case = make_request().case
    with transaction.atomic():
        own = audit_record(actor=None, action="case.status", target_type="case")
    submitted = Event.objects.get(action="request.submit", target_id=str(case.pk))
    assert submitted.id < own.id
    assert not Pending.objects.exists()
    assert LINK_ON_WRITE >= 1
    assert verify_chain().intact


def test_audit_verify_says_what_waits_and_links_it_when_asked(
    make_request: Callable[..., Accepted], capsys: pytest.CaptureFixture[str]
) -> None:
    make_request()
    call_command("audit", "verify")
    assert "1 anonymous events wait to be linked" in capsys.readouterr().out
    call_command("audit", "verify", "--link")
    out = capsys.readouterr().out
    assert "Linked 1 waiting events" in out and "wait to be linked" not in out
