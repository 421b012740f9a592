"""The requester's conversation over the API, for any channel that is not the web page: read the
messages and write to the volunteers with the codename in the body, sealed on arrival, retries
safe, within the codename's budgets."""

import json
from collections.abc import Callable
from typing import Any

from django.test import Client

from haven.cases.lifecycle import case_move, case_triage
from haven.cases.models import CloseReason, Status
from haven.intake.services import Accepted
from haven.messaging.models import Message
from haven.messaging.services import message_to_requester, thread_for_staff
from tests.conftest import Persona, keyring_of, stored

KEY = "retry-key-0123456789"


def _post(path: str, body: object, **headers: str) -> Any:
    return Client().post(path, json.dumps(body), content_type="application/json", headers=headers)


def _triaged_with_a_question(
    make_request: Callable[..., Accepted], coordinator: Persona
) -> Accepted:
    accepted = make_request()
    case_triage(actor=coordinator.member, case=accepted.case, decision="accept")
    accepted.case.refresh_from_db()
    message_to_requester(
        actor=coordinator.member,
        keyring=keyring_of(coordinator),
        case=accepted.case,
        text="Can you come to Almaty on Friday?",
        wait_for_answer=True,
    )
    return accepted


def test_a_requester_reads_and_answers_over_the_api(
    coordinator: Persona, make_request: Callable[..., Accepted]
) -> None:
    accepted = _triaged_with_a_question(make_request, coordinator)
    status = _post("/api/v1/status", {"codename": accepted.codename}).json()
    assert (status["status"], status["unread"]) == ("waiting", 1)

    thread = _post("/api/v1/status/messages", {"codename": accepted.codename})
    assert thread.status_code == 200
    [question] = thread.json()["messages"]
    assert (question["number"], question["author"]) == (1, "volunteers")
    assert question["text"] == "Can you come to Almaty on Friday?"
    assert question["photo"] is False
    assert _post("/api/v1/status", {"codename": accepted.codename}).json()["unread"] == 0

    sent = _post(
        "/api/v1/messages",
        {"codename": accepted.codename, "text": "  Yes, by train from Атырау.  "},
        **{"Idempotency-Key": KEY},
    )
    assert sent.status_code == 201
    assert sent.json() == {"number": 2, "status": "in_progress", "repeated": False}
    # Sealed on arrival: the words are not in the row, and the volunteers read them.
    message = Message.objects.get(case=accepted.case, number=2)
    assert "Атырау".encode() not in stored(message.body)
    assert KEY.encode() not in stored(message.sent_as)
    opened = thread_for_staff(keyring=keyring_of(coordinator), case=accepted.case)
    assert opened[-1].text == "Yes, by train from Атырау."
    authors = [
        item["author"]
        for item in _post("/api/v1/status/messages", {"codename": accepted.codename}).json()[
            "messages"
        ]
    ]
    assert authors == ["volunteers", "you"]


def test_a_retried_message_is_stored_once_and_a_reused_key_is_refused(
    coordinator: Persona, make_request: Callable[..., Accepted]
) -> None:
    accepted = _triaged_with_a_question(make_request, coordinator)
    body = {"codename": accepted.codename, "text": "Yes."}
    first = _post("/api/v1/messages", body, **{"Idempotency-Key": KEY})
    again = _post("/api/v1/messages", body, **{"Idempotency-Key": KEY})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["repeated"] is True
    assert again.json()["number"] == first.json()["number"]
    assert Message.objects.filter(case=accepted.case, from_requester=True).count() == 1
    other = _post("/api/v1/messages", {**body, "text": "No."}, **{"Idempotency-Key": KEY})
    assert other.status_code == 409
    assert "Idempotency-Key" in other.json()["detail"]
    # Without a key each call is a message of its own.
    assert _post("/api/v1/messages", body).status_code == 201
    assert Message.objects.filter(case=accepted.case, from_requester=True).count() == 2


def test_bad_messages_are_refused_field_by_field_in_the_callers_language(
    coordinator: Persona, make_request: Callable[..., Accepted]
) -> None:
    accepted = _triaged_with_a_question(make_request, coordinator)
    empty = _post("/api/v1/messages", {"codename": accepted.codename, "text": "   "})
    assert empty.status_code == 422
    assert empty.json()["errors"]["text"] == ["Write the message first."]
    huge = _post(
        "/api/v1/messages",
        {"codename": accepted.codename, "text": "я" * 4001},
        **{"Accept-Language": "ru"},
    )
    assert huge.status_code == 422
    assert "4000" in huge.json()["errors"]["text"][0]
    assert "4001" in huge.json()["errors"]["text"][0]
    assert "сообщени" in huge.json()["errors"]["text"][0].lower()
    bad_key = _post(
        "/api/v1/messages",
        {"codename": accepted.codename, "text": "Hi"},
        **{"Idempotency-Key": "short"},
    )
    assert bad_key.status_code == 422
    assert "Idempotency-Key" in bad_key.json()["errors"]
    wrong = _post(
        "/api/v1/messages",
        {"codename": "abacus abdomen abdominal abide abiding ability ablaze", "text": "Hi"},
    )
    assert wrong.status_code == 404
    assert "codename" in wrong.json()["errors"]
    assert not Message.objects.filter(from_requester=True).exists()


def test_a_closed_request_takes_no_message_and_says_what_to_do(
    coordinator: Persona, make_request: Callable[..., Accepted]
) -> None:
    accepted = _triaged_with_a_question(make_request, coordinator)
    case_move(
        actor=coordinator.member, case=accepted.case, status=Status.CLOSED, reason=CloseReason.SPAM
    )
    refused = _post("/api/v1/messages", {"codename": accepted.codename, "text": "Hello?"})
    assert refused.status_code == 409
    assert "send a new request" in refused.json()["detail"]
    accepted.case.refresh_from_db()
    assert accepted.case.status == Status.CLOSED


def test_the_codename_budget_holds_for_messages_too(
    coordinator: Persona, make_request: Callable[..., Accepted], settings: object
) -> None:
    settings.HAVEN_CODENAME_BUDGET_PER_HOUR = 3  # type: ignore[attr-defined]
    accepted = _triaged_with_a_question(make_request, coordinator)
    answers = [
        _post("/api/v1/status/messages", {"codename": accepted.codename}).status_code
        for _ in range(3)
    ]
    assert answers == [200, 200, 200]
    assert (
        _post("/api/v1/messages", {"codename": accepted.codename, "text": "Hi"}).status_code == 429
    )
