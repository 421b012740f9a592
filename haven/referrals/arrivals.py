"""Writes on the receiving side of a referral: opening what arrived, answering it (an accepted
one becomes a case of ours, under its own key) and opening the documents that came with it.
Each is audited like a reveal, with the partner's fingerprint."""

import base64
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.accounts.models import Member
from haven.accounts.unlock import Keyring
from haven.cases.access import RevealRefused
from haven.cases.models import SEALED_FIELDS, Case, CaseSeal, Note, Status
from haven.cases.reveal import reveal_gate
from haven.crypto import CryptoError
from haven.crypto.keys import open_sealed, random_bytes, seal_to
from haven.crypto.sealing import FieldSealer, new_data_key, seal_data_key, wrap_key
from haven.crypto.signing import signing_pair_from
from haven.referrals import envelopes
from haven.referrals.models import Arrival, ArrivalStatus, Document, DocumentChunk
from haven.referrals.package import Package
from haven.referrals.partners import identity_ensure
from haven.referrals.queries import document_bytes
from haven.referrals.rules import (
    ReferralRefused,
    audit_act,
    current_hour,
    organisation_private,
    require_coordinator,
)

MAX_NOTE = 2000
# A document is sealed in chunks that fit a sealed field's largest bucket once base64-encoded.
CHUNK_BYTES = 700_000


def arrival_open(*, actor: Member, keyring: Keyring, arrival: Arrival) -> Package:
    """Open an arrival's package for a coordinator of the organisation it was sealed to
    (audited like a reveal)."""
    require_coordinator(actor)
    if arrival.organisation_id != actor.organisation_id:
        raise PermissionError("an arrival of the coordinator's own organisation")
    if not arrival.package:
        raise ReferralRefused(_("This referral was answered; its package is no longer kept."))
    with transaction.atomic():
        audit_act(
            actor, actor.organisation, "referral.read", "arrival", str(arrival.pk),
            partner=arrival.partner.fingerprint,
        )  # fmt: skip
        try:
            plaintext = open_sealed(organisation_private(keyring), bytes(arrival.package))
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
    hour = current_hour()
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
    require_coordinator(actor)
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
    pair = signing_pair_from(organisation_private(keyring))
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
        answered_hour=current_hour(),
        envelope=envelope,
        signature=signature,
        next_attempt_at=timezone.now(),
    )
    arrival.refresh_from_db()
    audit_act(
        actor, actor.organisation, "referral.accept" if accept else "referral.decline",
        "arrival", str(arrival.pk), partner=partner.fingerprint,
        case=str(case.pk) if case else "",
    )  # fmt: skip
    return arrival


def document_open(*, actor: Member, keyring: Keyring, document: Document) -> bytes:
    """Open a document that came with a referral, for a coordinator (audited like a reveal)."""
    require_coordinator(actor)
    if document.case.organisation_id != actor.organisation_id:
        raise PermissionError("a document of the coordinator's own organisation")
    # Reading a document counts as opening its case: the same hourly limit, refused under a hold.
    reveal_gate(actor, f"case:{document.case_id}", actor.organisation)
    with transaction.atomic():
        audit_act(
            actor, actor.organisation, "referral.document", "case", str(document.case_id),
            document=document.number,
        )  # fmt: skip
        try:
            return document_bytes(keyring=keyring, document=document)
        except CryptoError:
            raise RevealRefused(
                _("This document does not open: it may have been altered. Tell an admin.")
            ) from None
