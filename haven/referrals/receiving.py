"""Receiving signed deliveries from partners, over the API or handed in-process by a partner on
this install: each is checked before anything is kept, and a refusal is recorded with its code
(nothing of the delivery is kept).
"""

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from haven.accounts.models import Organisation
from haven.audit.services import audit_record, to_the_hour
from haven.cases.access import CaseRefused
from haven.core.ratelimit import Budget
from haven.crypto.signing import BadSignature, fingerprint, verify
from haven.messaging.services import requester_relayed
from haven.notifications.services import ping_requester
from haven.referrals import envelopes
from haven.referrals.models import (
    REFUSALS,
    Arrival,
    ArrivalStatus,
    Identity,
    Partner,
    Referral,
    ReferralStatus,
    RelayedMessage,
)
from haven.referrals.partners import partner_offer_key

HTTP_STATUS = {
    "malformed": 400,
    "bad-signature": 401,
    "unknown-sender": 403,
    "key-changed": 403,
    "unknown-referral": 404,
    "replayed": 409,
    "too-large": 413,
    "wrong-fingerprint": 422,
    "busy": 429,
}


@dataclass(frozen=True)
class Outcome:
    """What a delivery came to: an HTTP status, a refusal code (empty when taken), and words."""

    status: int
    code: str = ""

    @property
    def message(self) -> str:
        return str(REFUSALS.get(self.code, "")) if self.code else "received"


def _refusals() -> Budget:
    return Budget(
        "referral-refusals", settings.HAVEN_REFERRAL_REFUSALS_PER_MINUTE, timedelta(minutes=1)
    )


def _refuse(code: str, organisation: Organisation | None, size: int, **data: object) -> Outcome:
    if not _refusals().take(b"all"):
        # A flood of bad deliveries: answered, but not written down one by one (the budget logs
        # once per window that it is refusing). The sender of a good delivery never gets here.
        return Outcome(HTTP_STATUS["busy"], "busy")
    with transaction.atomic():
        audit_record(
            actor=None,
            action="referral.refused",
            organisation=organisation,
            target_type="delivery",
            data={"reason": code, "size": size, **data},
        )
    return Outcome(HTTP_STATUS[code], code)


def refuse_too_large(size: int) -> Outcome:
    """Refuse (and record) a delivery larger than HAVEN_REFERRAL_MAX_BYTES."""
    return _refuse("too-large", None, size)


def receive(body: bytes, signature_header: str | None) -> Outcome:
    """Check a delivery and keep it, or refuse it with a code (recorded; nothing kept)."""
    size = len(body)
    if size > settings.HAVEN_REFERRAL_MAX_BYTES:
        return _refuse("too-large", None, size)
    try:
        signature = envelopes.signature_from_header(signature_header)
        delivery = envelopes.parse(body)
    except envelopes.Malformed:
        return _refuse("malformed", None, size)
    identity = (
        Identity.objects.select_related("organisation")
        .filter(fingerprint=delivery.to_fingerprint)
        .first()
    )
    if identity is None:
        return _refuse("wrong-fingerprint", None, size)
    organisation = identity.organisation
    if delivery.kind == "relay":
        return _relayed(organisation, delivery, body, signature)
    if delivery.kind == "reply":
        return _replied(organisation, delivery, body, signature)
    try:
        verify(delivery.signing_public, body, signature)
    except BadSignature:
        return _refuse("bad-signature", organisation, size)
    sender = fingerprint(signing_public=delivery.signing_public, box_public=delivery.box_public)
    partner = Partner.objects.filter(
        organisation=organisation, fingerprint=sender, confirmed_at__isnull=False
    ).first()
    if partner is None:
        known = _known_partner(organisation, delivery)
        if known is not None:
            partner_offer_key(
                partner=known,
                signing_public=delivery.signing_public,
                box_public=delivery.box_public,
            )
            return _refuse("key-changed", organisation, size, partner=known.fingerprint)
        return _refuse("unknown-sender", organisation, size, sender=sender)
    if delivery.kind == "referral":
        return _arrive(organisation, partner, delivery, body)
    return _answered(organisation, partner, delivery)


def _known_partner(organisation: Organisation, delivery: envelopes.Delivery) -> Partner | None:
    """The partner a delivery claims to come from (by address, or by organisation on this
    install), when it is signed with keys other than the ones confirmed for it."""
    partners = Partner.objects.filter(organisation=organisation)
    if delivery.address:
        found = partners.filter(address=delivery.address.rstrip("/")).first()
        if found is not None:
            return found
    if delivery.organisation_slug:
        return partners.filter(local__slug=delivery.organisation_slug).first()
    return None


def _arrive(
    organisation: Organisation, partner: Partner, delivery: envelopes.Delivery, body: bytes
) -> Outcome:
    digest = hashlib.blake2b(body, digest_size=32).digest()
    with transaction.atomic():
        existing = Arrival.objects.select_for_update().filter(pk=delivery.referral_id).first()
        if existing is not None:
            if bytes(existing.digest) == digest and existing.organisation_id == organisation.pk:
                # The same delivery again (a retry whose answer was lost): already kept.
                return Outcome(200)
        else:
            Arrival.objects.create(
                id=delivery.referral_id,
                organisation=organisation,
                partner=partner,
                status=ArrivalStatus.RECEIVED,
                package=delivery.package,
                digest=digest,
                size=len(body),
                received_hour=to_the_hour(timezone.now()),
                emergency=delivery.emergency,
                reply_public=delivery.relay_public or None,
            )
            audit_record(
                actor=None,
                action="referral.receive",
                organisation=organisation,
                target_type="arrival",
                target_id=str(delivery.referral_id),
                data={
                    "partner": partner.fingerprint,
                    "size": len(body),
                    "emergency": delivery.emergency,
                },
            )
            return Outcome(201)
    return _refuse("replayed", organisation, len(body), partner=partner.fingerprint)


