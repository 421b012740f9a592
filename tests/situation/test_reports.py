"""Reporting a crossing through the pages, and what is (not) kept of the reporter."""

import re
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client, override_settings

from haven.audit.models import Event, Pending
from haven.intake.services import Accepted
from haven.situation.models import CrossingReport
from haven.situation.queries import forget_board
from tests.conftest import Persona, login, stored
from tests.intake.test_weight import LIMIT, weigh

FORM = {
    "crossing": "upper-lars",
    "direction": "out",
    "outcome": "turned_back",
    "incidents": ["phone_searched", "questioned"],
    "queue": "6h_12h",
    "hours_ago": "2",
}


def _every_stored_value() -> str:
    """Every column of every report and of the audit events reports wrote, as text."""
    reports = connection.ops.quote_name(CrossingReport._meta.db_table)
    pending = connection.ops.quote_name(Pending._meta.db_table)
    events = connection.ops.quote_name(Event._meta.db_table)
    with connection.cursor() as cursor:
        rows = []
        cursor.execute(f"SELECT * FROM {reports}")  # noqa: S608  # the model's table
        rows.extend(cursor.fetchall())
        for table in (pending, events):
            cursor.execute(f"SELECT * FROM {table} WHERE action LIKE %s", ["situation.%"])  # noqa: S608  # the model's table
            rows.extend(cursor.fetchall())
    return repr(rows)


def test_anonymous_report_is_stored_without_anything_that_identifies_the_reporter(
    db: None,
) -> None:
    client = Client(REMOTE_ADDR="203.0.113.77", HTTP_USER_AGENT="Reporter-Phone/1.0")
    response = client.post("/ru/situation/report/", FORM)
    assert response.status_code == 201
    report = CrossingReport.objects.get()
    assert (report.crossing, report.direction, report.outcome) == (
        "upper-lars",
        "out",
        "turned_back",
    )
    assert report.phone_searched and report.questioned and not report.summons
    assert report.kind == "anonymous"
    assert report.organisation is None and report.sealed_note is None
    for hour in (report.hour, report.received_hour):
        assert (hour.minute, hour.second, hour.microsecond) == (0, 0, 0)
    assert (report.received_hour - report.hour).total_seconds() == 2 * 3600
    everything = _every_stored_value()
    assert "203.0.113.77" not in everything and "Reporter-Phone" not in everything
    pending = Pending.objects.get(action="situation.report")
    assert pending.data == {"crossing": "upper-lars", "kind": "anonymous"}
    assert (pending.at.minute, pending.at.second) == (0, 0)


def test_anonymous_reporter_cannot_add_free_text(db: None) -> None:
    response = Client().post("/en/situation/report/", {**FORM, "note": "my name is Ivan"})
    assert response.status_code == 201
    assert "Ivan" not in _every_stored_value()
    assert CrossingReport.objects.get().sealed_note is None


def test_requester_logged_in_with_the_codename_reports_as_a_requester_unlinked_to_the_case(
    make_request: Callable[..., Accepted],
) -> None:
    accepted = make_request()
    client = Client()
    client.post("/en/status/", {"codename": accepted.codename})
    page = client.get("/en/situation/report/").content.decode()
    assert "logged in with your codename" in page
    assert client.post("/en/situation/report/", FORM).status_code == 201
    report = CrossingReport.objects.get()
    assert report.kind == "requester"
    everything = _every_stored_value()
    assert str(accepted.case.pk) not in everything
    assert str(accepted.case.pk).replace("-", "") not in everything


def test_requester_beyond_their_hourly_budget_is_asked_to_wait(
    make_request: Callable[..., Accepted],
) -> None:
    accepted = make_request()
    client = Client()
    client.post("/en/status/", {"codename": accepted.codename})
    with override_settings(HAVEN_SITUATION_PER_REQUESTER_PER_HOUR=2):
        assert client.post("/en/situation/report/", FORM).status_code == 201
        assert client.post("/en/situation/report/", FORM).status_code == 201
        assert client.post("/en/situation/report/", FORM).status_code == 429
    assert CrossingReport.objects.count() == 2


def test_flood_beyond_a_crossings_anonymous_budget_is_refused_and_keeps_the_choices(
    db: None,
) -> None:
    client = Client()
    with override_settings(HAVEN_SITUATION_ANONYMOUS_PER_CROSSING_PER_HOUR=3):
        for _ in range(3):
            assert client.post("/ru/situation/report/", FORM).status_code == 201
        refused = client.post("/ru/situation/report/", FORM)
        # Another crossing still takes reports.
        other = client.post("/ru/situation/report/", {**FORM, "crossing": "syrym"})
    assert refused.status_code == 429
    html = refused.content.decode()
    assert "Сейчас приходит слишком много сообщений" in html
    assert re.search(r'<option value="upper-lars"[^>]* selected', html)
    assert "value=6h_12h checked" in html
    assert other.status_code == 201
    assert CrossingReport.objects.filter(crossing="upper-lars").count() == 3


