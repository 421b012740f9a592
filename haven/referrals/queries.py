"""Reads on referrals: the directory, a case's referrals, arrivals, and what the requester sees."""

import base64
from dataclasses import dataclass
from uuid import UUID

from haven.accounts.models import Member, Organisation
from haven.accounts.unlock import Keyring
from haven.cases.access import case_key
from haven.cases.models import Case
from haven.crypto import CryptoError
from haven.crypto.keys import open_sealed
from haven.crypto.sealing import FieldSealer
from haven.messaging.services import OpenMessage, thread_for_requester, unread_for_requester
from haven.referrals.models import (
    FIELD_LABELS,
    Arrival,
    ArrivalStatus,
    Document,
    DocumentChunk,
    Identity,
    Partner,
    Referral,
    ReferralStatus,
    RelayedMessage,
)


def partners_of(organisation: Organisation) -> list[Partner]:
    return list(Partner.objects.filter(organisation=organisation).order_by("name"))


def partner_for(member: Member, partner_id: int) -> Partner | None:
    return Partner.objects.filter(organisation_id=member.organisation_id, pk=partner_id).first()


def identity_of(organisation: Organisation) -> Identity | None:
    return Identity.objects.filter(organisation=organisation).first()


def local_candidates(organisation: Organisation) -> list[Organisation]:
    """Organisations of this install that can be picked as partners (set up, not yet listed)."""
    listed = Partner.objects.filter(organisation=organisation, local__isnull=False).values("local")
    return list(
        Organisation.objects.exclude(pk=organisation.pk)
        .exclude(pk__in=listed)
        .filter(pk__in=Identity.objects.values("organisation"))
        .order_by("name")
    )


def referrals_of(case: Case) -> list[Referral]:
    return list(
        Referral.objects.filter(case=case).select_related("partner").order_by("-proposed_hour")
    )


def arrivals_of(member: Member) -> list[Arrival]:
    return list(
        Arrival.objects.filter(organisation_id=member.organisation_id)
        .select_related("partner")
        .order_by("status", "-received_hour")
    )


def arrival_for(member: Member, arrival_id: UUID) -> Arrival | None:
    return (
        Arrival.objects.filter(organisation_id=member.organisation_id, pk=arrival_id)
        .select_related("partner", "case")
        .first()
    )


def documents_of(case: Case) -> list[Document]:
    return list(Document.objects.filter(case=case).order_by("number"))


def document_for(member: Member, document_id: UUID) -> Document | None:
    """A referred document of a case of the member's organisation, for its coordinators."""
    if not member.is_coordinator:
        return None
    return (
        Document.objects.filter(pk=document_id, case__organisation_id=member.organisation_id)
        .select_related("case", "case__organisation")
        .first()
    )


def arrival_of(case: Case) -> Arrival | None:
    """The arrival a case was made from, if it came by referral."""
    return Arrival.objects.filter(case=case).select_related("partner").first()


def document_bytes(*, keyring: Keyring, document: Document) -> bytes:
    """A referred document, opened with the case's key."""
    sealer = FieldSealer(case_key(keyring, document.case), str(document.pk))
    parts = DocumentChunk.objects.filter(document=document).order_by("number")
    return b"".join(
        base64.b64decode(sealer.open(f"chunk-{part.number}", bytes(part.body))) for part in parts
    )


def emergency_reason_for_requester(referral: Referral, requester_private: bytes | None) -> str:
    """The emergency reason, as the requester reads it (sealed to their key)."""
    if not referral.emergency_for_requester or requester_private is None:
        return ""
    try:
        return open_sealed(requester_private, bytes(referral.emergency_for_requester)).decode()
    except CryptoError:
        return ""


def answer_for_requester(referral: Referral, requester_private: bytes | None) -> str:
    """The partner's note to the requester with its answer (sealed to them by the partner)."""
    if not referral.answer_for_requester or requester_private is None:
        return ""
    try:
        return open_sealed(requester_private, bytes(referral.answer_for_requester)).decode()
    except CryptoError:
        return ""


