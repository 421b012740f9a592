"""A requester's "there is an answer for you" ping, through a real SMTP server on loopback: it
carries no byte of the case, comes at most once per the organisation's cadence, is retried while
the mail server is away, stops with the off switch or the address forgotten, and the address is
sealed and shown to nobody."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from haven.audit.models import Event
from haven.cases.lifecycle import case_triage
from haven.cases.models import Case
from haven.cases.retention import case_shred
from haven.crypto import CryptoError
from haven.intake.services import Accepted
from haven.messaging.services import message_to_requester
from haven.notifications.models import Ping
from haven.notifications.services import (
    cadence_set,
    ping_address_of,
    ping_remove,
    ping_switch,
    send_pings,
)
from haven.volunteers.offering import bed_offer_save
from haven.volunteers.placements import placement_confirm
from tests.conftest import Persona, keyring_of, login, stored
from tests.intake.test_ask import _fresh_form
from tests.notifications.mail import MailServer, body_of

ADDRESS = "quiet.reader.7@example.org"
STORY = "Пересёк границу у Верхнего Ларса, телефон проверяли"
STATUS_ADDRESS = "http://haven-test.onion"


@pytest.fixture(autouse=True)
def _status_address(settings: Any) -> None:
    settings.HAVEN_STATUS_ADDRESS = STATUS_ADDRESS


@pytest.fixture
def pinged(coordinator: Persona, make_request: Callable[..., Accepted]) -> Accepted:
    """A request that left a ping address, taken on by a coordinator."""
    accepted = make_request(
        story=STORY,
        name="Алексей Петров",
        contact="@aleksey_quiet",
        location_detail="Верхний Ларс, очередь у шлагбаума",
        for_counselor="Двое детей, нет загранпаспорта",
        ping_address=ADDRESS,
    )
    case_triage(actor=coordinator.member, case=accepted.case, decision="accept")
    return accepted


def _write(coordinator: Persona, case: Case, text: str = "Мы нашли вам место в Алматы") -> None:
    message_to_requester(
        actor=coordinator.member, keyring=keyring_of(coordinator), case=case, text=text
    )


def _later(minutes: int) -> Any:
    return timezone.now() + timedelta(minutes=minutes)


def test_the_ping_arrives_and_carries_no_byte_of_the_case(
    smtp: MailServer, coordinator: Persona, pinged: Accepted
) -> None:
    case = pinged.case
    written = "Мы нашли вам место в Алматы, улица Абая"
    _write(coordinator, case, written)
    assert send_pings().sent == 1
    [mail] = smtp.read()
    assert mail["To"] == ADDRESS
    assert mail["Subject"] == "There is an answer for you"
    assert body_of(mail).strip() == (
        f"There is an answer for you. Log in with your codename at {STATUS_ADDRESS}/en/status/."
    )
    # Every byte the mail server received, raw and decoded, but for the address it had to be given.
    raw = smtp.sink.mails[0].replace(ADDRESS.encode(), b"")
    decoded = (str(mail["Subject"]) + body_of(mail)).replace(ADDRESS, "")
    secrets = [
        str(case.pk),
        case.pk.hex,
        pinged.codename,
        pinged.codename.replace(" ", ""),
        STORY,
        "Алексей",
        "Петров",
        "aleksey_quiet",
        "Верхний Ларс",
        "загранпаспорт",
        written,
        "Абая",
        case.place,
        "Almaty",
        "Алматы",
        "called_up",
        "Ark",
        "/ark",
        coordinator.member.handle,
    ]
    for secret in secrets:
        for text in (secret, secret.lower()):
            assert text.encode() not in raw, text
            assert text.encode().hex().encode() not in raw, text
            assert text not in decoded, text
    assert Ping.objects.get(case=case).waiting == 0


def test_a_russian_ping_is_in_russian(
    smtp: MailServer, coordinator: Persona, make_request: Callable[..., Accepted]
) -> None:
    from haven.notifications.services import ping_set

    accepted = make_request()
    ping_set(case=accepted.case, address=ADDRESS, language="ru")
    case_triage(actor=coordinator.member, case=accepted.case, decision="accept")
    assert send_pings().sent == 1
    [mail] = smtp.read()
    assert mail["Subject"] == "Для вас есть ответ"
    assert body_of(mail).strip() == (
        f"Для вас есть ответ. Войдите со своим кодовым именем на {STATUS_ADDRESS}/ru/status/."
    )


def test_three_messages_in_a_cadence_make_one_ping(
    smtp: MailServer, coordinator: Persona, pinged: Accepted
) -> None:
    cadence_set(actor=coordinator.member, every_minutes=30)
    for _ in range(3):
        _write(coordinator, pinged.case)
    assert send_pings().sent == 1
    for minutes in (5, 10, 20):
        _write(coordinator, pinged.case)
        assert send_pings(now=_later(minutes)).sent == 0
    assert send_pings(now=_later(29)).sent == 0
    assert send_pings(now=_later(31)).sent == 1
    assert send_pings(now=_later(45)).sent == 0  # nothing new since
    assert len(smtp.sink.mails) == 2


def test_the_batching_figure(smtp: MailServer, coordinator: Persona, pinged: Accepted) -> None:
    """One message every 2 minutes for an hour, the worker's round every minute, the default
    cadence (15 minutes): `pytest … -s` prints the figure docs/deploy.md quotes."""
    start = timezone.now()
    messages = 0
    for minute in range(60):
        if minute % 2 == 0:
            _write(coordinator, pinged.case)
            messages += 1
        send_pings(now=start + timedelta(minutes=minute))
    pings = len(smtp.sink.mails)
    print(f"\n{messages} messages in 60 minutes -> {pings} pings (cadence 15 minutes)")
    assert pings == 4


def test_a_mail_server_that_is_away_is_retried_with_back_off(
    smtp: MailServer, coordinator: Persona, pinged: Accepted
) -> None:
    _write(coordinator, pinged.case)
    smtp.stop()
    assert send_pings().failed == 1
    ping = Ping.objects.get(case=pinged.case)
    assert ping.failures == 1
    assert ping.next_try_at is not None
    assert send_pings().failed == 0  # not yet: it waits a minute before trying again
    assert send_pings(now=_later(2)).failed == 1
    ping.refresh_from_db()
    assert ping.failures == 2
    assert ping.next_try_at is not None
    assert ping.next_try_at - _later(2) > timedelta(minutes=1)
    smtp.start()
    assert send_pings(now=_later(10)).sent == 1
    assert len(smtp.read()) == 1
    ping.refresh_from_db()
    assert (ping.failures, ping.next_try_at, ping.waiting) == (0, None, 0)


def test_the_off_switch_and_forgetting_stop_the_pings(
    smtp: MailServer, coordinator: Persona, pinged: Accepted
) -> None:
    case = pinged.case
    assert ping_switch(case=case, enabled=False)
    _write(coordinator, case)
    assert send_pings().sent == 0
    assert ping_switch(case=case, enabled=True)
    _write(coordinator, case)
    assert send_pings().sent == 1
    ping_remove(case=case)
    _write(coordinator, case, "ещё одно")
    assert send_pings(now=_later(60)).sent == 0
    assert not Ping.objects.filter(case=case).exists()
    assert len(smtp.sink.mails) == 1
    actions = set(Event.objects.filter(target_id=str(case.pk)).values_list("action", flat=True))
    assert {"ping.off", "ping.on", "ping.remove"} <= actions


def test_a_placement_proposal_pings_and_the_requesters_own_words_do_not(
    smtp: MailServer, coordinator: Persona, host: Persona, pinged: Accepted
) -> None:
    from haven.crypto.codenames import normalise, requester_key_pair
    from haven.messaging.services import message_from_requester

    private = requester_key_pair(normalise(pinged.codename)).private
    assert send_pings().sent == 1  # the triage
    message_from_requester(case=pinged.case, requester_private=private, text="жду")
    assert Ping.objects.get(case=pinged.case).waiting == 0
    today = timezone.localdate()
    offer = bed_offer_save(
        actor=host.member,
        offer=None,
        place="kz-almaty",
        capacity=4,
        available_from=today,
        available_until=today + timedelta(days=20),
        languages=["ru"],
        accepts=[],
        address="ул. Абая 150",
        contact="@hana_host",
        rules="",
    )
    placement_confirm(actor=coordinator.member, case=pinged.case, offer=offer)
    assert Ping.objects.get(case=pinged.case).waiting > 0
    # A host who never answers: the proposal expires, and the requester hears of it too.
    from haven.volunteers.placements import placements_expire

    Ping.objects.filter(case=pinged.case).update(waiting=0)
    assert placements_expire(timezone.now() + timedelta(days=2)) == 1
    assert Ping.objects.get(case=pinged.case).waiting == 1


def test_the_address_is_sealed_bound_to_its_case_and_gone_with_a_shred(
    coordinator: Persona, pinged: Accepted, make_request: Callable[..., Accepted]
) -> None:
    ping = Ping.objects.get(case=pinged.case)
    for column in (ping.address_sealed, ping.sealed_key):
        assert ADDRESS.encode() not in stored(column)
        assert b"quiet.reader" not in stored(column)
    assert ping_address_of(ping) == ADDRESS
    moved = Ping(
        case=make_request().case, sealed_key=ping.sealed_key, address_sealed=ping.address_sealed
    )
    with pytest.raises(CryptoError):
        ping_address_of(moved)
    case_shred(actor=None, case=pinged.case, reason="forget")
    assert not Ping.objects.filter(case=pinged.case).exists()


def test_the_desk_the_case_page_and_the_reveal_never_show_the_address(
    coordinator: Persona, pinged: Accepted
) -> None:
    client = login(Client(), coordinator)
    case = pinged.case
    pages = [
        client.get("/en/desk/"),
        client.get(f"/en/desk/{case.pk}/"),
        client.post(
            f"/en/desk/{case.pk}/reveal/", {"reason": "checking the whole case", "scope": "full"}
        ),
        client.get(f"/en/desk/{case.pk}/"),
    ]
    assert pages[2].status_code == 200
    assert STORY in pages[2].content.decode()  # the reveal did open the case
    for page in pages:
        text = page.content.decode()
        assert ADDRESS not in text and "quiet.reader" not in text


def test_the_request_form_takes_an_address_and_refuses_a_bad_one_in_russian(
    organisation: Any,
) -> None:
    client = Client()
    form = {**_fresh_form(client), "name": "Дмитрий", "ping": "dmitry at home"}
    bad = client.post("/ru/help/ark/", form)
    assert bad.status_code == 400
    page = bad.content.decode()
    assert "Введите адрес электронной почты, например name@example.org." in page
    assert 'value="dmitry at home"' in page and 'value="Дмитрий"' in page
    assert '<details class="more" open>' in page
    assert not Case.objects.exists()
    good = client.post("/ru/help/ark/", {**form, "ping": ADDRESS})
    assert good.status_code == 201
    ping = Ping.objects.get()
    assert (ping.language, ping.enabled, ping.waiting) == ("ru", True, 0)
    assert ping_address_of(ping) == ADDRESS
    assert ADDRESS not in good.content.decode()


def _logged_in(accepted: Accepted, language: str = "en") -> Client:
    client = Client()
    response = client.post(f"/{language}/status/", {"codename": accepted.codename})
    assert response.status_code == 302
    return client


def test_the_status_page_adds_changes_switches_and_forgets_the_address(
    make_request: Callable[..., Accepted],
) -> None:
    accepted = make_request()
    client = _logged_in(accepted, "ru")
    page = client.get("/ru/status/").content.decode()
    assert 'action="/ru/status/ping/"' in page and "<script" not in page
    bad = client.post("/ru/status/ping/", {"do": "set", "address": "no at sign", "language": "ru"})
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "Введите адрес электронной почты" in text and 'value="no at sign"' in text
    assert not Ping.objects.exists()

    saved = client.post("/en/status/ping/", {"do": "set", "address": ADDRESS, "language": "en"})
    assert saved.status_code == 200
    assert "you get a ping" in saved.content.decode()
    assert ADDRESS not in saved.content.decode()  # never shown back, not even to the requester
    assert ping_address_of(Ping.objects.get(case=accepted.case)) == ADDRESS

    changed = client.post(
        "/en/status/ping/", {"do": "set", "address": "other@example.org", "language": "ru"}
    )
    assert changed.status_code == 200
    ping = Ping.objects.get(case=accepted.case)
    assert (ping_address_of(ping), ping.language) == ("other@example.org", "ru")

    off = client.post("/en/status/ping/", {"do": "off"})
    assert "Pings are off." in off.content.decode()
    assert not Ping.objects.get(case=accepted.case).enabled
    on = client.post("/en/status/ping/", {"do": "on"})
    assert "Pings are on." in on.content.decode()
    assert Ping.objects.get(case=accepted.case).enabled
    gone = client.post("/en/status/ping/", {"do": "remove"})
    assert "forgotten" in gone.content.decode()
    assert not Ping.objects.exists()
    assert client.post("/en/status/ping/", {"do": "off"}).status_code == 400
    assert client.post("/en/status/ping/", {"do": "nonsense"}).status_code == 400


def test_the_ping_route_without_a_codename_login_goes_to_the_login(
    make_request: Callable[..., Accepted],
) -> None:
    make_request(ping_address=ADDRESS)
    response = Client().post("/en/status/ping/", {"do": "remove"})
    assert response.status_code == 302 and response["Location"].endswith("/en/status/")
    assert Ping.objects.count() == 1


def test_a_ping_page_weighs_little_and_runs_no_script(
    make_request: Callable[..., Accepted],
) -> None:
    from tests.intake.test_weight import LIMIT, weigh

    accepted = make_request(ping_address=ADDRESS)
    client = _logged_in(accepted, "ru")
    for response in (
        client.get("/ru/status/"),
        client.post("/ru/status/ping/", {"do": "set", "address": "x", "language": "ru"}),
        client.post("/ru/status/ping/", {"do": "off"}),
    ):
        assert weigh(client, response.content) <= LIMIT
        assert re.search(r"<script", response.content.decode()) is None


def _referred(
    coordinator: Persona, outsider: Persona, pinged: Accepted, emergency: str = ""
) -> Any:
    """Ark's pinged request referred to the other organisation, each a partner of the other."""
    from haven.referrals.partners import identity_ensure, partner_add_local
    from haven.referrals.proposals import referral_propose

    identity_ensure(keyring=keyring_of(coordinator))
    identity_ensure(keyring=keyring_of(outsider))
    partner = partner_add_local(
        actor=coordinator.member,
        other=outsider.member.organisation,
        needs=[],
        countries=[],
        languages=[],
    )
    partner_add_local(
        actor=outsider.member,
        other=coordinator.member.organisation,
        needs=[],
        countries=[],
        languages=[],
    )
    return referral_propose(
        actor=coordinator.member,
        keyring=keyring_of(coordinator),
        case=pinged.case,
        partner=partner,
        fields=["story"],
        with_thread=False,
        with_documents=False,
        reason="they have a lawyer in Almaty",
        emergency_reason=emergency,
    )


