"""The referral pages: a coordinator refers from the case, the requester consents on the status
page (no script, English and Russian), the partner accepts, and the requester reads its answer
and its messages."""

import io
from collections.abc import Callable

import pytest
from django.test import Client
from PIL import Image

from haven.intake.services import Accepted
from haven.messaging.models import Message
from haven.messaging.photos import clean_photo
from haven.messaging.services import message_to_requester, thread_for_staff
from haven.referrals.models import Arrival, Partner, Referral, ReferralStatus
from tests.conftest import Persona, keyring_of, stored
from tests.referrals.conftest import Pair


def _refer(desk: Client, requested: Accepted, partners: Pair, **extra: str) -> Referral:
    response = desk.post(
        f"/en/referrals/case/{requested.case.pk}/",
        {
            "partner": partners.to_other.pk,
            "chosen": ["name", "story"],
            "reason": "They need a lawyer in Germany.",
            **extra,
        },
    )
    assert response.status_code == 302, response.content.decode()[:800]
    return Referral.objects.get(case=requested.case)


def _requester(requested: Accepted, language: str = "en") -> Client:
    client = Client()
    response = client.post(f"/{language}/status/", {"codename": requested.codename})
    assert response.status_code == 302
    return client


@pytest.mark.parametrize(
    ("language", "warning"),
    [
        ("en", "destroys our copy only"),
        ("ru", "уничтожит только нашу копию"),
    ],
)
def test_requester_is_told_shredding_stays_on_one_side_before_consenting(
    member_client: Callable[[Persona], Client],
    coordinator: Persona,
    requested: Accepted,
    partners: Pair,
    language: str,
    warning: str,
) -> None:
    _refer(member_client(coordinator), requested, partners)
    requester = _requester(requested, language)
    status = requester.get(f"/{language}/status/")
    assert f"/{language}/status/referrals/" in status.content.decode()
    page = requester.get(f"/{language}/status/referrals/")
    body = page.content.decode()
    assert warning in body
    assert "<script" not in body
    assert "script-src 'none'" in page["Content-Security-Policy"] or "script-src" not in page[
        "Content-Security-Policy"
    ].replace("script-src 'none'", "")
    assert len(page.content) < 20_000


def test_requester_consent_sends_and_the_partners_answer_and_messages_reach_them(
    member_client: Callable[[Persona], Client],
    coordinator: Persona,
    outsider: Persona,
    requested: Accepted,
    partners: Pair,
) -> None:
    referral = _refer(member_client(coordinator), requested, partners)
    requester = _requester(requested)
    answered = requester.post(f"/en/status/referrals/{referral.pk}/", {"answer": "accept"})
    assert answered.status_code == 302
    arrival = Arrival.objects.get(pk=referral.pk)
    other_desk = member_client(outsider)
    listed = other_desk.get("/en/referrals/arrivals/")
    assert "Ark" in listed.content.decode()
    accepted = other_desk.post(
        f"/en/referrals/arrivals/{arrival.pk}/",
        {"answer": "accept", "note": "We have a lawyer for you."},
    )
    assert accepted.status_code == 302
    arrival.refresh_from_db()
    assert arrival.case is not None
    message_to_requester(
        actor=outsider.member,
        keyring=keyring_of(outsider),
        case=arrival.case,
        text="Come on Tuesday at ten.",
    )
    from haven.referrals.delivery import deliver_due

    deliver_due()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED
    body = requester.get("/en/status/referrals/").content.decode()
    assert "They accepted your request." in body
    assert "We have a lawyer for you." in body
    assert "Come on Tuesday at ten." in body


def test_requester_refusal_keeps_the_request_here(
    member_client: Callable[[Persona], Client],
    coordinator: Persona,
    requested: Accepted,
    partners: Pair,
) -> None:
    referral = _refer(member_client(coordinator), requested, partners)
    requester = _requester(requested)
    requester.post(f"/en/status/referrals/{referral.pk}/", {"answer": "refuse"})
    body = requester.get("/en/status/referrals/").content.decode()
    assert "nothing was passed on" in body
    assert not Arrival.objects.exists()


