"""Recovery without a back door: a member who lost their passphrase gets a new key pair through
two coordinators.

1. A coordinator asks (`recovery_request`). A new key pair is made for the member; its private
   key is encrypted under a first code, shown once to that coordinator.
2. A second, independent coordinator approves (haven.accounts.approvals). With their unlocked
   organisation key they seal the organisation key to the member's new public key and re-create
   what was sealed to the old member key: the host's copy of each bed offer's key and the
   member's copy of each case shared with them (both have the organisation's copy to start from).
   The second factor's secret was sealed to the old key alone and has no other copy: it is lost,
   and the member sets it up again. Their security keys are removed too: their credential ids
   and names were sealed to the old key, and a recovery may follow a lost or taken device, so the
   member adds the keys they still hold again. The new private key is encrypted again, under a
   second code shown once to the second coordinator. From now on the old passphrase opens
   nothing, and every session and token of the member has ended.
3. The member types both codes and a new passphrase (`recovery_complete`): the new key is wrapped
   under the passphrase and the coded copy is destroyed.

The server never holds either code, only digests of nothing: the codes are 144-bit random strings
turned into keys by a keyed hash, so no server secret (SECRET_KEY, the pepper, anything in the
database) opens the new key. An organisation with a single coordinator has no second person: its
coordinator gets both codes, and the recovery is audited as done alone.
"""

import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from haven.accounts.approvals import approval_request, is_lone
from haven.accounts.credentials import check_passphrase_strength, member_kdf_cost
from haven.accounts.lifecycle import member_sessions_end
from haven.accounts.models import Act, Approval, KeyRecovery, Member
from haven.accounts.queries import running
from haven.accounts.security_keys import security_keys_forget
from haven.accounts.unlock import Keyring
from haven.audit.services import audit_record
from haven.cases.models import CaseShare
from haven.crypto import WrongKey
from haven.crypto.keys import (
    derive_key,
    new_key_pair,
    public_key_of,
    seal_to,
    secret_open,
    secret_seal,
    wrap_with_passphrase,
)
from haven.volunteers.models import BedOffer

FIRST = "recovery-first"
SECOND = "recovery-second"
LOST_SECOND_FACTOR = "second-factor"
LOST_SECURITY_KEYS = "security-keys"


@dataclass(frozen=True)
class RecoveryAsked:
    """What the asking coordinator is shown once: the first code, and the second where the
    organisation has a single coordinator (who then acts alone)."""

    recovery: KeyRecovery
    first_code: str
    approval: Approval | None
    second_code: str | None = None


def _code_key(code: str, purpose: str) -> bytes:
    return derive_key("".join(code.split()).encode(), purpose=purpose)


def _coordinator_over(actor: Member, member: Member) -> None:
    if not (actor.is_active and actor.is_coordinator and actor.suspended_at is None):
        raise PermissionError("only active coordinators recover members")
    if actor.organisation_id != member.organisation_id:
        raise PermissionError("coordinators recover members of their own organisation")


@transaction.atomic
def recovery_request(
    *, actor: Member, keyring: Keyring, member: Member, reason: str
) -> RecoveryAsked:
    """Start a recovery for a member who lost their passphrase; it takes effect when a second,
    independent coordinator approves (or at once, alone, in an organisation with one)."""
    _coordinator_over(actor, member)
    if member.pk == actor.pk:
        raise ValidationError(
            _("You cannot recover your own key: ask another coordinator."), code="self"
        )
    if not member.is_active or member.suspended_at is not None:
        raise ValidationError(_("A suspended member's key is not recovered."), code="suspended")
    if len(reason.strip()) < 8:
        raise ValidationError(_("Give the reason (at least 8 characters)."), code="reason")
    # A recovery asked for earlier and not finished is replaced: only the newest codes work.
    KeyRecovery.objects.filter(member=member, completed_at__isnull=True).delete()
    Approval.objects.filter(
        organisation_id=member.organisation_id,
        act=Act.RECOVER,
        target_id=str(member.pk),
        decided_at__isnull=True,
    ).update(decided_by=actor, decided_at=timezone.now(), approved=False)
    pair = new_key_pair()
    first_code = secrets.token_urlsafe(18)
    recovery = KeyRecovery.objects.create(
        member=member,
        requested_by=actor,
        new_public_key=pair.public,
        wrapped_new_key=secret_seal(_code_key(first_code, FIRST), pair.private),
        created_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action="member.recover_request",
        organisation=actor.organisation,
        target_type="member",
        target_id=str(member.pk),
        data={"recovery": recovery.pk},
        note=reason.strip(),
    )
    if is_lone(actor.organisation_id):
        second = _approve(recovery, approver=actor, keyring=keyring, alone=True)
        return RecoveryAsked(recovery, first_code, None, second)
    approval = approval_request(
        actor=actor, act=Act.RECOVER, target_id=str(member.pk), reason=reason
    )
    return RecoveryAsked(recovery, first_code, approval)