def test_global_budget_refuses_every_reporter_beyond_it(db: None) -> None:
    with override_settings(HAVEN_SITUATION_PER_MINUTE=1):
        assert Client().post("/en/situation/report/", FORM).status_code == 201
        assert Client().post("/en/situation/report/", FORM).status_code == 429


@pytest.mark.parametrize(
    ("language", "message"),
    [("ru", "Выберите пункт пропуска."), ("en", "Choose the crossing point.")],
)
def test_missing_answers_are_named_in_the_readers_language_and_nothing_chosen_is_lost(
    db: None, language: str, message: str
) -> None:
    response = Client().post(f"/{language}/situation/report/", {**FORM, "crossing": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert "value=turned_back checked" in html
    assert CrossingReport.objects.count() == 0


def test_made_up_crossing_or_hour_is_refused_not_a_500(db: None) -> None:
    for bad in ({"crossing": "nowhere"}, {"hours_ago": "99"}, {"queue": "forever"}):
        assert Client().post("/en/situation/report/", {**FORM, **bad}).status_code == 400


def test_volunteer_report_carries_a_sealed_note_only_their_organisation_reads(
    coordinator: Persona, counselor: Persona, outsider: Persona
) -> None:
    client = login(Client(), counselor)
    note = "Пограничник спрашивал про повестки"
    assert client.post("/en/situation/report/", {**FORM, "note": note}).status_code == 201
    report = CrossingReport.objects.get()
    assert report.kind == "volunteer"
    assert note.encode() not in stored(report.sealed_note)
    assert note not in _every_stored_value()
    assert note in login(Client(), coordinator).get("/en/situation/desk/").content.decode()
    assert note not in login(Client(), outsider).get("/en/situation/desk/").content.decode()
    event = Event.objects.get(action="situation.report")
    assert event.actor_id == counselor.member.pk


def test_board_never_states_a_single_anonymous_report_as_fact(db: None) -> None:
    Client().post("/en/situation/report/", FORM)
    html = Client().get("/en/situation/").content.decode()
    assert "Unconfirmed: a report says “Turned back”. Not confirmed by anyone." in html
    assert "1 report in the last 3 hours, anonymous." in html


def test_volunteer_confirms_and_dismisses_and_the_board_follows(
    coordinator: Persona, counselor: Persona
) -> None:
    Client().post("/en/situation/report/", FORM)
    report = CrossingReport.objects.get()
    member = login(Client(), counselor)
    path = f"/en/situation/desk/{report.pk}/review/"
    assert member.post(path, {"decision": "confirmed"}).status_code == 302
    board = Client().get("/en/situation/").content.decode()
    assert "Turned back — confirmed by a volunteer." in board
    assert member.post(path, {"decision": "dismissed"}).status_code == 302
    board = Client().get("/en/situation/").content.decode()
    assert "Turned back" not in board.split("Karaozek")[0].split("Upper Lars")[1]
    decisions = Event.objects.filter(action="situation.review").order_by("id")
    assert [event.data["decision"] for event in decisions] == ["confirmed", "dismissed"]
    assert all(event.actor_id == counselor.member.pk for event in decisions)


def test_review_of_an_unknown_report_finds_nothing(counselor: Persona) -> None:
    path = "/en/situation/desk/00000000-0000-0000-0000-000000000000/review/"
    assert login(Client(), counselor).post(path, {"decision": "confirmed"}).status_code == 404


@pytest.mark.parametrize("language", ["ru", "en"])
def test_board_and_report_pages_are_light_and_run_no_script(db: None, language: str) -> None:
    client = Client()
    for crossing in ("upper-lars", "karaozek", "syrym", "kyakhta-altanbulag"):
        for outcome in ("passed", "detained"):
            client.post(
                f"/{language}/situation/report/", {**FORM, "crossing": crossing, "outcome": outcome}
            )
            client.post(
                f"/{language}/situation/report/",
                {**FORM, "crossing": crossing, "outcome": outcome, "direction": "in"},
            )
    pages = {
        "board": client.get(f"/{language}/situation/").content,
        "form": client.get(f"/{language}/situation/report/").content,
        "form, wrong": client.post(f"/{language}/situation/report/", {}).content,
        "sent": client.post(f"/{language}/situation/report/", FORM).content,
    }
    for name, html in pages.items():
        assert weigh(client, html) <= LIMIT, name
    assert b"<script" not in pages["board"]
    response = client.get(f"/{language}/situation/")
    assert "script-src 'none'" in response["Content-Security-Policy"]


def test_board_is_kept_briefly_but_a_report_in_this_process_shows_at_once(db: None) -> None:
    assert "Turned back" not in Client().get("/en/situation/").content.decode()
    Client().post("/en/situation/report/", FORM)
    assert "Turned back" in Client().get("/en/situation/").content.decode()
    # A report written elsewhere (another web process) shows once the kept board is old.
    CrossingReport.objects.update(outcome="detained")
    assert "Detained" not in Client().get("/en/situation/").content.decode()
    forget_board()
    assert "Detained" in Client().get("/en/situation/").content.decode()
