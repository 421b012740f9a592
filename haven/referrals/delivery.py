"""Sending what the outboxes hold, signed, with back-off, only ever to confirmed partners: the
referrals and our answers to them, and the messages relayed between the requester and a partner on
another install.

A partner on this install is handed the delivery in-process, through the same checks as one
arriving over the API (haven.referrals.receiving), so both paths are one path.
"""

import logging
import urllib.error
import urllib.request
from datetime import timedelta
from uuid import UUID

from django.db import transaction
from django.utils import timezone

from haven.audit.services import audit_record, to_the_hour
from haven.crypto.signing import public_of_seed
from haven.messaging.models import Message
from haven.referrals import envelopes
from haven.referrals.models import (
    Arrival,
    ArrivalStatus,
    Partner,
    Referral,
    ReferralStatus,
    RelayedMessage,
)
from haven.referrals.receiving import Outcome, receive

logger = logging.getLogger(__name__)

# Seconds to wait after the n-th failed attempt: doubling from 30 s, at most an hour.
FIRST_RETRY = 30
LAST_RETRY = 3600
SEND_TIMEOUT = 30


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
