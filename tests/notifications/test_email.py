"""Notifications by e-mail through a real SMTP server on loopback: counts only, batched by the
organisation's cadence, retried while the mail server is away, and never a byte of a case."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from haven.accounts.models import Member
from haven.crypto.codenames import normalise, requester_key_pair
from haven.intake.services import Accepted
from haven.messaging.services import message_from_requester
from haven.notifications.models import Cadence, Channel, Notice
from haven.notifications.services import (
    cadence_set,
    channel_set,
    channel_switch,
    send_due,
)
from haven.volunteers.models import BedOffer
from haven.volunteers.offering import bed_offer_save
from haven.volunteers.placements import placement_confirm
from tests.conftest import Persona, login, stored
from tests.notifications.mail import MailServer

HOST_ADDRESS = "hana.notices@example.org"
STORY = "Пересёк границу у Верхнего Ларса, телефон проверяли"


def _offer(host: Persona) -> BedOffer:
    today = timezone.localdate()
    return bed_offer_save(
        actor=host.member,
        offer=None,
        place="kz-almaty",
        capacity=6,
        available_from=today,
        available_until=today + timedelta(days=20),
        languages=["ru"],
        accepts=["families"],
        address="ул. Абая 150, кв. 12",
        contact="@hana_host",
        rules="",
    )


def _body(mail: EmailMessage[str, str]) -> str:
    part = mail.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def _later(minutes: int) -> Any:
    return timezone.now() + timedelta(minutes=minutes)


def test_a_host_is_told_of_proposals_by_count_alone(
    smtp: MailServer,
    coordinator: Persona,
    host: Persona,
    make_request: Callable[..., Accepted],
) -> None:
    channel_set(actor=host.member, address=HOST_ADDRESS, language="en")
    offer = _offer(host)
    accepted = [make_request(story=STORY, group_size=1) for _ in range(2)]
    for request in accepted:
        placement_confirm(actor=coordinator.member, case=request.case, offer=offer)

    first = send_due()
    assert (first.sent, first.failed) == (1, 0)
    [mail] = smtp.read()
    assert mail["To"] == HOST_ADDRESS
    assert "You have 2 new proposals." in _body(mail)
    # Everything the mail server received, but for the address it had to be given.
    raw = b"".join(smtp.sink.mails).replace(HOST_ADDRESS.encode(), b"")
    for request in accepted:
        for secret in (str(request.case.pk), request.case.pk.hex, request.codename):
            assert secret.encode() not in raw
    for secret in (STORY, "Алексей", "kz-almaty", "Almaty", "Алматы", "Ark", "hana", "Абая"):
        assert secret.encode() not in raw, secret
        assert secret.encode("utf-8").hex().encode() not in raw
    assert not Notice.objects.exists()


def test_notices_within_the_cadence_wait_for_one_message(
    smtp: MailServer,
    coordinator: Persona,
    host: Persona,
    make_request: Callable[..., Accepted],
) -> None:
    cadence_set(actor=coordinator.member, every_minutes=30)
    channel_set(actor=host.member, address=HOST_ADDRESS, language="ru")
    offer = _offer(host)
    placement_confirm(actor=coordinator.member, case=make_request().case, offer=offer)
    assert send_due().sent == 1
    for _ in range(3):
        placement_confirm(actor=coordinator.member, case=make_request().case, offer=offer)
    assert send_due(now=_later(10)).sent == 0
    assert send_due(now=_later(29)).sent == 0
    assert send_due(now=_later(31)).sent == 1
    first, second = smtp.read()
    assert "1 новое предложение" in _body(first)
    assert "3 новых предложения" in _body(second)


def test_a_requester_message_tells_the_counselor_it_is_shared_with(
    smtp: MailServer,
    coordinator: Persona,
    counselor: Persona,
    make_request: Callable[..., Accepted],
) -> None:
    from haven.cases.lifecycle import case_triage
    from haven.cases.sharing import case_share
    from tests.conftest import keyring_of

    accepted = make_request()
    case = accepted.case
    case_triage(actor=coordinator.member, case=case, decision="accept")
    case_share(
        actor=coordinator.member,
        keyring=keyring_of(coordinator),
        case=case,
        member=counselor.member,
    )
    channel_set(actor=counselor.member, address="boris@example.org", language="en")
    channel_set(actor=coordinator.member, address="anna@example.org", language="en")
    private = requester_key_pair(normalise(accepted.codename)).private
    message_from_requester(case=case, requester_private=private, text=STORY)
    message_from_requester(case=case, requester_private=private, text="ещё")

    assert send_due().sent == 1
    [mail] = smtp.read()
    assert mail["To"] == "boris@example.org"
    assert "You have 2 new messages." in _body(mail)
    assert STORY.encode() not in smtp.sink.mails[0]


def test_a_mail_server_that_is_away_is_retried_with_back_off_and_nothing_is_lost(
    smtp: MailServer,
    coordinator: Persona,
    host: Persona,
    make_request: Callable[..., Accepted],
) -> None:
    channel_set(actor=host.member, address=HOST_ADDRESS, language="en")
    placement_confirm(actor=coordinator.member, case=make_request().case, offer=_offer(host))
    smtp.stop()

    failed = send_due()
    assert (failed.sent, failed.failed) == (0, 1)
    channel = Channel.objects.get(member=host.member)
    assert channel.failures == 1
    assert channel.next_try_at is not None
    assert Notice.objects.count() == 1
    assert send_due().failed == 0  # not yet: it waits a minute before trying again
    assert send_due(now=_later(2)).failed == 1
    channel.refresh_from_db()
    assert channel.failures == 2
    assert channel.next_try_at is not None
    assert channel.next_try_at - _later(2) > timedelta(minutes=1)

    smtp.start()
    assert send_due(now=_later(10)).sent == 1
    assert "You have 1 new proposal." in _body(smtp.read()[0])
    channel.refresh_from_db()
    assert (channel.failures, channel.next_try_at) == (0, None)


def test_the_off_switch_stops_notices_and_drops_what_waited(
    smtp: MailServer,
    coordinator: Persona,
    host: Persona,
    make_request: Callable[..., Accepted],
) -> None:
    channel_set(actor=host.member, address=HOST_ADDRESS, language="en")
    offer = _offer(host)
    placement_confirm(actor=coordinator.member, case=make_request().case, offer=offer)
    channel_switch(actor=host.member, enabled=False)
    placement_confirm(actor=coordinator.member, case=make_request().case, offer=offer)
    assert send_due().sent == 0
    assert not Notice.objects.exists()
    assert smtp.sink.mails == []


def test_the_address_is_sealed_and_bound_to_its_member(coordinator: Persona, host: Persona) -> None:
    from haven.crypto import CryptoError
    from haven.notifications.services import address_of

    channel = channel_set(actor=host.member, address=HOST_ADDRESS, language="en")
    assert HOST_ADDRESS.encode() not in stored(channel.address_sealed)
    assert b"hana.notices" not in stored(channel.address_sealed)
    moved = Channel(member=coordinator.member, address_sealed=channel.address_sealed)
    with pytest.raises(CryptoError):
        address_of(moved)


def test_the_page_sets_the_address_and_explains_a_bad_one(
    host: Persona, coordinator: Persona
) -> None:
    client = login(Client(), host)
    page = client.get("/en/notifications/")
    assert page.status_code == 200
    assert "never who, where or why" in page.content.decode()
    bad = client.post("/ru/notifications/channel/", {"address": "hana at home", "language": "ru"})
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "hana at home" in text
    assert "name@example.org" in text
    good = client.post("/en/notifications/channel/", {"address": HOST_ADDRESS, "language": "en"})
    assert good.status_code == 200
    assert "Notifications are on." in good.content.decode()
    assert Channel.objects.get(member=host.member).enabled
    off = client.post("/en/notifications/switch/", {"enabled": "0"})
    assert "Notifications are off." in off.content.decode()
    assert not Channel.objects.get(member=host.member).enabled
    # The cadence is the organisation's: a host cannot set it.
    assert client.post("/en/notifications/cadence/", {"every_minutes": "5"}).status_code == 403
    boss = login(Client(), coordinator)
    too_often = boss.post("/en/notifications/cadence/", {"every_minutes": "0"})
    assert too_often.status_code == 400
    assert boss.post("/en/notifications/cadence/", {"every_minutes": "5"}).status_code == 200
    assert Cadence.objects.get(organisation=coordinator.member.organisation).every_minutes == 5


def test_a_suspended_member_is_not_told(
    smtp: MailServer,
    coordinator: Persona,
    host: Persona,
    make_request: Callable[..., Accepted],
) -> None:
    channel_set(actor=host.member, address=HOST_ADDRESS, language="en")
    offer = _offer(host)
    placement_confirm(actor=coordinator.member, case=make_request().case, offer=offer)
    Member.objects.filter(pk=host.member.pk).update(is_active=False)
    assert send_due().sent == 0
    assert smtp.sink.mails == []
