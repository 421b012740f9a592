"""Deliveries that must be refused: each gets a clear 4xx with its code, is recorded in the audit
chain, and leaves nothing behind."""

import base64
import json
import uuid

import pytest
from django.test import Client

from haven.audit.models import Event
from haven.crypto.keys import new_key_pair
from haven.crypto.signing import fingerprint, sign, signing_pair_from
from haven.intake.services import Accepted
from haven.referrals.delivery import deliver_due
from haven.referrals.models import Arrival, Partner, Referral
from haven.referrals.partners import partner_accept_key
from haven.referrals.proposals import referral_consent, referral_propose
from tests.conftest import Persona, keyring_of, stored
from tests.referrals.conftest import Pair


def _post(body: bytes, signature: bytes | None, **headers: str) -> tuple[int, str]:
    extra = {"Haven-Signature": base64.b64encode(signature).decode()} if signature else {}
    response = Client().post(
        "/api/v1/referrals",
        body,
        content_type="application/json",
        headers={**extra, **headers},
    )
    return response.status_code, response.json()["code"]


def _proposed(coordinator: Persona, requested: Accepted, partners: Pair) -> Referral:
    return referral_propose(
        actor=coordinator.member,
        keyring=keyring_of(coordinator),
        case=requested.case,
        partner=partners.to_other,
        fields=["story"],
        with_thread=False,
        with_documents=False,
        reason="They need a lawyer in Germany.",
    )


def _refusals() -> list[str]:
    return [
        str(event.data["reason"])
        for event in Event.objects.filter(action="referral.refused").order_by("id")
    ]


def test_a_signed_delivery_from_a_confirmed_partner_is_taken_once(
    coordinator: Persona, requested: Accepted, partners: Pair
) -> None:
    referral = _proposed(coordinator, requested, partners)
    body, signature = bytes(referral.envelope), bytes(referral.signature)  # type: ignore[arg-type]
    assert _post(body, signature) == (201, "ok")
    assert _post(body, signature) == (200, "ok")
    assert Arrival.objects.count() == 1


@pytest.mark.parametrize(
    ("mangle", "expected"),
    [
        (lambda body, sig: (b"{not json", sig), (400, "malformed")),
        (lambda body, sig: (body, None), (400, "malformed")),
        (
            lambda body, sig: (body.replace(b'"emergency":false', b'"emergency":true'), sig),
            (401, "bad-signature"),
        ),
        (lambda body, sig: (body, bytes(64)), (401, "bad-signature")),
    ],
    ids=["not-json", "no-signature", "altered-body", "zero-signature"],
)
def test_a_malformed_or_altered_delivery_is_refused_and_recorded(
    coordinator: Persona, requested: Accepted, partners: Pair, mangle: object, expected: tuple
) -> None:
    referral = _proposed(coordinator, requested, partners)
    body, signature = mangle(bytes(referral.envelope), bytes(referral.signature))  # type: ignore[operator, arg-type]
    assert _post(body, signature) == expected
    assert _refusals() == [expected[1]]
    assert not Arrival.objects.exists()


def test_an_unknown_sender_is_refused(
    coordinator: Persona, requested: Accepted, partners: Pair
) -> None:
    referral = _proposed(coordinator, requested, partners)
    data = json.loads(bytes(referral.envelope))  # type: ignore[arg-type]
    stranger = signing_pair_from(new_key_pair().private)
    data["from"]["signing"] = base64.b64encode(stranger.public).decode()
    data["from"]["organisation"] = "nobody"
    body = json.dumps(data).encode()
    assert _post(body, sign(stranger.seed, body)) == (403, "unknown-sender")
    assert not Arrival.objects.exists()


def test_a_wrong_fingerprint_is_refused(
    coordinator: Persona, requested: Accepted, partners: Pair
) -> None:
    referral = _proposed(coordinator, requested, partners)
    data = json.loads(bytes(referral.envelope))  # type: ignore[arg-type]
    data["to"] = "00000 00000 00000 00000 00000 00000"
    body = json.dumps(data).encode()
    ark = signing_pair_from(keyring_of(coordinator).organisation_private_key())
    assert _post(body, sign(ark.seed, body)) == (422, "wrong-fingerprint")
    assert not Arrival.objects.exists()