def _answered(
    organisation: Organisation, partner: Partner, delivery: envelopes.Delivery
) -> Outcome:
    status = ReferralStatus.ACCEPTED if delivery.answer == "accepted" else ReferralStatus.DECLINED
    with transaction.atomic():
        referral = (
            Referral.objects.select_for_update()
            .filter(pk=delivery.referral_id, organisation=organisation, partner=partner)
            .first()
        )
        if referral is None:
            pass
        elif referral.status == status:
            return Outcome(200)
        elif referral.status == ReferralStatus.SENT:
            Referral.objects.filter(pk=referral.pk).update(
                status=status,
                answered_hour=to_the_hour(timezone.now()),
                answer_for_requester=delivery.note or None,
                relay_public=delivery.relay_public or None,
                thread_for_requester=delivery.thread or None,
            )
            ping_requester(case_id=referral.case_id)
            audit_record(
                actor=None,
                action="referral.answer",
                organisation=organisation,
                target_type="case",
                target_id=str(referral.case_id),
                data={
                    "referral": str(referral.pk),
                    "partner": partner.fingerprint,
                    "answer": str(status),
                },
            )
            return Outcome(201)
        else:
            return _refuse("replayed", organisation, 0, partner=partner.fingerprint)
    return _refuse("unknown-referral", organisation, 0, partner=partner.fingerprint)


def _relayed(
    organisation: Organisation, delivery: envelopes.Delivery, body: bytes, signature: bytes
) -> Outcome:
    """Keep the partner's messages to the requester, signed with the relay key its signed answer
    named. They stay sealed under its thread key: only the requester opens them."""
    referral = (
        Referral.objects.select_related("partner")
        .filter(
            pk=delivery.referral_id,
            organisation=organisation,
            status=ReferralStatus.ACCEPTED,
            relay_public__isnull=False,
        )
        .first()
    )
    if referral is None:
        return _refuse("unknown-referral", organisation, len(body))
    try:
        verify(bytes(referral.relay_public or b""), body, signature)
    except BadSignature:
        return _refuse("bad-signature", organisation, len(body))
    if bytes(referral.relay_public or b"") != delivery.signing_public:
        return _refuse("bad-signature", organisation, len(body))
    with transaction.atomic():
        Referral.objects.filter(pk=referral.pk).update(thread_for_requester=delivery.thread)
        known = set(RelayedMessage.objects.filter(referral=referral).values_list("id", flat=True))
        fresh = [
            RelayedMessage(
                id=message.id,
                referral=referral,
                number=message.number,
                created_hour=message.hour,
                body=message.body,
            )
            for message in delivery.messages
            if message.id not in known
        ]
        RelayedMessage.objects.bulk_create(fresh)
        if fresh:
            audit_record(
                actor=None,
                action="referral.relay",
                organisation=organisation,
                target_type="case",
                target_id=str(referral.case_id),
                data={
                    "referral": str(referral.pk),
                    "partner": referral.partner.fingerprint,
                    "messages": len(fresh),
                },
            )
            # The partner's volunteers wrote: an answer for the requester here.
            ping_requester(case_id=referral.case_id)
    return Outcome(201 if fresh else 200)


def _replied(
    organisation: Organisation, delivery: envelopes.Delivery, body: bytes, signature: bytes
) -> Outcome:
    """Add the requester's answers, relayed from the sender's install and signed with the key its
    signed referral named, to the case we made of the referral. They arrive sealed under our
    thread key, which the requester opened there with the codename."""
    arrival = (
        Arrival.objects.select_related("case")
        .filter(
            pk=delivery.referral_id,
            organisation=organisation,
            status=ArrivalStatus.ACCEPTED,
            reply_public__isnull=False,
            case__isnull=False,
        )
        .first()
    )
    if arrival is None or arrival.case is None:
        return _refuse("unknown-referral", organisation, len(body))
    public = bytes(arrival.reply_public or b"")
    try:
        verify(public, body, signature)
    except BadSignature:
        return _refuse("bad-signature", organisation, len(body))
    if public != delivery.signing_public:
        return _refuse("bad-signature", organisation, len(body))
    try:
        with transaction.atomic():
            added = requester_relayed(
                case=arrival.case,
                messages=[(message.id, message.body) for message in delivery.messages],
            )
            if added:
                audit_record(
                    actor=None,
                    action="referral.reply",
                    organisation=organisation,
                    target_type="case",
                    target_id=str(arrival.case_id),
                    data={"referral": str(arrival.pk), "messages": added},
                )
    except CaseRefused:
        # Shredded or closed here: the words are not kept, and the sender stops sending them.
        return Outcome(200)
    return Outcome(201 if added else 200)