def test_partners_page_shows_our_fingerprint_and_a_wrong_one_is_refused_with_what_was_typed(
    member_client: Callable[[Persona], Client], coordinator: Persona, partners: Pair
) -> None:
    desk = member_client(coordinator)
    page = desk.get("/en/referrals/partners/").content.decode()
    assert partners.to_ark.fingerprint in page  # Ark's own fingerprint, as Other holds it
    response = desk.post(
        "/en/referrals/partners/remote/",
        {
            "name": "Rechtshilfe",
            "address": "https://haven.example.org",
            "keys": page.split('id="own-keys" type="text" readonly value="')[1].split('"')[0],
            "fingerprint": "12345 12345 12345 12345 12345 12345",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "does not match" in body
    assert "Rechtshilfe" in body


def test_a_counselor_gets_no_referral_page(
    member_client: Callable[[Persona], Client], counselor: Persona, requested: Accepted
) -> None:
    response = member_client(counselor).get(f"/en/referrals/case/{requested.case.pk}/")
    assert response.status_code == 403


def test_a_referred_document_opens_for_the_receiving_coordinator_only(
    member_client: Callable[[Persona], Client],
    coordinator: Persona,
    outsider: Persona,
    requested: Accepted,
    partners: Pair,
) -> None:
    from haven.audit.models import Event
    from haven.referrals.arrivals import arrival_answer
    from haven.referrals.delivery import deliver_due
    from haven.referrals.models import Document
    from haven.referrals.proposals import referral_consent, referral_propose

    # A photo as the requester's thread keeps it: rebuilt as a JPEG without metadata.
    picture = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 40)).save(picture, "PNG")
    photo = clean_photo(picture.getvalue())
    referral = referral_propose(
        actor=coordinator.member,
        keyring=keyring_of(coordinator),
        case=requested.case,
        partner=partners.to_other,
        fields=["story"],
        with_thread=False,
        with_documents=True,
        reason="They need a lawyer in Germany.",
        documents=[b"%PDF-1.4 a scanned call-up paper", photo],
    )
    referral_consent(case=requested.case, referral=referral, accept=True)
    deliver_due()
    arrival = arrival_answer(
        actor=outsider.member,
        keyring=keyring_of(outsider),
        arrival=Arrival.objects.get(pk=referral.pk),
        accept=True,
    )
    document, photo_document = Document.objects.filter(case=arrival.case).order_by("number")
    other_desk = member_client(outsider)
    page = other_desk.get(f"/en/referrals/case/{arrival.case_id}/").content.decode()
    assert "Referred to us by Ark" in page
    opened = other_desk.get(f"/en/referrals/documents/{document.pk}/")
    assert opened.status_code == 200
    assert opened.content == b"%PDF-1.4 a scanned call-up paper"
    assert opened["Content-Disposition"].startswith("attachment")
    assert opened["Content-Type"] == "application/octet-stream"  # not a photo Haven made
    assert Event.objects.filter(action="referral.document").count() == 1
    # The photo downloads as what it is, so the receiving desk's phone opens it as a picture.
    shown = other_desk.get(f"/en/referrals/documents/{photo_document.pk}/")
    assert shown.status_code == 200 and shown.content == photo
    assert shown["Content-Type"] == "image/jpeg"
    assert shown["Content-Disposition"] == (
        f'attachment; filename="document-{photo_document.number}.jpg"'
    )
    assert shown["X-Content-Type-Options"] == "nosniff"
    assert (
        member_client(coordinator).get(f"/en/referrals/documents/{document.pk}/").status_code == 404
    )


def _accepted_here(
    member_client: Callable[[Persona], Client],
    coordinator: Persona,
    outsider: Persona,
    requested: Accepted,
    partners: Pair,
) -> tuple[Referral, Client]:
    referral = _refer(member_client(coordinator), requested, partners)
    requester = _requester(requested)
    requester.post(f"/en/status/referrals/{referral.pk}/", {"answer": "accept"})
    member_client(outsider).post(f"/en/referrals/arrivals/{referral.pk}/", {"answer": "accept"})
    from haven.referrals.delivery import deliver_due

    deliver_due()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED
    return referral, requester