def test_a_replayed_id_with_other_content_is_refused(
    coordinator: Persona, requested: Accepted, partners: Pair
) -> None:
    referral = _proposed(coordinator, requested, partners)
    body, signature = bytes(referral.envelope), bytes(referral.signature)  # type: ignore[arg-type]
    assert _post(body, signature)[0] == 201
    data = json.loads(body)
    data["emergency"] = True
    again = json.dumps(data).encode()
    ark = signing_pair_from(keyring_of(coordinator).organisation_private_key())
    assert _post(again, sign(ark.seed, again)) == (409, "replayed")
    assert Arrival.objects.get().emergency is False


def test_an_oversized_delivery_is_refused_before_it_is_read(
    coordinator: Persona, requested: Accepted, partners: Pair, settings: object
) -> None:
    settings.HAVEN_REFERRAL_MAX_BYTES = 65_536  # type: ignore[attr-defined]
    assert _post(b"{" + b" " * 70_000 + b"}", bytes(64)) == (413, "too-large")
    assert _refusals() == ["too-large"]


def test_a_flood_of_bad_deliveries_is_answered_without_growing_the_audit_chain(
    coordinator: Persona, requested: Accepted, partners: Pair, settings: object
) -> None:
    settings.HAVEN_REFERRAL_REFUSALS_PER_MINUTE = 5  # type: ignore[attr-defined]
    answers = [_post(b"{not json", bytes(64)) for _ in range(40)]
    # However the web process takes its shares of the budget, no more than five are written down,
    # and the rest are told to come back later.
    assert answers.count((400, "malformed")) <= 5
    assert answers.count((429, "busy")) >= 35
    assert set(answers) <= {(400, "malformed"), (429, "busy")}
    assert len(_refusals()) == answers.count((400, "malformed"))
    # A confirmed partner's good delivery is still taken in the middle of the flood.
    referral = _proposed(coordinator, requested, partners)
    body, signature = bytes(referral.envelope), bytes(referral.signature)  # type: ignore[arg-type]
    assert _post(body, signature) == (201, "ok")
    assert Arrival.objects.count() == 1


def test_a_changed_key_is_refused_until_a_coordinator_accepts_the_new_fingerprint(
    coordinator: Persona, outsider: Persona, requested: Accepted, partners: Pair
) -> None:
    referral = _proposed(coordinator, requested, partners)
    data = json.loads(bytes(referral.envelope))  # type: ignore[arg-type]
    # Ark's keys as Other's directory holds them are replaced by new ones (a rotation, or an
    # impostor): Other must refuse them until its coordinator compares the new fingerprint.
    rotated = signing_pair_from(new_key_pair().private)
    data["from"]["signing"] = base64.b64encode(rotated.public).decode()
    body = json.dumps(data).encode()
    assert _post(body, sign(rotated.seed, body)) == (403, "key-changed")
    to_ark = Partner.objects.get(pk=partners.to_ark.pk)
    offered = fingerprint(signing_public=rotated.public, box_public=bytes(to_ark.box_public))
    assert to_ark.offered_fingerprint == offered
    assert not to_ark.confirmed
    # Still refused while waiting, and nothing goes to an unconfirmed partner either.
    assert _post(body, sign(rotated.seed, body)) == (403, "key-changed")
    partner_accept_key(actor=outsider.member, partner=to_ark, typed_fingerprint=offered)
    assert _post(body, sign(rotated.seed, body)) == (201, "ok")


def test_nothing_is_sent_to_a_partner_whose_keys_wait_for_acceptance(
    coordinator: Persona, requested: Accepted, partners: Pair
) -> None:
    referral = _proposed(coordinator, requested, partners)
    referral_consent(case=requested.case, referral=referral, accept=True)
    Partner.objects.filter(pk=partners.to_other.pk).update(
        offered_fingerprint="12345 12345 12345 12345 12345 12345"
    )
    assert deliver_due() == {"sent": 0, "waiting": 1, "relayed": 0, "replied": 0}
    referral.refresh_from_db()
    assert referral.last_error == "partner-unconfirmed"
    assert not Arrival.objects.exists()


