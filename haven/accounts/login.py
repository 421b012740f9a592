"""The writes of a login: the browsers a member logged in from, and the login's audit event."""

import secrets

from django.db import transaction
from django.utils import timezone

from haven.accounts.credentials import peppered_digest
from haven.accounts.models import KnownDevice, Member
from haven.audit.services import audit_record


def known_device_owner(raw_token: str) -> int | None:
    """The member id a device token was given to, if it is one."""
    if not raw_token or len(raw_token) > 100:
        return None
    device = KnownDevice.objects.filter(
        token_digest=peppered_digest(raw_token, "device-token")
    ).first()
    return device.member_id if device else None


@transaction.atomic
def device_remember(*, member: Member) -> str:
    """Remember the browser a member just logged in from; returns the token for its cookie."""
    token = secrets.token_urlsafe(32)
    device = KnownDevice.objects.create(
        member=member,
        token_digest=peppered_digest(token, "device-token"),
        created_at=timezone.now(),
    )
    audit_record(
        actor=member,
        action="member.device",
        organisation=member.organisation,
        target_type="device",
        target_id=str(device.pk),
    )
    return token


@transaction.atomic
def member_record_login(*, member: Member) -> None:
    """Audit a successful login."""
    audit_record(
        actor=member,
        action="member.login",
        organisation=member.organisation,
        target_type="member",
        target_id=str(member.pk),
    )