def may_answer_across(referral: Referral) -> bool:
    """Whether the requester's answers can be relayed to the partner on another install that took
    the referral: it named a thread key, and the referral named our reply key."""
    return (
        referral.partner.local_id is None
        and referral.status == ReferralStatus.ACCEPTED
        and bool(referral.reply_seed)
        and bool(referral.thread_for_requester)
    )


@dataclass(frozen=True)
class RelayedText:
    """One message with a partner on another install, opened with the requester's key."""

    text: str
    from_requester: bool
    waiting: bool


@dataclass(frozen=True)
class RequesterView:
    """One referral as the requester sees it on their status page."""

    referral: Referral
    partner_name: str
    # The names of the fields that go (or went) along, in the page's language.
    labels: list[str]
    emergency_reason: str
    answer_note: str
    # On this install, the receiving side's own case: its status and its messages to them.
    their_case: Case | None
    messages: list[OpenMessage]
    unread: int
    # From a partner on another install: its messages, relayed here and opened with their key,
    # and the requester's answers to it; and whether they can answer it from here.
    relayed: list[RelayedText]
    may_answer: bool


def receiving_case(referral: Referral) -> Case | None:
    """The case a partner on this install made of the referral when it accepted it."""
    if referral.partner.local_id is None or referral.status != ReferralStatus.ACCEPTED:
        return None
    arrival = (
        Arrival.objects.filter(pk=referral.pk, status=ArrivalStatus.ACCEPTED)
        .select_related("case")
        .first()
    )
    return arrival.case if arrival else None


def for_requester(case: Case, requester_private: bytes | None) -> list[RequesterView]:
    """The case's referrals the requester is shown (all of them: proposed, sent, answered)."""
    views = []
    for referral in referrals_of(case):
        their_case = receiving_case(referral)
        messages: list[OpenMessage] = []
        if their_case is not None and requester_private is not None and not their_case.shredded:
            messages = thread_for_requester(case=their_case, requester_private=requester_private)
        views.append(
            RequesterView(
                referral=referral,
                partner_name=referral.partner.name,
                labels=[
                    str(FIELD_LABELS[name]) for name in referral.fields if name in FIELD_LABELS
                ],
                emergency_reason=emergency_reason_for_requester(referral, requester_private),
                answer_note=answer_for_requester(referral, requester_private),
                their_case=their_case,
                messages=messages,
                unread=unread_for_requester(their_case) if their_case else 0,
                relayed=relayed_messages(referral, requester_private),
                may_answer=may_answer_across(referral),
            )
        )
    return views


def relayed_messages(referral: Referral, requester_private: bytes | None) -> list[RelayedText]:
    """The conversation with a partner on another install, opened with the thread key sealed to
    the requester: its volunteers' messages relayed here, and the requester's answers."""
    if requester_private is None or not referral.thread_for_requester:
        return []
    relayed = list(RelayedMessage.objects.filter(referral=referral).order_by("number", "pk"))
    if not relayed:
        return []
    try:
        thread_key = open_sealed(requester_private, bytes(referral.thread_for_requester))
        return [
            RelayedText(
                FieldSealer(thread_key, str(message.pk)).open("body", bytes(message.body)),
                message.from_requester,
                message.waiting,
            )
            for message in relayed
        ]
    except CryptoError:
        # Not sealed for this requester, or altered on the way: nothing is shown.
        return []


def relayed_texts(referral: Referral, requester_private: bytes | None) -> list[str]:
    """The partner's relayed messages alone, as text."""
    return [
        item.text
        for item in relayed_messages(referral, requester_private)
        if not item.from_requester
    ]


def referral_counts(case: Case) -> tuple[int, int]:
    """How many referrals a case has, and how many of them wait for the requester."""
    statuses = list(Referral.objects.filter(case=case).values_list("status", flat=True))
    return len(statuses), statuses.count(ReferralStatus.PROPOSED)
