"""Invite codes: made by a coordinator (under the vetting rule), turned into a member."""

import secrets
from datetime import timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.accounts.approvals import approval_request, is_lone
from haven.accounts.credentials import peppered_digest
from haven.accounts.models import Act, Invite, Member, Role
from haven.accounts.organisations import new_member
from haven.audit.services import audit_record
from haven.crypto import WrongKey
from haven.crypto.keys import derive_key, secret_open, secret_seal

if TYPE_CHECKING:
    from haven.volunteers.models import Application


INVITE_LIFETIME = timedelta(days=7)


@transaction.atomic
def invite_create(
    *,
    actor: Member,
    role: str,
    organisation_private_key: bytes | None,
    application: "Application | None" = None,
    reason: str = "",
) -> tuple[Invite, str]:
    """Make a one-time invite code; a coordinator invite carries the organisation key under it.

    The vetting rule holds for every invite: one that follows an application approved with its
    vouches works at once, unless it is for a coordinator; any other waits for a second,
    independent coordinator's approval before its code opens anything. An organisation with a
    single coordinator has no one to approve, so its invites work at once (audited as alone).
    """

    if not (actor.is_active and actor.is_coordinator and actor.suspended_at is None):
        raise PermissionError("only coordinators invite")
    if role not in Role.values:
        raise ValidationError(_("Choose a role."), code="role")
    code = secrets.token_urlsafe(18)
    wrapped = None
    if role == Role.COORDINATOR:
        if organisation_private_key is None:
            raise ValueError("a coordinator invite needs the inviting coordinator's unlocked key")
        wrapped = secret_seal(
            derive_key(code.encode(), purpose="invite-key"), organisation_private_key
        )
    now = timezone.now()
    vouched = application is not None and role != Role.COORDINATOR
    alone = is_lone(actor.organisation_id)
    invite = Invite.objects.create(
        organisation=actor.organisation,
        role=role,
        code_digest=peppered_digest(code, "invite-code"),
        wrapped_organisation_key=wrapped,
        created_by=actor,
        created_at=now,
        expires_at=now + INVITE_LIFETIME,
        application=application,
        needs_approval=not (vouched or alone),
    )
    audit_record(
        actor=actor,
        action="invite.create",
        organisation=actor.organisation,
        target_type="invite",
        target_id=str(invite.pk),
        data={"role": role, **({"alone": True} if alone and not vouched else {})},
    )
    if invite.needs_approval:
        approval_request(
            actor=actor,
            act=Act.INVITE,
            target_id=str(invite.pk),
            reason=reason,
            reason_required=False,
        )
    return invite, code


@transaction.atomic
def invite_accept(*, code: str, handle: str, passphrase: str) -> Member:
    """Turn an invite code into a member with their own key pair."""
    invite = (
        Invite.objects.select_for_update()
        .select_related("organisation")
        .filter(code_digest=peppered_digest(code.strip(), "invite-code"), used_at__isnull=True)
        .first()
    )
    if invite is None or invite.expires_at < timezone.now():
        raise ValidationError(
            _(
                "This invite code is not valid: it may be mistyped, used or expired. "
                "Ask your coordinator for a new one."
            ),
            code="invite-invalid",
        )
    if invite.needs_approval and invite.approved_at is None:
        raise ValidationError(
            _(
                "This invite waits for a second coordinator's approval. Keep the code and try "
                "again once your coordinator tells you it was approved."
            ),
            code="invite-waiting",
        )
    organisation_private = None
    if invite.wrapped_organisation_key:
        try:
            organisation_private = secret_open(
                derive_key(code.strip().encode(), purpose="invite-key"),
                bytes(invite.wrapped_organisation_key),
            )
        except WrongKey:
            raise ValidationError(
                _("This invite is damaged; ask for a new one."), code="invite-bad"
            ) from None
    member = new_member(
        organisation=invite.organisation,
        handle=handle,
        role=invite.role,
        passphrase=passphrase,
        organisation_private_key=organisation_private,
    )
    Invite.objects.filter(pk=invite.pk).update(
        used_at=timezone.now(), used_by=member, wrapped_organisation_key=None
    )
    audit_record(
        actor=member,
        action="invite.accept",
        organisation=invite.organisation,
        target_type="invite",
        target_id=str(invite.pk),
        data={"role": invite.role},
    )
    return member