def test_the_requester_answers_the_partner_on_this_install_from_the_referrals_page(
    member_client: Callable[[Persona], Client],
    coordinator: Persona,
    outsider: Persona,
    requested: Accepted,
    partners: Pair,
) -> None:
    referral, requester = _accepted_here(member_client, coordinator, outsider, requested, partners)
    page = requester.get("/en/status/referrals/").content.decode()
    assert f'action="/en/status/referrals/{referral.pk}/reply/"' in page
    assert "<script" not in page

    sent = requester.post(
        f"/en/status/referrals/{referral.pk}/reply/", {"text": "Tuesday at ten suits me."}
    )
    assert sent.status_code == 302
    their_case = Arrival.objects.get(pk=referral.pk).case
    assert their_case is not None
    message = Message.objects.get(case=their_case)
    assert message.from_requester
    assert b"Tuesday" not in stored(message.body)
    opened = thread_for_staff(keyring=keyring_of(outsider), case=their_case)
    assert [item.text for item in opened] == ["Tuesday at ten suits me."]
    # Nothing of it lands on the first organisation's case.
    assert not Message.objects.filter(case=requested.case).exists()
    after = requester.get(sent["Location"]).content.decode()
    assert "Sent. They read it on their desk." in after
    assert "Tuesday at ten suits me." in after


def test_a_reply_too_long_comes_back_whole_with_its_error_in_russian(
    member_client: Callable[[Persona], Client],
    coordinator: Persona,
    outsider: Persona,
    requested: Accepted,
    partners: Pair,
) -> None:
    referral, requester = _accepted_here(member_client, coordinator, outsider, requested, partners)
    text = "Длинное письмо. " * 300
    refused = requester.post(f"/ru/status/referrals/{referral.pk}/reply/", {"text": text})
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "4000" in body
    assert text.strip() in body.replace("&#x27;", "'")
    assert not Message.objects.filter(from_requester=True).exists()


def test_a_reply_reaches_only_a_partner_that_took_the_request(
    member_client: Callable[[Persona], Client],
    coordinator: Persona,
    requested: Accepted,
    partners: Pair,
) -> None:
    referral = _refer(member_client(coordinator), requested, partners)
    requester = _requester(requested)
    refused = requester.post(f"/en/status/referrals/{referral.pk}/reply/", {"text": "Hello?"})
    assert refused.status_code == 409
    body = refused.content.decode()
    assert "They have not taken your request here" in body
    assert "Hello?" in body
    assert not Message.objects.exists()


def test_the_requester_answers_a_partner_on_another_install_and_it_waits_sealed_until_relayed(
    member_client: Callable[[Persona], Client],
    coordinator: Persona,
    requested: Accepted,
    partners: Pair,
) -> None:
    from haven.crypto.sealing import new_data_key, seal_data_key
    from haven.referrals.delivery import deliver_due
    from haven.referrals.models import RelayedMessage

    # Other, as if it ran on another install that is down right now.
    Partner.objects.filter(pk=partners.to_other.pk).update(local=None, address="http://127.0.0.1:9")
    referral = _refer(member_client(coordinator), requested, partners)
    assert referral.reply_seed, "a referral to another install names a key for the answers"
    requester = _requester(requested)
    requester.post(f"/en/status/referrals/{referral.pk}/", {"answer": "accept"})
    # Its signed answer came back with its thread key, sealed to the requester.
    thread_key = new_data_key()
    Referral.objects.filter(pk=referral.pk).update(
        status=ReferralStatus.ACCEPTED,
        thread_for_requester=seal_data_key(
            thread_key, to_public=bytes(requested.case.requester_public_key)
        ),
    )
    page = requester.get("/en/status/referrals/").content.decode()
    assert f'action="/en/status/referrals/{referral.pk}/reply/"' in page

    sent = requester.post(
        f"/en/status/referrals/{referral.pk}/reply/", {"text": "Can I come on Tuesday?"}
    )
    assert sent.status_code == 302
    [waiting] = RelayedMessage.objects.filter(referral=referral)
    assert waiting.from_requester and waiting.waiting
    assert b"Tuesday" not in stored(waiting.body)
    after = requester.get(sent["Location"]).content.decode()
    assert "Can I come on Tuesday?" in after
    assert "(waiting to be passed on)" in after
    assert "Kept for them, sealed" in after
    # The partner is away: the answer stays, waiting, for the next round.
    assert deliver_due()["replied"] == 0
    waiting.refresh_from_db()
    assert waiting.waiting
