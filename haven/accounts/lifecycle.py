"""A member's keys through their life: sessions that end with trust, and passphrase changes.

Ending a member's sessions deletes the session rows, and with them the sealed half of the unlocked
key each one held; the cookie half left in a browser then opens nothing. Their API tokens end in
the same step, their wrapped keys destroyed.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from haven.accounts.credentials import check_passphrase_strength, member_kdf_cost
from haven.accounts.models import Member, MemberSession
from haven.accounts.tokens import api_tokens_end
from haven.audit.services import audit_record
from haven.crypto import WrongPassphrase
from haven.crypto.keys import unwrap_with_passphrase, wrap_with_passphrase


@transaction.atomic
def member_sessions_end(
    *, actor: Member | None, member: Member, why: str, keep_session: str | None = None
) -> int:
    """End every server-side session of a member but `keep_session`, and every API token."""
    sessions = MemberSession.objects.filter(member_id=member.pk)
    if keep_session:
        sessions = sessions.exclude(session_key=keep_session)
    ended, _by_model = sessions.delete()
    api_tokens_end(member=member, why=why)
    audit_record(
        actor=actor,
        action="member.sessions_end",
        organisation=member.organisation,
        target_type="member",
        target_id=str(member.pk),
        data={"sessions": ended, "why": why},
    )
    return ended


@transaction.atomic
def passphrase_change(
    *, member: Member, old_passphrase: str, new_passphrase: str, keep_session: str | None
) -> None:
    """Re-wrap the member's key under a new passphrase; the old one opens nothing afterwards, and
    every other session and every token of the member ends."""
    check_passphrase_strength(new_passphrase)
    if new_passphrase == old_passphrase:
        raise ValidationError(
            _("The new passphrase is the same as the old one; choose a new one."),
            code="passphrase-same",
        )
    locked = Member.objects.select_for_update().get(pk=member.pk)
    if not locked.is_active or locked.suspended_at is not None:
        raise PermissionError("only active members change their passphrase")
    try:
        private = unwrap_with_passphrase(bytes(locked.wrapped_private_key), old_passphrase)
    except WrongPassphrase:
        raise ValidationError(
            _("Your current passphrase is not right; type it again."), code="passphrase-wrong"
        ) from None
    # The old wrapping is overwritten, not kept beside the new one: nothing the old passphrase
    # opened is left in the row.
    Member.objects.filter(pk=member.pk).update(
        wrapped_private_key=wrap_with_passphrase(private, new_passphrase, member_kdf_cost())
    )
    audit_record(
        actor=member,
        action="member.passphrase_change",
        organisation=member.organisation,
        target_type="member",
        target_id=str(member.pk),
    )
    member_sessions_end(actor=member, member=member, why="passphrase", keep_session=keep_session)
    member.refresh_from_db()
