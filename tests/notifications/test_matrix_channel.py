"""A member told on Matrix instead of e-mail: the id checked and sealed like the address, the same
cadence, back-off and off switch as the e-mail round, and the same words. The sending itself, on
a real homeserver, is in tests/bot/test_matrix_notices.py."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from haven.crypto import CryptoError
from haven.intake.services import Accepted
from haven.notifications.models import Channel, Kind, Notice
from haven.notifications.services import (
    address_of,
    channel_remove,
    channel_set,
    channel_switch,
    clean_matrix_id,
    matrix_due,
    matrix_sent,
    send_due,
)
from haven.volunteers.placements import placement_confirm
from tests.conftest import Persona, login, stored
from tests.notifications.mail import MailServer
from tests.notifications.test_email import STORY, _offer

HANA = "@hana.notices:matrix.example.org"


def _later(minutes: float) -> Any:
    return timezone.now() + timedelta(minutes=minutes)


@pytest.mark.parametrize(
    "typed",
    ["@hana:example.org", "@h_a-n.a=1/2+3:matrix.example.org:8448", "@anna:[::1]:8008", " @a:b "],
)
def test_a_matrix_id_as_the_spec_allows_it(typed: str) -> None:
    assert clean_matrix_id(typed) == typed.strip()


@pytest.mark.parametrize(
    "typed",
    [
        "hana:example.org",
        "@hana",
        "@Hana:example.org",
        "@hana:exa mple.org",
        "hana@example.org",
        "",
    ],
)
def test_a_bad_matrix_id_says_what_to_type(typed: str) -> None:
    with pytest.raises(ValidationError) as raised:
        clean_matrix_id(typed)
    assert raised.value.code == "address"
    assert "@name:example.org" in raised.value.messages[0]


def test_a_too_long_matrix_id_is_refused() -> None:
    with pytest.raises(ValidationError):
        clean_matrix_id("@" + "a" * 250 + ":example.org")


def test_the_matrix_id_is_sealed_and_bound_to_its_member(
    coordinator: Persona, host: Persona
) -> None:
    channel = channel_set(actor=host.member, address=HANA, language="en", kind=Kind.MATRIX)
    assert channel.kind == Kind.MATRIX
    assert HANA.encode() not in stored(channel.address_sealed)
    assert b"hana.notices" not in stored(channel.address_sealed)
    assert address_of(channel) == HANA
    moved = Channel(member=coordinator.member, address_sealed=channel.address_sealed)
    with pytest.raises(CryptoError):
        address_of(moved)


def test_an_unknown_kind_is_refused(host: Persona) -> None:
    with pytest.raises(ValidationError) as raised:
        channel_set(actor=host.member, address=HANA, language="en", kind="pigeon")
    assert raised.value.code == "kind"
    assert not Channel.objects.exists()


def test_matrix_channels_follow_the_cadence_and_back_off_and_the_worker_leaves_them(
    smtp: MailServer,
    coordinator: Persona,
    host: Persona,
    make_request: Callable[..., Accepted],
) -> None:
    channel_set(actor=host.member, address=HANA, language="en", kind=Kind.MATRIX)
    offer = _offer(host)
    for _ in range(2):
        placement_confirm(
            actor=coordinator.member, case=make_request(story=STORY).case, offer=offer
        )
    # The e-mail round does not send a Matrix member's notices: they wait for the bot.
    assert send_due().sent == 0
    assert smtp.sink.mails == []
    [notice] = matrix_due()
    assert notice.user_id == HANA
    assert notice.text.startswith("You have 2 new proposals.")
    assert "Log in to Haven" in notice.text
    for secret in (STORY, "kz-almaty", "Almaty", "Ark", "hana"):
        assert secret not in notice.text.replace(HANA, "")

    # A failed send backs off, as the e-mail round does: 1 minute, then 2.
    now = timezone.now()
    matrix_sent(notice=notice, delivered=False, now=now)
    assert Channel.objects.get().failures == 1
    assert matrix_due(now=now + timedelta(seconds=30)) == []
    [again] = matrix_due(now=now + timedelta(seconds=61))
    matrix_sent(notice=again, delivered=True, now=now + timedelta(seconds=61))
    channel = Channel.objects.get()
    assert (channel.failures, channel.next_try_at) == (0, None)
    assert not Notice.objects.exists()

    # Within the cadence (15 minutes by default) what comes waits, then goes as one notice.
    for _ in range(2):
        placement_confirm(actor=coordinator.member, case=make_request().case, offer=offer)
    assert matrix_due(now=now + timedelta(minutes=10)) == []
    [batched] = matrix_due(now=now + timedelta(minutes=17))
    assert batched.text.startswith("You have 2 new proposals.")


def test_the_matrix_notice_is_in_the_members_language(
    coordinator: Persona, host: Persona, make_request: Callable[..., Accepted]
) -> None:
    channel_set(actor=host.member, address=HANA, language="ru", kind=Kind.MATRIX)
    placement_confirm(actor=coordinator.member, case=make_request().case, offer=_offer(host))
    [notice] = matrix_due()
    assert notice.text.startswith("У вас 1 новое предложение.")


def test_the_off_switch_and_removal_hold_for_matrix(
    coordinator: Persona, host: Persona, make_request: Callable[..., Accepted]
) -> None:
    channel_set(actor=host.member, address=HANA, language="en", kind=Kind.MATRIX)
    offer = _offer(host)
    placement_confirm(actor=coordinator.member, case=make_request().case, offer=offer)
    channel_switch(actor=host.member, enabled=False)
    assert not Notice.objects.exists()
    placement_confirm(actor=coordinator.member, case=make_request().case, offer=offer)
    assert matrix_due() == []
    channel_remove(actor=host.member)
    assert not Channel.objects.exists()


def test_the_page_chooses_matrix_and_explains_a_bad_id_in_russian(host: Persona) -> None:
    client = login(Client(), host)
    page = client.get("/ru/notifications/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "value=matrix>" in text and "<script" not in text
    bad = client.post(
        "/ru/notifications/channel/",
        {"kind": "matrix", "address": "hana на matrix.org", "language": "ru"},
    )
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "hana на matrix.org" in text
    assert "Введите Matrix id, например @name:example.org." in text
    assert "value=matrix checked" in text
    assert not Channel.objects.exists()
    # An e-mail address given as a Matrix id is refused as one, not taken as e-mail.
    assert (
        client.post(
            "/en/notifications/channel/",
            {"kind": "matrix", "address": "hana@example.org", "language": "en"},
        ).status_code
        == 400
    )
    good = client.post(
        "/en/notifications/channel/", {"kind": "matrix", "address": HANA, "language": "en"}
    )
    assert good.status_code == 200
    text = good.content.decode()
    assert "Notifications are on." in text and "Channel: Matrix." in text
    assert HANA in text  # shown back to its own member only
    channel = Channel.objects.get(member=host.member)
    assert channel.kind == Kind.MATRIX and address_of(channel) == HANA
    # Back to e-mail on the same form.
    client.post(
        "/en/notifications/channel/",
        {"kind": "email", "address": "hana@example.org", "language": "en"},
    )
    assert Channel.objects.get(member=host.member).kind == Kind.EMAIL
    unknown = client.post(
        "/en/notifications/channel/", {"kind": "pigeon", "address": HANA, "language": "en"}
    )
    assert unknown.status_code == 400