def recovery_approved(*, approval: Approval, approver: Member, keyring: Keyring) -> str | None:
    """Carry out the recovery a second coordinator approved (inside the approval's transaction);
    returns the second code, to be shown once to the approver."""
    recovery = (
        KeyRecovery.objects.select_for_update()
        .filter(
            member_id=int(approval.target_id),
            member__organisation_id=approval.organisation_id,
            approved_at__isnull=True,
        )
        .order_by("-created_at")
        .first()
    )
    if recovery is None:
        return None
    return _approve(recovery, approver=approver, keyring=keyring, alone=False)


def _approve(recovery: KeyRecovery, *, approver: Member, keyring: Keyring, alone: bool) -> str:
    member = Member.objects.select_for_update().get(pk=recovery.member_id)
    new_public = bytes(recovery.new_public_key)
    organisation_private = keyring.organisation_private_key()
    # The bed offers' host copies and the shared cases' member copies: opened through the
    # organisation's copy of the same key, sealed again to the new member key.
    offers = 0
    for offer in BedOffer.objects.filter(member=member):
        data_key = keyring.open_record_key(bytes(offer.sealed_key))
        BedOffer.objects.filter(pk=offer.pk).update(host_sealed_key=seal_to(new_public, data_key))
        offers += 1
    shares = 0
    for share in CaseShare.objects.filter(
        member=member, unshared_at__isnull=True, case__sealed_key__isnull=False
    ).select_related("case"):
        data_key = keyring.open_record_key(bytes(share.case.sealed_key or b""))
        CaseShare.objects.filter(pk=share.pk).update(sealed_key=seal_to(new_public, data_key))
        shares += 1
    lost = [LOST_SECOND_FACTOR] if member.totp_sealed else []
    if security_keys_forget(member=member):
        lost.append(LOST_SECURITY_KEYS)
    reader = bool(member.sealed_organisation_key or member.sealed_next_organisation_key)
    organisation_key = seal_to(new_public, organisation_private) if reader else None
    # During a key rotation the approver's key is the new one: the member gets it as their next
    # key too, so the end of the rotation keeps it for them.
    rotating = reader and running(member.organisation_id) is not None
    Member.objects.filter(pk=member.pk).update(
        public_key=new_public,
        # Nothing opens until the member finishes the recovery: the old passphrase least of all.
        wrapped_private_key=b"",
        sealed_organisation_key=organisation_key,
        sealed_next_organisation_key=organisation_key if rotating else None,
        totp_sealed=None,
        totp_last_step=0,
    )
    second_code = secrets.token_urlsafe(18)
    KeyRecovery.objects.filter(pk=recovery.pk).update(
        wrapped_new_key=secret_seal(
            _code_key(second_code, SECOND), bytes(recovery.wrapped_new_key)
        ),
        approved_by=approver,
        approved_at=timezone.now(),
        recreated={"bed_offers": offers, "shared_cases": shares},
        lost=lost,
    )
    audit_record(
        actor=approver,
        action="member.recover",
        organisation=member.organisation,
        target_type="member",
        target_id=str(member.pk),
        data={
            "recovery": recovery.pk,
            "requested_by": recovery.requested_by_id,
            "recreated": {"bed_offers": offers, "shared_cases": shares},
            "lost": lost,
            **({"alone": True} if alone else {}),
        },
    )
    member_sessions_end(actor=approver, member=member, why="recovery")
    return second_code


WRONG_CODES = gettext_lazy(
    "These codes do not open a recovery for this name. Check both codes, or ask your "
    "coordinators to start again."
)


@transaction.atomic
def recovery_complete(
    *, handle: str, first_code: str, second_code: str, passphrase: str
) -> KeyRecovery:
    """The member opens their new key with both coordinators' codes and wraps it under a new
    passphrase; the coded copy is destroyed."""
    check_passphrase_strength(passphrase)
    recovery = (
        KeyRecovery.objects.select_for_update()
        .select_related("member__organisation")
        .filter(
            member__handle=handle.strip(),
            member__is_active=True,
            approved_at__isnull=False,
            completed_at__isnull=True,
        )
        .first()
    )
    if recovery is None:
        raise ValidationError(WRONG_CODES, code="recovery-codes")
    try:
        inner = secret_open(_code_key(second_code, SECOND), bytes(recovery.wrapped_new_key))
        private = secret_open(_code_key(first_code, FIRST), inner)
    except WrongKey:
        raise ValidationError(WRONG_CODES, code="recovery-codes") from None
    member = recovery.member
    if public_key_of(private) != bytes(member.public_key):
        raise ValidationError(WRONG_CODES, code="recovery-codes")
    Member.objects.filter(pk=member.pk).update(
        wrapped_private_key=wrap_with_passphrase(private, passphrase, member_kdf_cost())
    )
    KeyRecovery.objects.filter(pk=recovery.pk).update(
        wrapped_new_key=b"", completed_at=timezone.now()
    )
    audit_record(
        actor=member,
        action="member.recover_complete",
        organisation=member.organisation,
        target_type="member",
        target_id=str(member.pk),
        data={"recovery": recovery.pk},
    )
    recovery.refresh_from_db()
    return recovery
