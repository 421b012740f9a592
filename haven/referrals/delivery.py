"""Moving signed deliveries: receiving one (checked before anything is kept), and sending what
the outboxes hold, with back-off, only ever to confirmed partners.

A partner on this install is handed the delivery in-process, through the same checks as one
arriving over the API, so both paths are one path.
"""

import hashlib
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from haven.accounts.models import Organisation
from haven.audit.services import audit_record, to_the_hour
from haven.cases.access import CaseRefused
from haven.core.ratelimit import Budget
from haven.crypto.signing import BadSignature, fingerprint, public_of_seed, verify
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
from haven.referrals.services import partner_offer_key

logger = logging.getLogger(__name__)

# Seconds to wait after the n-th failed attempt: doubling from 30 s, at most an hour.
FIRST_RETRY = 30
LAST_RETRY = 3600
SEND_TIMEOUT = 30
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


# Sending.


def _post(partner: Partner, body: bytes, signature: bytes) -> Outcome:
    """Hand a delivery to the partner: in-process on this install, over HTTP to another."""
    header = envelopes.b64(signature)
    if partner.local_id is not None:
        return receive(body, header)
    request = urllib.request.Request(  # noqa: S310  # the address was checked: http(s) only
        f"{partner.address}/api/v1/referrals",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", envelopes.SIGNATURE_HEADER: header},
    )
    try:
        with urllib.request.urlopen(request, timeout=SEND_TIMEOUT) as response:  # noqa: S310
            return Outcome(response.status)
    except urllib.error.HTTPError as error:
        return Outcome(error.code, "http")
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError):
        return Outcome(0, "unreachable")


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LAST_RETRY))


def _send_referral(referral: Referral) -> bool:
    partner = referral.partner
    if not partner.confirmed or partner.fingerprint != referral.partner_fingerprint:
        # Never to an address whose keys are not the ones confirmed when it was sealed.
        Referral.objects.filter(pk=referral.pk).update(
            last_error="partner-unconfirmed",
            next_attempt_at=timezone.now() + _backoff(referral.attempts + 1),
        )
        return False
    outcome = _post(partner, bytes(referral.envelope or b""), bytes(referral.signature or b""))
    now = timezone.now()
    if outcome.status in (200, 201):
        with transaction.atomic():
            updated = Referral.objects.filter(pk=referral.pk, status=ReferralStatus.SENDING).update(
                status=ReferralStatus.SENT,
                sent_hour=to_the_hour(now),
                envelope=None,
                signature=None,
                attempts=referral.attempts + 1,
                last_error="",
            )
            if updated:
                audit_record(
                    actor=None,
                    action="referral.send",
                    organisation=referral.organisation,
                    target_type="case",
                    target_id=str(referral.case_id),
                    data={"referral": str(referral.pk), "partner": partner.fingerprint},
                )
        return True
    Referral.objects.filter(pk=referral.pk).update(
        attempts=referral.attempts + 1,
        last_error=f"{outcome.code}-{outcome.status}"[:40],
        next_attempt_at=now + _backoff(referral.attempts + 1),
    )
    return False


def _send_answer(arrival: Arrival) -> bool:
    partner = arrival.partner
    if not partner.confirmed:
        Arrival.objects.filter(pk=arrival.pk).update(
            last_error="partner-unconfirmed",
            next_attempt_at=timezone.now() + _backoff(arrival.attempts + 1),
        )
        return False
    outcome = _post(partner, bytes(arrival.envelope or b""), bytes(arrival.signature or b""))
    now = timezone.now()
    if outcome.status in (200, 201):
        Arrival.objects.filter(pk=arrival.pk).update(
            envelope=None, signature=None, attempts=arrival.attempts + 1, last_error=""
        )
        return True
    Arrival.objects.filter(pk=arrival.pk).update(
        attempts=arrival.attempts + 1,
        last_error=f"{outcome.code}-{outcome.status}"[:40],
        next_attempt_at=now + _backoff(arrival.attempts + 1),
    )
    return False


def _claim(model: type[Referral] | type[Arrival], pk: UUID, attempts: int) -> bool:
    """Take one outbox row for this worker (a conditional UPDATE, like the job claims)."""
    return bool(
        model.objects.filter(pk=pk, attempts=attempts, next_attempt_at__lte=timezone.now()).update(
            next_attempt_at=timezone.now() + timedelta(seconds=SEND_TIMEOUT * 2)
        )
    )


