"""What every referral act shares: who may act, the organisation key it signs with, the refusal
it raises, and how it is recorded (to the hour, with the other side's fingerprint)."""

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from haven.accounts.models import Member, Organisation
from haven.accounts.unlock import Keyring, Locked
from haven.audit.services import audit_record, to_the_hour


class ReferralRefused(Exception):
    """The referral act cannot happen; the message says why, for the member or requester."""


def require_coordinator(member: Member) -> None:
    """Refuse anyone but the organisation's coordinators who are not suspended."""
    if not member.is_coordinator or member.suspended_at is not None:
        raise PermissionError("only the organisation's coordinators refer")


def current_hour() -> datetime:
    """Now, to the hour: what referrals keep of when something happened."""
    return to_the_hour(timezone.now())


def audit_act(
    actor: Member | None,
    organisation: Organisation,
    action: str,
    target_type: str,
    target_id: str,
    **data: object,
) -> None:
    """Record a referral act in the audit log, in the caller's transaction."""
    audit_record(
        actor=actor,
        action=action,
        organisation=organisation,
        target_type=target_type,
        target_id=target_id,
        data=data,
    )


def organisation_private(keyring: Keyring) -> bytes:
    """The organisation's private key, or a refusal that says who can do this instead."""
    try:
        return keyring.organisation_private_key()
    except Locked:
        raise ReferralRefused(
            _(
                "Your login does not hold the organisation key: a coordinator who holds it "
                "must do this."
            )
        ) from None