def test_a_referral_partners_answer_pings_the_requester(
    coordinator: Persona, outsider: Persona, pinged: Accepted
) -> None:
    from haven.referrals.arrivals import arrival_answer
    from haven.referrals.delivery import deliver_due
    from haven.referrals.models import Arrival

    referral = _referred(coordinator, outsider, pinged, emergency="no time to ask first")
    deliver_due()
    Ping.objects.filter(case=pinged.case).update(waiting=0)
    arrival_answer(
        actor=outsider.member,
        keyring=keyring_of(outsider),
        arrival=Arrival.objects.get(pk=referral.pk),
        accept=False,
    )
    deliver_due()
    referral.refresh_from_db()
    assert referral.status == "declined"
    assert Ping.objects.get(case=pinged.case).waiting == 1


def test_messages_relayed_from_a_partner_on_another_install_ping_the_requester(
    coordinator: Persona, outsider: Persona, pinged: Accepted
) -> None:
    from haven.crypto.keys import new_key_pair
    from haven.crypto.signing import signing_pair_from
    from haven.referrals import envelopes
    from haven.referrals.models import Referral, ReferralStatus
    from haven.referrals.partners import identity_ensure
    from haven.referrals.receiving import receive

    referral = _referred(coordinator, outsider, pinged)
    ark = identity_ensure(keyring=keyring_of(coordinator))
    # As if the partner, on another install, had accepted and named its relay key.
    relay = signing_pair_from(new_key_pair().private)
    Referral.objects.filter(pk=referral.pk).update(
        status=ReferralStatus.ACCEPTED, relay_public=relay.public
    )
    Ping.objects.filter(case=pinged.case).update(waiting=0)
    body, signature = envelopes.build(
        kind="relay",
        referral_id=referral.pk,
        signing_public=relay.public,
        signing_seed=relay.seed,
        box_public=bytes(ark.box_public),
        organisation_slug="",
        to_fingerprint=ark.fingerprint,
        thread=b"sealed thread key",
        messages=(envelopes.Relayed(referral.pk, 1, "2026-12-04T03:00:00+00:00", b"sealed"),),
    )
    assert receive(body, envelopes.b64(signature)).status == 201
    assert Ping.objects.get(case=pinged.case).waiting == 1
    # The same relay again brings nothing new, and no second ping.
    assert receive(body, envelopes.b64(signature)).status == 200
    assert Ping.objects.get(case=pinged.case).waiting == 1


def test_an_api_client_may_leave_a_ping_address_and_a_bad_one_is_refused_by_field(
    organisation: Any,
) -> None:
    import json

    body = {"needs": ["shelter"], "place": "kz-almaty", "contact": "@via_app", "ping": ADDRESS}
    created = Client().post("/api/v1/intake", json.dumps(body), content_type="application/json")
    assert created.status_code == 201
    ping = Ping.objects.get()
    assert ADDRESS.encode() not in stored(ping.address_sealed)
    assert ping_address_of(ping) == ADDRESS
    bad = Client().post(
        "/api/v1/intake",
        json.dumps({**body, "ping": "not an address"}),
        content_type="application/json",
        headers={"Accept-Language": "ru"},
    )
    assert bad.status_code == 422
    assert bad.json()["errors"]["ping"] == [
        "Введите адрес электронной почты, например name@example.org."
    ]
    assert Ping.objects.count() == 1
