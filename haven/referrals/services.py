"""Writes on referrals: the partner directory, proposing, the requester's consent, and answering
a referral that arrived. Each is atomic and audited with the other side's fingerprint.

Deliveries themselves (signing, sending, receiving, retrying) live in haven.referrals.delivery.
"""

import base64
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.accounts.models import Member, Organisation
from haven.accounts.unlock import Keyring, Locked
from haven.audit.services import audit_record, to_the_hour
from haven.cases.access import RevealRefused, case_key
from haven.cases.models import SEALED_FIELDS, Case, CaseSeal, Note, Status
from haven.cases.reveal import reveal_gate
from haven.crypto import CryptoError
from haven.crypto.keys import open_sealed, random_bytes, seal_to
from haven.crypto.sealing import FieldSealer, new_data_key, seal_data_key, wrap_key
from haven.crypto.signing import fingerprint, normalise_fingerprint, signing_pair_from
from haven.messaging.models import Message
from haven.messaging.services import thread_for_staff
from haven.referrals import envelopes
from haven.referrals.models import (
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

MIN_REASON_LENGTH = 8
MAX_NOTE = 2000
# A document is sealed in chunks that fit a sealed field's largest bucket once base64-encoded.
CHUNK_BYTES = 700_000
PACKAGE_VERSION = 1


class ReferralRefused(Exception):
    """The referral act cannot happen; the message says why, for the member or requester."""


def _require_coordinator(member: Member) -> None:
    if not member.is_coordinator or member.suspended_at is not None:
        raise PermissionError("only the organisation's coordinators refer")


def _hour() -> datetime:
    return to_the_hour(timezone.now())


def _audit(
    actor: Member | None,
    organisation: Organisation,
    action: str,
    target_type: str,
    target_id: str,
    **data: object,
) -> None:
    audit_record(
        actor=actor,
        action=action,
        organisation=organisation,
        target_type=target_type,
        target_id=target_id,
        data=data,
    )


# Identity and the directory.


def _organisation_private(keyring: Keyring) -> bytes:
    try:
        return keyring.organisation_private_key()
    except Locked:
        raise ReferralRefused(
            _(
                "Your login does not hold the organisation key: a coordinator who holds it "
                "must do this."
            )
        ) from None


@transaction.atomic
def identity_ensure(*, keyring: Keyring) -> Identity:
    """Record the public half of the organisation's signing key (and refresh it if the
    organisation key was replaced), so partners can be shown its fingerprint."""
    organisation = keyring.member.organisation
    pair = signing_pair_from(_organisation_private(keyring))
    box = bytes(organisation.public_key)
    printed = fingerprint(signing_public=pair.public, box_public=box)
    identity, created = Identity.objects.select_for_update().get_or_create(
        organisation=organisation,
        defaults={"signing_public": pair.public, "box_public": box, "fingerprint": printed},
    )
    if not created and identity.fingerprint != printed:
        was = identity.fingerprint
        Identity.objects.filter(pk=identity.pk).update(
            signing_public=pair.public, box_public=box, fingerprint=printed
        )
        identity.refresh_from_db()
        _audit(
            keyring.member, organisation, "referral.identity", "organisation",
            str(organisation.pk), fingerprint=printed, was=was,
        )  # fmt: skip
    elif created:
        _audit(
            keyring.member, organisation, "referral.identity", "organisation",
            str(organisation.pk), fingerprint=printed,
        )  # fmt: skip
    return identity


def check_address(address: str) -> str:
    """The address of another install, normalised; plain http only to this machine or an onion
    service (the only places where TLS adds nothing)."""
    parts = urlsplit(address.strip())
    host = parts.hostname or ""
    loopback = host in ("127.0.0.1", "localhost", "::1") or host.endswith(".onion")
    if parts.scheme not in ("http", "https") or not host or parts.query or parts.fragment:
        raise ReferralRefused(_("Enter the partner's address, such as https://haven.example.org."))
    if parts.scheme == "http" and not loopback:
        raise ReferralRefused(_("Another install is reached over https (or as an onion service)."))
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def _offers(needs: list[str], countries: list[str], languages: list[str]) -> dict[str, object]:
    return {"needs": sorted(needs), "countries": sorted(countries), "languages": sorted(languages)}


@transaction.atomic
def partner_add_local(
    *,
    actor: Member,
    other: Organisation,
    needs: list[str],
    countries: list[str],
    languages: list[str],
) -> Partner:
    """Add an organisation of this install, picked from the list, with its current keys."""
    _require_coordinator(actor)
    if other.pk == actor.organisation_id:
        raise ReferralRefused(_("An organisation does not refer to itself."))
    identity = Identity.objects.filter(organisation=other).first()
    if identity is None:
        raise ReferralRefused(
            _("%(name)s has not set up referrals yet: one of its coordinators opens Partners once.")
            % {"name": other.name}
        )
    if Partner.objects.filter(organisation=actor.organisation, local=other).exists():
        raise ReferralRefused(_("This organisation is already a partner."))
    now = timezone.now()
    partner = Partner.objects.create(
        organisation=actor.organisation,
        name=other.name,
        local=other,
        signing_public=bytes(identity.signing_public),
        box_public=bytes(identity.box_public),
        fingerprint=identity.fingerprint,
        confirmed_at=now,
        confirmed_by=actor,
        created_at=now,
        **_offers(needs, countries, languages),
    )
    _audit(
        actor, actor.organisation, "partner.add", "partner", str(partner.pk),
        partner=partner.fingerprint, local=True,
    )  # fmt: skip
    return partner


@transaction.atomic
def partner_add_remote(
    *,
    actor: Member,
    name: str,
    address: str,
    signing_public: bytes,
    box_public: bytes,
    typed_fingerprint: str,
    needs: list[str],
    countries: list[str],
    languages: list[str],
) -> Partner:
    """Add an organisation of another install by its address and keys; it is confirmed only if
    the fingerprint the coordinator compared out of band matches the keys."""
    _require_coordinator(actor)
    address = check_address(address)
    printed = fingerprint(signing_public=signing_public, box_public=box_public)
    if normalise_fingerprint(typed_fingerprint) != printed:
        raise ReferralRefused(
            _("The fingerprint does not match these keys. Compare it again with the partner.")
        )
    if Partner.objects.filter(organisation=actor.organisation, address=address).exists():
        raise ReferralRefused(_("A partner at this address is already listed."))
    now = timezone.now()
    partner = Partner.objects.create(
        organisation=actor.organisation,
        name=name.strip()[:120],
        address=address,
        signing_public=signing_public,
        box_public=box_public,
        fingerprint=printed,
        confirmed_at=now,
        confirmed_by=actor,
        created_at=now,
        **_offers(needs, countries, languages),
    )
    _audit(
        actor, actor.organisation, "partner.add", "partner", str(partner.pk),
        partner=printed, local=False,
    )  # fmt: skip
    return partner


@transaction.atomic
def partner_accept_key(*, actor: Member, partner: Partner, typed_fingerprint: str) -> Partner:
    """Trust a partner's changed keys, once the coordinator compared the new fingerprint."""
    _require_coordinator(actor)
    partner = Partner.objects.select_for_update().get(
        pk=partner.pk, organisation=actor.organisation
    )
    if not partner.offered_fingerprint:
        raise ReferralRefused(_("This partner's keys have not changed."))
    if normalise_fingerprint(typed_fingerprint) != partner.offered_fingerprint:
        raise ReferralRefused(
            _("The fingerprint does not match the new keys. Compare it again with the partner.")
        )
    was = partner.fingerprint
    Partner.objects.filter(pk=partner.pk).update(
        signing_public=bytes(partner.offered_signing_public or b""),
        box_public=bytes(partner.offered_box_public or b""),
        fingerprint=partner.offered_fingerprint,
        offered_signing_public=None,
        offered_box_public=None,
        offered_fingerprint="",
        confirmed_at=timezone.now(),
        confirmed_by=actor,
    )
    partner.refresh_from_db()
    _audit(
        actor, actor.organisation, "partner.key-accept", "partner", str(partner.pk),
        partner=partner.fingerprint, was=was,
    )  # fmt: skip
    return partner


@transaction.atomic
def partner_offer_key(*, partner: Partner, signing_public: bytes, box_public: bytes) -> None:
    """Keep the keys a delivery claimed for a known partner, for a coordinator to compare; until
    then nothing signed with them is accepted."""
    printed = fingerprint(signing_public=signing_public, box_public=box_public)
    if partner.offered_fingerprint == printed:
        return
    Partner.objects.filter(pk=partner.pk).update(
        offered_signing_public=signing_public,
        offered_box_public=box_public,
        offered_fingerprint=printed,
    )
    _audit(
        None, partner.organisation, "partner.key-changed", "partner", str(partner.pk),
        partner=partner.fingerprint, offered=printed,
    )  # fmt: skip


# Proposing and consenting (the sending side).


@dataclass(frozen=True)
class Package:
    """What goes to the partner: chosen fields, the thread so far, documents."""

    referral_id: str
    coarse: dict[str, object]
    fields: dict[str, str]
    requester_public_key: bytes
    reason: str
    emergency: str = ""
    thread: list[dict[str, object]] = field(default_factory=list)
    documents: list[bytes] = field(default_factory=list, repr=False)

    def to_bytes(self) -> bytes:
        return json.dumps(
            {
                "v": PACKAGE_VERSION,
                "referral": self.referral_id,
                "coarse": self.coarse,
                "fields": self.fields,
                "requester": envelopes.b64(self.requester_public_key),
                "reason": self.reason,
                "emergency": self.emergency,
                "thread": self.thread,
                "documents": [envelopes.b64(document) for document in self.documents],
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes) -> "Package":
        loaded = json.loads(data.decode("utf-8"))
        if loaded.get("v") != PACKAGE_VERSION:
            raise ValueError("a package of another version")
        return cls(
            referral_id=str(loaded["referral"]),
            coarse=dict(loaded["coarse"]),
            fields={str(k): str(v) for k, v in loaded["fields"].items() if k in SEALED_FIELDS},
            requester_public_key=envelopes.unb64(loaded["requester"]),
            reason=str(loaded["reason"]),
            emergency=str(loaded.get("emergency", "")),
            thread=list(loaded.get("thread", [])),
            documents=[envelopes.unb64(item) for item in loaded.get("documents", [])],
        )


def _coarse(case: Case) -> dict[str, object]:
    return {
        "country": case.country,
        "place": case.place,
        "needs": case.needs,
        "group_size": case.group_size,
        "with_children": case.with_children,
        "women_only": case.women_only,
        "with_pets": case.with_pets,
        "step_free": case.step_free,
        "languages": list(case.languages),
        "urgency": case.urgency,
        "date_from": case.date_from.isoformat(),
        "date_until": case.date_until.isoformat() if case.date_until else None,
    }


def _package_for(
    *,
    keyring: Keyring,
    case: Case,
    referral_id: str,
    fields: list[str],
    with_thread: bool,
    documents: list[bytes],
    reason: str,
    emergency: str,
) -> Package:
    data_key = case_key(keyring, case)
    seal = CaseSeal.objects.filter(case=case).first()
    sealer = FieldSealer(data_key, str(case.pk))
    opened: dict[str, str] = {}
    try:
        for name in fields:
            value = getattr(seal, name) if seal is not None else None
            if value:
                opened[name] = sealer.open(name, bytes(value))
        thread: list[dict[str, object]] = []
        if with_thread:
            for message in thread_for_staff(keyring=keyring, case=case):
                thread.append(
                    {
                        "from_requester": message.message.from_requester,
                        "hour": message.message.created_hour.isoformat(),
                        "text": message.text,
                    }
                )
    except CryptoError:
        raise RevealRefused(
            _("This case's sealed data does not open: it may have been altered. Tell an admin.")
        ) from None
    return Package(
        referral_id=referral_id,
        coarse=_coarse(case),
        fields=opened,
        requester_public_key=bytes(case.requester_public_key),
        reason=reason,
        emergency=emergency,
        thread=thread,
        documents=documents,
    )


def _photos_of(keyring: Keyring, case: Case) -> list[bytes]:
    from haven.messaging.services import photo_for_staff

    return [
        photo_for_staff(keyring=keyring, message=message)
        for message in Message.objects.filter(case=case, has_photo=True, photo__isnull=False)
        .select_related("case")
        .order_by("number")
    ]


@transaction.atomic
def referral_propose(
    *,
    actor: Member,
    keyring: Keyring,
    case: Case,
    partner: Partner,
    fields: list[str],
    with_thread: bool,
    with_documents: bool,
    reason: str,
    emergency_reason: str = "",
    documents: list[bytes] | None = None,
) -> Referral:
    """Propose referring a case to a partner, with the fields chosen one by one.

    The package is sealed to the partner and signed now, while the coordinator's key is unlocked,
    but nothing leaves until the requester consents; an emergency reason (audited, shown to the
    requester) lets it leave at once.
    """
    _require_coordinator(actor)
    if (
        case.organisation_id != actor.organisation_id
        or partner.organisation_id != actor.organisation_id
    ):
        raise PermissionError("a case and partner of the coordinator's own organisation")
    if case.shredded:
        raise ReferralRefused(_("This case was shredded: nothing in it can be referred."))
    if not partner.confirmed:
        raise ReferralRefused(
            _("This partner's fingerprint is not confirmed: compare and accept it first.")
        )
    unknown = [name for name in fields if name not in SEALED_FIELDS]
    if unknown:
        raise ReferralRefused(_("Choose the fields to send from the list."))
    reason = reason.strip()
    emergency_reason = emergency_reason.strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise ReferralRefused(
            _("Say why you refer this case (at least %(count)d characters).")
            % {"count": MIN_REASON_LENGTH}
        )
    if emergency_reason and len(emergency_reason) < MIN_REASON_LENGTH:
        raise ReferralRefused(
            _("Say what the emergency is (at least %(count)d characters).")
            % {"count": MIN_REASON_LENGTH}
        )
    if Referral.objects.filter(
        case=case, partner=partner, status__in=(ReferralStatus.PROPOSED, ReferralStatus.SENDING)
    ).exists():
        raise ReferralRefused(_("A referral of this case to this partner is already waiting."))
    identity = identity_ensure(keyring=keyring)
    referral = Referral(
        organisation=actor.organisation,
        case=case,
        partner=partner,
        status=ReferralStatus.SENDING if emergency_reason else ReferralStatus.PROPOSED,
        fields=sorted(fields),
        with_thread=with_thread,
        with_documents=with_documents,
        emergency=bool(emergency_reason),
        proposed_by=actor,
        proposed_hour=_hour(),
        partner_fingerprint=partner.fingerprint,
    )
    attached = list(documents or [])
    if with_documents:
        attached = _photos_of(keyring, case) + attached
    package = _package_for(
        keyring=keyring,
        case=case,
        referral_id=str(referral.pk),
        fields=referral.fields,
        with_thread=with_thread,
        documents=attached,
        reason=reason,
        emergency=emergency_reason,
    )
    sealer = FieldSealer(case_key(keyring, case), str(referral.pk))
    referral.reason = sealer.seal("reason", reason)
    if emergency_reason:
        referral.emergency_for_requester = seal_to(
            bytes(case.requester_public_key), emergency_reason.encode("utf-8")
        )
        referral.sent_hour = None
        referral.next_attempt_at = timezone.now()
    pair = signing_pair_from(_organisation_private(keyring))
    # A partner on another install learns, in this signed referral, the key the requester's
    # answers to it will be relayed with.
    reply = signing_pair_from(random_bytes(32)) if partner.local_id is None else None
    referral.reply_seed = reply.seed if reply else None
    referral.envelope, referral.signature = envelopes.build(
        kind="referral",
        referral_id=referral.pk,
        signing_public=pair.public,
        signing_seed=pair.seed,
        box_public=bytes(identity.box_public),
        organisation_slug=actor.organisation.slug,
        to_fingerprint=partner.fingerprint,
        package=seal_to(bytes(partner.box_public), package.to_bytes()),
        emergency=bool(emergency_reason),
        relay_public=reply.public if reply else b"",
    )
    referral.save(force_insert=True)
    _audit(
        actor, actor.organisation, "referral.propose", "case", str(case.pk),
        referral=str(referral.pk), partner=partner.fingerprint, fields=referral.fields,
        thread=with_thread, documents=len(attached), emergency=referral.emergency,
    )  # fmt: skip
    return referral


@transaction.atomic
def referral_consent(*, case: Case, referral: Referral, accept: bool) -> Referral:
    """The logged-in requester accepts or refuses a proposed referral of their own case."""
    referral = Referral.objects.select_for_update().get(pk=referral.pk, case=case)
    if referral.status != ReferralStatus.PROPOSED:
        raise ReferralRefused(_("This proposal was already answered."))
    changes: dict[str, object] = {"consent_hour": _hour()}
    if accept:
        changes.update(status=ReferralStatus.SENDING, next_attempt_at=timezone.now())
    else:
        # Refused: the sealed package is destroyed; nothing of it ever left.
        changes.update(status=ReferralStatus.REFUSED, envelope=None, signature=None)
    Referral.objects.filter(pk=referral.pk).update(**changes)
    referral.refresh_from_db()
    _audit(
        None, case.organisation, "referral.consent" if accept else "referral.refuse", "case",
        str(case.pk), referral=str(referral.pk), partner=referral.partner_fingerprint,
    )  # fmt: skip
    return referral


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


@transaction.atomic
def referral_reply(
    *, case: Case, referral: Referral, requester_private: bytes, text: str
) -> RelayedMessage:
    """The logged-in requester answers a partner on another install: the words are sealed here
    under the partner's thread key, which only their codename opens, and wait for the worker to
    relay them, signed with the reply key the referral named."""
    referral = Referral.objects.select_for_update().select_related("partner").get(pk=referral.pk)
    if referral.case_id != case.pk:
        raise PermissionError("a referral of the requester's own case")
    if not may_answer_across(referral):
        raise ReferralRefused(
            _("They have not taken your request here, so this cannot reach them.")
        )
    try:
        thread_key = open_sealed(requester_private, bytes(referral.thread_for_requester or b""))
    except CryptoError:
        raise ReferralRefused(_("Your codename does not open this request's messages.")) from None
    last = max(
        RelayedMessage.objects.filter(referral=referral).values_list("number", flat=True),
        default=0,
    )
    message = RelayedMessage(
        id=uuid.uuid4(),
        referral=referral,
        number=last + 1,
        created_hour=_hour().isoformat(),
        from_requester=True,
        waiting=True,
    )
    message.body = FieldSealer(thread_key, str(message.pk)).seal("body", text)
    message.save(force_insert=True)
    audit_record(
        actor=None,
        action="referral.reply",
        organisation=case.organisation,
        target_type="case",
        target_id=str(case.pk),
        data={"referral": str(referral.pk), "partner": referral.partner_fingerprint},
    )
    return message


def document_open(*, actor: Member, keyring: Keyring, document: Document) -> bytes:
    """Open a document that came with a referral, for a coordinator (audited like a reveal)."""
    from haven.referrals.queries import document_bytes

    _require_coordinator(actor)
    if document.case.organisation_id != actor.organisation_id:
        raise PermissionError("a document of the coordinator's own organisation")
    # Reading a document counts as opening its case: the same hourly limit, refused under a hold.
    reveal_gate(actor, f"case:{document.case_id}", actor.organisation)
    with transaction.atomic():
        _audit(
            actor, actor.organisation, "referral.document", "case", str(document.case_id),
            document=document.number,
        )  # fmt: skip
        try:
            return document_bytes(keyring=keyring, document=document)
        except CryptoError:
            raise RevealRefused(
                _("This document does not open: it may have been altered. Tell an admin.")
            ) from None


# Answering an arrival (the receiving side).


def arrival_open(*, actor: Member, keyring: Keyring, arrival: Arrival) -> Package:
    """Open an arrival's package for a coordinator of the organisation it was sealed to
    (audited like a reveal)."""
    _require_coordinator(actor)
    if arrival.organisation_id != actor.organisation_id:
        raise PermissionError("an arrival of the coordinator's own organisation")
    if not arrival.package:
        raise ReferralRefused(_("This referral was answered; its package is no longer kept."))
    with transaction.atomic():
        _audit(
            actor, actor.organisation, "referral.read", "arrival", str(arrival.pk),
            partner=arrival.partner.fingerprint,
        )  # fmt: skip
        try:
            plaintext = open_sealed(_organisation_private(keyring), bytes(arrival.package))
            return Package.from_bytes(plaintext)
        except (CryptoError, ValueError, KeyError, TypeError):
            raise ReferralRefused(
                _("This package does not open with our key: ask the sender to send it again.")
            ) from None


def _new_case(*, actor: Member, package: Package) -> Case:
    """A case of our own for an accepted package: new data key, new thread key, and look-up
    digests nobody can find (the requester logs in where they first asked)."""
    coarse = package.coarse
    data_key = new_data_key()
    thread_key = new_data_key()
    hour = _hour()
    case = Case(
        organisation=actor.organisation,
        status=Status.TRIAGED,
        country=str(coarse["country"])[:2],
        place=str(coarse["place"])[:40],
        group_size=int(coarse["group_size"]),  # type: ignore[call-overload]
        with_children=bool(coarse.get("with_children")),
        women_only=bool(coarse.get("women_only")),
        with_pets=bool(coarse.get("with_pets")),
        step_free=bool(coarse.get("step_free")),
        languages=[str(language) for language in coarse.get("languages", [])][:10],  # type: ignore[attr-defined]
        urgency=int(coarse["urgency"]),  # type: ignore[call-overload]
        date_from=datetime.fromisoformat(str(coarse["date_from"])).date(),
        date_until=(
            datetime.fromisoformat(str(coarse["date_until"])).date()
            if coarse.get("date_until")
            else None
        ),
        created_hour=hour,
        updated_hour=hour,
        sealed_key=seal_data_key(data_key, to_public=bytes(actor.organisation.public_key)),
        requester_public_key=package.requester_public_key,
        thread_key_requester=seal_data_key(thread_key, to_public=package.requester_public_key),
        thread_key_staff=wrap_key(thread_key, under=data_key),
        codename_digest=random_bytes(32),
        submission_digest=random_bytes(32),
        content_digest=random_bytes(32),
        **{f"need_{need}": True for need in coarse.get("needs", []) if need in _NEEDS},  # type: ignore[attr-defined]
    )
    case.save(force_insert=True)
    sealer = FieldSealer(data_key, str(case.pk))
    CaseSeal.objects.create(
        case=case,
        **{
            name: sealer.seal(name, value) if (value := package.fields.get(name)) else None
            for name in SEALED_FIELDS
        },
    )
    notes = [package.reason]
    if package.emergency:
        notes.append(
            _("Sent without the requester's consent, as an emergency: %(why)s")
            % {"why": package.emergency}
        )
    if package.thread:
        requester, volunteer = _("Requester"), _("Volunteer")
        lines = [
            f"{requester if item.get('from_requester') else volunteer}: {item.get('text', '')}"
            for item in package.thread
        ]
        notes.append(_("The thread so far:") + "\n" + "\n".join(lines))
    for number, text in enumerate(notes, start=1):
        note = Note(case=case, author=actor, created_hour=hour, number=number)
        note.body = FieldSealer(data_key, str(note.pk)).seal("body", text)
        note.save(force_insert=True)
    for number, document in enumerate(package.documents, start=1):
        stored = Document.objects.create(case=case, number=number, size=len(document))
        document_sealer = FieldSealer(data_key, str(stored.pk))
        DocumentChunk.objects.bulk_create(
            DocumentChunk(
                document=stored,
                number=index,
                body=document_sealer.seal(
                    f"chunk-{index}",
                    base64.b64encode(document[start : start + CHUNK_BYTES]).decode("ascii"),
                ),
            )
            for index, start in enumerate(range(0, len(document), CHUNK_BYTES))
        )
    return case


_NEEDS = ("shelter", "legal", "route", "money", "medical", "talk")


@transaction.atomic
def arrival_answer(
    *, actor: Member, keyring: Keyring, arrival: Arrival, accept: bool, note: str = ""
) -> Arrival:
    """Accept an arrival (it becomes a case of ours, under its own key) or decline it (its package
    is destroyed); either way the answer, with an optional note sealed to the requester, is
    signed and queued for the sender."""
    _require_coordinator(actor)
    arrival = (
        Arrival.objects.select_for_update()
        .select_related("partner")
        .get(pk=arrival.pk, organisation=actor.organisation)
    )
    if arrival.status != ArrivalStatus.RECEIVED:
        raise ReferralRefused(_("This referral was already answered."))
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise ReferralRefused(
            _("Keep the note to the requester under %(count)d characters.") % {"count": MAX_NOTE}
        )
    package = arrival_open(actor=actor, keyring=keyring, arrival=arrival)
    case = _new_case(actor=actor, package=package) if accept else None
    identity = identity_ensure(keyring=keyring)
    pair = signing_pair_from(_organisation_private(keyring))
    partner = arrival.partner
    # A sender on another install learns, in this signed answer, the key our later messages to
    # the requester are relayed with.
    relay = signing_pair_from(random_bytes(32)) if accept and partner.local_id is None else None
    envelope, signature = envelopes.build(
        kind="answer",
        referral_id=arrival.pk,
        signing_public=pair.public,
        signing_seed=pair.seed,
        box_public=bytes(identity.box_public),
        organisation_slug=actor.organisation.slug,
        to_fingerprint=partner.fingerprint,
        answer="accepted" if accept else "declined",
        note=seal_to(package.requester_public_key, note.encode("utf-8")) if note else b"",
        relay_public=relay.public if relay else b"",
        # So that the requester can answer before our volunteers first write.
        thread=bytes(case.thread_key_requester or b"") if relay and case else b"",
    )
    Arrival.objects.filter(pk=arrival.pk).update(
        relay_seed=relay.seed if relay else None,
        status=ArrivalStatus.ACCEPTED if accept else ArrivalStatus.DECLINED,
        package=None,
        case=case,
        answered_by=actor,
        answered_hour=_hour(),
        envelope=envelope,
        signature=signature,
        next_attempt_at=timezone.now(),
    )
    arrival.refresh_from_db()
    _audit(
        actor, actor.organisation, "referral.accept" if accept else "referral.decline",
        "arrival", str(arrival.pk), partner=partner.fingerprint,
        case=str(case.pk) if case else "",
    )  # fmt: skip
    return arrival
