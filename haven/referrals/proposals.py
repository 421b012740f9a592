"""Writes on the sending side of a referral: proposing it, the requester's consent, and the
requester's answers to a partner on another install. Each is atomic and audited with the
partner's fingerprint; the deliveries themselves leave through haven.referrals.delivery."""

import uuid

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.accounts.models import Member
from haven.accounts.unlock import Keyring
from haven.audit.services import audit_record
from haven.cases.access import case_key
from haven.cases.models import SEALED_FIELDS, Case
from haven.crypto import CryptoError
from haven.crypto.keys import open_sealed, random_bytes, seal_to
from haven.crypto.sealing import FieldSealer
from haven.crypto.signing import signing_pair_from
from haven.referrals import envelopes
from haven.referrals.models import Partner, Referral, ReferralStatus, RelayedMessage
from haven.referrals.package import package_for, photos_of
from haven.referrals.partners import identity_ensure
from haven.referrals.queries import may_answer_across
from haven.referrals.rules import (
    ReferralRefused,
    audit_act,
    current_hour,
    organisation_private,
    require_coordinator,
)

MIN_REASON_LENGTH = 8


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
    require_coordinator(actor)
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
        proposed_hour=current_hour(),
        partner_fingerprint=partner.fingerprint,
    )
    attached = list(documents or [])
    if with_documents:
        attached = photos_of(keyring, case) + attached
    package = package_for(
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
    pair = signing_pair_from(organisation_private(keyring))
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
    audit_act(
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
    changes: dict[str, object] = {"consent_hour": current_hour()}
    if accept:
        changes.update(status=ReferralStatus.SENDING, next_attempt_at=timezone.now())
    else:
        # Refused: the sealed package is destroyed; nothing of it ever left.
        changes.update(status=ReferralStatus.REFUSED, envelope=None, signature=None)
    Referral.objects.filter(pk=referral.pk).update(**changes)
    referral.refresh_from_db()
    audit_act(
        None, case.organisation, "referral.consent" if accept else "referral.refuse", "case",
        str(case.pk), referral=str(referral.pk), partner=referral.partner_fingerprint,
    )  # fmt: skip
    return referral


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
        created_hour=current_hour().isoformat(),
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
