"""Two real Haven servers on loopback, each with its own SQLite database, walk referrals both
ways: Ark (install A) refers to Wald (install B), who accepts; Wald refers back, and Ark
declines. B is away at first, so A's worker retries once B is up."""

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from haven.referrals.installs import Install, free_port
from tests.conftest import SQLITE_HALF_ONLY

pytestmark = SQLITE_HALF_ONLY


def _post(install: Install, body: bytes, signature: bytes) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(  # noqa: S310  # loopback
        f"{install.address}/api/v1/referrals",
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Haven-Signature": base64.b64encode(signature).decode(),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture
def installs(tmp_path: Path) -> Iterator[tuple[Install, Install]]:
    pair = (Install(tmp_path / "a", free_port()), Install(tmp_path / "b", free_port()))
    for install in pair:
        install.migrate()
    yield pair
    for install in pair:
        install.stop()


def _actions(state: dict[str, Any]) -> list[str]:
    return [str(event["action"]) for event in state["events"]]


def test_referral_walks_between_two_installs_both_ways(installs: tuple[Install, Install]) -> None:
    a, b = installs
    ark = a.act("setup", slug="ark", handle="anna")
    wald = b.act("setup", slug="wald", handle="wolf")
    # Each coordinator adds the other by address and the fingerprint compared out of band.
    to_wald = a.add("anna", "Wald", b, wald)
    to_ark = b.add("wolf", "Ark", a, ark)
    a.start()

    # A → B: proposed, consented while B is away; the worker keeps it and retries.
    asked = a.act("request", handle="anna")
    proposed = a.act("propose", handle="anna", case=asked["case"], partner=to_wald)
    a.act("consent", case=asked["case"], referral=proposed["referral"])
    a.run("-m", "haven.cli", "worker", "--once")
    waiting = a.act("state", referral=proposed["referral"])
    assert waiting["referral"] == "sending"
    assert waiting["attempts"] == 1 and "unreachable" in str(waiting["last_error"])

    b.start()
    a.act("due_now")
    assert a.act("deliver")["sent"] == 1
    assert a.act("state", referral=proposed["referral"])["referral"] == "sent"
    arrived = b.act("state", referral=proposed["referral"])
    assert arrived["arrival"] == "received"
    assert "referral.receive" in _actions(arrived)

    # The same signed delivery again is taken as a repeat, not a second referral.
    envelope = base64.b64decode(str(proposed["envelope"]))
    signature = base64.b64decode(str(proposed["signature"]))
    assert _post(b, envelope, signature)[0] == 200

    answered = b.act("answer", handle="wolf", referral=proposed["referral"], accept=True,
                     note="Пишите нам, мы найдём юриста.")  # fmt: skip
    assert answered["status"] == "accepted"
    assert answered["fields"] == {
        "name": "Алексей",
        "story": "Получил повестку, уехал в тот же день.",
    }
    b.run("-m", "haven.cli", "worker", "--once")
    back = a.act("state", referral=proposed["referral"], codename=asked["codename"])
    assert back["referral"] == "accepted"
    assert back["note"] == "Пишите нам, мы найдём юриста."
    assert {"referral.propose", "referral.consent", "referral.send", "referral.answer"} <= set(
        _actions(back)
    )
    send = next(e for e in back["events"] if e["action"] == "referral.send")
    assert send["data"]["partner"] == wald["fingerprint"]
    # Wald's volunteers write to the requester; the message is relayed to Ark, where only the
    # requester's codename opens it.
    b.act("write", handle="wolf", case=answered["case"], text="Приходите во вторник в десять.")
    assert b.act("deliver")["relayed"] == 1
    relayed = a.act("state", referral=proposed["referral"], codename=asked["codename"])
    assert relayed["relayed"] == ["Приходите во вторник в десять."]
    assert a.act("state", referral=proposed["referral"])["relayed"] == []
    assert b.act("deliver")["relayed"] == 0
    # The requester answers Wald from Ark: sealed at Ark under Wald's thread key, relayed by Ark's
    # worker with the reply key the signed referral named, read at Wald by its volunteers.
    a.act("reply", referral=proposed["referral"], codename=asked["codename"],
          text="Во вторник смогу, спасибо.")  # fmt: skip
    assert a.act("deliver")["replied"] == 1
    assert a.act("deliver")["replied"] == 0
    thread = b.act("thread", handle="wolf", case=answered["case"])["messages"]
    assert thread == [
        {"from_requester": False, "text": "Приходите во вторник в десять."},
        {"from_requester": True, "text": "Во вторник смогу, спасибо."},
    ]
    accepted_at_b = b.act("state", referral=proposed["referral"])
    accept = next(e for e in accepted_at_b["events"] if e["action"] == "referral.accept")
    assert accept["data"]["partner"] == ark["fingerprint"]

    # B → A: Wald refers a case of its own; Ark declines; the answer travels back.
    asked_b = b.act("request", handle="wolf")
    proposed_b = b.act("propose", handle="wolf", case=asked_b["case"], partner=to_ark)
    b.act("consent", case=asked_b["case"], referral=proposed_b["referral"])
    assert b.act("deliver")["sent"] == 1
    declined = a.act(
        "answer", handle="anna", referral=proposed_b["referral"], accept=False, note=""
    )
    assert declined["status"] == "declined" and declined["case"] == ""
    assert a.act("deliver")["sent"] == 1
    assert b.act("state", referral=proposed_b["referral"])["referral"] == "declined"


def test_another_install_refuses_bad_deliveries_and_keeps_nothing(
    installs: tuple[Install, Install],
) -> None:
    a, b = installs
    ark = a.act("setup", slug="ark", handle="anna")
    wald = b.act("setup", slug="wald", handle="wolf")
    to_wald = a.add("anna", "Wald", b, wald)
    asked = a.act("request", handle="anna")
    proposed = a.act("propose", handle="anna", case=asked["case"], partner=to_wald)
    envelope = base64.b64decode(str(proposed["envelope"]))
    signature = base64.b64decode(str(proposed["signature"]))
    b.start()
    # Wald has not added Ark yet: an unknown sender.
    status, answer = _post(b, envelope, signature)
    assert (status, answer["code"]) == (403, "unknown-sender")
    b.add("wolf", "Ark", a, ark)
    tampered = envelope.replace(b'"emergency":false', b'"emergency":true ')
    assert _post(b, tampered, signature)[1]["code"] == "bad-signature"
    assert _post(b, b"{not json", signature)[1]["code"] == "malformed"
    assert _post(b, envelope, signature)[0] == 201
    # Another delivery under the same referral id is a replay.
    proposed_again = json.loads(envelope)
    proposed_again["package"] = base64.b64encode(b"other").decode()
    status, answer = _post(b, json.dumps(proposed_again).encode(), signature)
    assert status in (401, 409)
    state = b.act("state", referral=proposed["referral"])
    refused = [e["data"]["reason"] for e in state["events"] if e["action"] == "referral.refused"]
    assert refused[:3] == ["unknown-sender", "bad-signature", "malformed"]
    assert state["arrival"] == "received"