def deliver_due(limit: int = 50) -> dict[str, int]:
    """Send every due delivery in the outboxes; return how many went and how many wait."""
    now = timezone.now()
    sent = failed = 0
    referrals = Referral.objects.select_related("partner", "organisation").filter(
        next_attempt_at__lte=now,
        status=ReferralStatus.SENDING,
        envelope__isnull=False,
    )
    for referral in referrals.order_by("next_attempt_at")[:limit]:
        if not _claim(Referral, referral.pk, referral.attempts):
            continue
        if _send_referral(referral):
            sent += 1
        else:
            failed += 1
    arrivals = Arrival.objects.select_related("partner").filter(
        envelope__isnull=False, next_attempt_at__lte=now
    )
    for arrival in arrivals.order_by("next_attempt_at")[:limit]:
        if not _claim(Arrival, arrival.pk, arrival.attempts):
            continue
        if _send_answer(arrival):
            sent += 1
        else:
            failed += 1
    relayed = relay_due(limit)
    replied = reply_due(limit)
    return {"sent": sent, "waiting": failed, "relayed": relayed, "replied": replied}


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


def reply_due(limit: int = 50) -> int:
    """Relay the requesters' answers waiting here to the partners on other installs that took
    their referred requests; return how many answers went."""
    replied = 0
    referrals = (
        Referral.objects.select_related("partner", "organisation")
        .filter(
            status=ReferralStatus.ACCEPTED,
            reply_seed__isnull=False,
            partner__local__isnull=True,
            relayed__waiting=True,
        )
        .distinct()
    )
    for referral in referrals[:limit]:
        waiting = list(
            RelayedMessage.objects.filter(referral=referral, waiting=True).order_by("number")[
                : envelopes.MOST_RELAYED
            ]
        )
        if not waiting or not referral.partner.confirmed:
            continue
        seed = bytes(referral.reply_seed or b"")
        body, signature = envelopes.build(
            kind="reply",
            referral_id=referral.pk,
            signing_public=public_of_seed(seed),
            signing_seed=seed,
            box_public=bytes(referral.organisation.public_key),
            organisation_slug="",
            to_fingerprint=referral.partner_fingerprint,
            messages=tuple(
                envelopes.Relayed(item.pk, item.number, item.created_hour, bytes(item.body))
                for item in waiting
            ),
        )
        outcome = _post(referral.partner, body, signature)
        if outcome.status in (200, 201):
            RelayedMessage.objects.filter(pk__in=[item.pk for item in waiting]).update(
                waiting=False
            )
            replied += len(waiting)
    return replied


def relay_due(limit: int = 50) -> int:
    """Relay our volunteers' new messages to the requesters of cases that came from another
    install, to the organisation they log in at; return how many messages went."""
    from haven.messaging.models import Message

    relayed = 0
    arrivals = Arrival.objects.select_related("partner", "case", "organisation").filter(
        status=ArrivalStatus.ACCEPTED,
        relay_seed__isnull=False,
        envelope__isnull=True,
        case__isnull=False,
        partner__local__isnull=True,
    )
    for arrival in arrivals[:limit]:
        case = arrival.case
        if case is None or case.shredded or not case.thread_key_requester:
            continue
        messages = list(
            Message.objects.filter(
                case=case, from_requester=False, number__gt=arrival.relayed_number
            ).order_by("number")[: envelopes.MOST_RELAYED]
        )
        if not messages or not arrival.partner.confirmed:
            continue
        travelling = tuple(
            envelopes.Relayed(
                message.pk, message.number, message.created_hour.isoformat(), bytes(message.body)
            )
            for message in messages
            if message.body
        )
        if not travelling:
            Arrival.objects.filter(pk=arrival.pk).update(relayed_number=messages[-1].number)
            continue
        seed = bytes(arrival.relay_seed or b"")
        body, signature = envelopes.build(
            kind="relay",
            referral_id=arrival.pk,
            signing_public=public_of_seed(seed),
            signing_seed=seed,
            box_public=bytes(arrival.organisation.public_key),
            organisation_slug="",
            to_fingerprint=arrival.partner.fingerprint,
            thread=bytes(case.thread_key_requester),
            messages=travelling,
        )
        outcome = _post(arrival.partner, body, signature)
        if outcome.status in (200, 201):
            Arrival.objects.filter(pk=arrival.pk).update(relayed_number=messages[-1].number)
            relayed += len(messages)
    return relayed
