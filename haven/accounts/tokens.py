"""Staff API tokens: made after a fresh second-factor code, unlocked per request, ended with
trust."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.accounts.credentials import Unlocked, peppered_digest
from haven.accounts.models import ApiToken, Member
from haven.accounts.totp import totp_check
from haven.audit.services import audit_record
from haven.crypto.keys import derive_key, secret_open, secret_seal

TOKEN_PREFIX = "hvn"  # noqa: S105  # a public prefix that marks Haven tokens, not a secret


@transaction.atomic
def api_token_create(
    *, actor: Member, member_private_key: bytes, label: str, code: str, days: int = 30
) -> tuple[ApiToken, str]:
    """Make a staff API token once the member shows a fresh second-factor code; the returned
    string is shown once and never stored. It lives at most HAVEN_API_TOKEN_MAX_DAYS and ends
    at the member's logout or suspension."""
    if not actor.is_active or actor.suspended_at is not None:
        raise PermissionError("only active members make tokens")
    if not 1 <= days <= settings.HAVEN_API_TOKEN_MAX_DAYS:
        raise ValidationError(
            _("A token lives between 1 and %(most)d days.")
            % {"most": settings.HAVEN_API_TOKEN_MAX_DAYS},
            code="days",
        )
    if not actor.has_second_factor:
        raise ValidationError(
            _("Turn on your second factor first: a token works like your login."),
            code="no-second-factor",
        )
    if not totp_check(member=actor, private_key=member_private_key, code=code):
        raise ValidationError(
            _("That code is wrong or was already used. Wait for the next one and try it."),
            code="totp",
        )
    public_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    now = timezone.now()
    token = ApiToken(
        member=actor,
        label=label,
        public_id=public_id,
        secret_digest=peppered_digest(secret, "api-token"),
        wrapped_member_key=secret_seal(
            derive_key(secret.encode(), purpose="api-token-key"), member_private_key
        ),
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    token.full_clean()
    token.save()
    audit_record(
        actor=actor,
        action="api_token.create",
        organisation=actor.organisation,
        target_type="api_token",
        target_id=public_id,
        data={"days": days},
    )
    return token, f"{TOKEN_PREFIX}_{public_id}_{secret}"


def api_token_unlock(raw: str) -> Unlocked | None:
    """Find the live token a bearer string names and open its member's key; None otherwise."""
    parts = raw.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        return None
    _prefix, public_id, secret = parts
    token = (
        ApiToken.objects.select_related("member__organisation")
        .filter(public_id=public_id, revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if token is None or not token.member.is_active:
        return None
    if not secrets.compare_digest(bytes(token.secret_digest), peppered_digest(secret, "api-token")):
        return None
    private = secret_open(
        derive_key(secret.encode(), purpose="api-token-key"), bytes(token.wrapped_member_key)
    )
    return Unlocked(member=token.member, private_key=private)


@transaction.atomic
def api_tokens_end(*, member: Member, why: str) -> int:
    """End every live token of a member (at logout); their wrapped keys are destroyed."""
    ended = ApiToken.objects.filter(member=member, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), wrapped_member_key=b""
    )
    if ended:
        audit_record(
            actor=member,
            action="api_token.end",
            organisation=member.organisation,
            target_type="member",
            target_id=str(member.pk),
            data={"count": ended, "why": why},
        )
    return ended


@transaction.atomic
def api_token_revoke(*, actor: Member, token: ApiToken) -> None:
    """Revoke a token at once; its wrapped key is destroyed with it."""
    if token.member_id != actor.pk:
        raise PermissionError("members revoke their own tokens")
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now(), wrapped_member_key=b"")
    audit_record(
        actor=actor,
        action="api_token.revoke",
        organisation=actor.organisation,
        target_type="api_token",
        target_id=token.public_id,
    )