def test_a_relay_not_signed_with_the_key_the_partners_answer_named_is_refused(
    coordinator: Persona, requested: Accepted, partners: Pair
) -> None:
    from haven.referrals import envelopes
    from haven.referrals.models import ReferralStatus, RelayedMessage
    from haven.referrals.partners import identity_ensure

    referral = _proposed(coordinator, requested, partners)
    named = signing_pair_from(new_key_pair().private)
    Referral.objects.filter(pk=referral.pk).update(
        status=ReferralStatus.ACCEPTED, relay_public=named.public
    )
    ark = identity_ensure(keyring=keyring_of(coordinator))
    impostor = signing_pair_from(new_key_pair().private)
    for pair, expected in ((impostor, (401, "bad-signature")), (named, (201, "ok"))):
        body, signature = envelopes.build(
            kind="relay",
            referral_id=referral.pk,
            signing_public=pair.public,
            signing_seed=pair.seed,
            box_public=bytes(ark.box_public),
            organisation_slug="",
            to_fingerprint=ark.fingerprint,
            thread=b"sealed thread key",
            messages=(envelopes.Relayed(referral.pk, 1, "2026-12-04T03:00:00+00:00", b"sealed"),),
        )
        assert _post(body, signature) == expected
    assert RelayedMessage.objects.count() == 1


def test_a_reply_not_signed_with_the_key_the_referral_named_is_refused(
    coordinator: Persona, outsider: Persona, requested: Accepted, partners: Pair
) -> None:
    from haven.crypto.codenames import requester_key_pair
    from haven.crypto.keys import open_sealed
    from haven.crypto.sealing import FieldSealer
    from haven.messaging.models import Message
    from haven.messaging.services import thread_for_staff
    from haven.referrals import envelopes
    from haven.referrals.arrivals import arrival_answer
    from haven.referrals.partners import identity_ensure

    referral = _proposed(coordinator, requested, partners)
    referral_consent(case=requested.case, referral=referral, accept=True)
    deliver_due()
    arrival = arrival_answer(
        actor=outsider.member,
        keyring=keyring_of(outsider),
        arrival=Arrival.objects.get(pk=referral.pk),
        accept=True,
    )
    # As if Ark were on another install: its referral named this key for the requester's answers.
    named = signing_pair_from(new_key_pair().private)
    Arrival.objects.filter(pk=arrival.pk).update(reply_public=named.public)
    case = arrival.case
    assert case is not None
    other = identity_ensure(keyring=keyring_of(outsider))
    # The requester sealed the words under Other's thread key at Ark, opened with the codename.
    thread_key = open_sealed(
        requester_key_pair(requested.codename).private, stored(case.thread_key_requester)
    )
    message_id = uuid.uuid4()
    sealed = FieldSealer(thread_key, str(message_id)).seal("body", "Во вторник смогу.")
    impostor = signing_pair_from(new_key_pair().private)
    for pair, expected in (
        (impostor, (401, "bad-signature")),
        (named, (201, "ok")),
        (named, (200, "ok")),
    ):
        body, signature = envelopes.build(
            kind="reply",
            referral_id=referral.pk,
            signing_public=pair.public,
            signing_seed=pair.seed,
            box_public=bytes(other.box_public),
            organisation_slug="",
            to_fingerprint=other.fingerprint,
            messages=(envelopes.Relayed(message_id, 1, "2026-12-04T03:00:00+00:00", sealed),),
        )
        assert _post(body, signature) == expected
    [landed] = Message.objects.filter(case=case)
    assert landed.from_requester and landed.pk == message_id
    opened = thread_for_staff(keyring=keyring_of(outsider), case=case)
    assert [item.text for item in opened] == ["Во вторник смогу."]
