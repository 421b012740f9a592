"""Every write to organisations, members, invites and tokens."""

import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

import pyotp
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.accounts.models import Act, ApiToken, Invite, KnownDevice, Member, Organisation, Role
from haven.audit.services import audit_record
from haven.crypto import WrongKey, WrongPassphrase
from haven.crypto.keys import (
    KDF_COSTS,
    KdfCost,
    burn_passphrase_time,
    derive_key,
    keyed_digest,
    new_key_pair,
    open_sealed,
    public_key_of,
    seal_to,
    secret_open,
    secret_seal,
    unwrap_with_passphrase,
    wrap_with_passphrase,
)

if TYPE_CHECKING:
    from haven.volunteers.models import Application

MIN_PASSPHRASE_LENGTH = 12
INVITE_LIFETIME = timedelta(days=7)


@dataclass(frozen=True)
class Unlocked:
    """A member whose passphrase opened their private key."""

    member: Member
    private_key: bytes = field(repr=False)


def member_kdf_cost() -> KdfCost:
    """The Argon2id cost new member keys are wrapped with."""
    return KDF_COSTS[settings.HAVEN_MEMBER_KDF]


def check_passphrase_strength(passphrase: str) -> None:
    """Refuse a passphrase too short to resist guessing once the database is seized."""
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise ValidationError(
            _("Use at least %(count)d characters; several words are easiest to remember.")
            % {"count": MIN_PASSPHRASE_LENGTH},
            code="passphrase-short",
        )


def _digest(secret: str, purpose: str) -> bytes:
    return keyed_digest(secret.encode(), key=settings.HAVEN_PEPPER.encode(), purpose=purpose)


def _new_member(
    *,
    organisation: Organisation,
    handle: str,
    role: str,
    passphrase: str,
    organisation_private_key: bytes | None,
) -> Member:
    check_passphrase_strength(passphrase)
    if Member.objects.filter(handle=handle).exists():
        raise ValidationError(_("This name is taken; choose another."), code="handle-taken")
    pair = new_key_pair()
    now = timezone.now()
    member = Member(
        organisation=organisation,
        handle=handle,
        role=role,
        vetted_at=now,
        public_key=pair.public,
        wrapped_private_key=wrap_with_passphrase(pair.private, passphrase, member_kdf_cost()),
        sealed_organisation_key=(
            seal_to(pair.public, organisation_private_key) if organisation_private_key else None
        ),
        created_at=now,
    )
    member.set_unusable_password()
    member.full_clean(exclude=["password", "last_login"])
    member.save()
    return member


@transaction.atomic
def organisation_create(
    *, slug: str, name: str, coordinator_handle: str, coordinator_passphrase: str
) -> tuple[Organisation, Member]:
    """Create an organisation, its key pair, and its first coordinator (an admin's act)."""
    pair = new_key_pair()
    organisation = Organisation(
        slug=slug, name=name, public_key=pair.public, created_at=timezone.now()
    )
    organisation.full_clean()
    organisation.save()
    coordinator = _new_member(
        organisation=organisation,
        handle=coordinator_handle,
        role=Role.COORDINATOR,
        passphrase=coordinator_passphrase,
        organisation_private_key=pair.private,
    )
    audit_record(
        actor=None,
        action="organisation.create",
        organisation=organisation,
        target_type="organisation",
        target_id=str(organisation.pk),
        data={"first_coordinator": coordinator.pk},
    )
    return organisation, coordinator


def member_unlock(*, handle: str, passphrase: str) -> Unlocked | None:
    """Check a passphrase by opening the member's key with it; None if either is wrong.

    An unknown or deactivated handle spends the same Argon2id time, so the answer does not tell
    whether the account exists.
    """
    member = Member.objects.select_related("organisation").filter(handle=handle).first()
    # A member whose key is being recovered has no wrapped key until they finish the recovery.
    if member is None or not member.is_active or not member.wrapped_private_key:
        burn_passphrase_time(passphrase, member_kdf_cost())
        return None
    try:
        private = unwrap_with_passphrase(bytes(member.wrapped_private_key), passphrase)
    except WrongPassphrase:
        return None
    return Unlocked(member=member, private_key=private)


def known_device_owner(raw_token: str) -> int | None:
    """The member id a device token was given to, if it is one."""
    if not raw_token or len(raw_token) > 100:
        return None
    device = KnownDevice.objects.filter(token_digest=_digest(raw_token, "device-token")).first()
    return device.member_id if device else None


@transaction.atomic
def device_remember(*, member: Member) -> str:
    """Remember the browser a member just logged in from; returns the token for its cookie."""
    token = secrets.token_urlsafe(32)
    device = KnownDevice.objects.create(
        member=member, token_digest=_digest(token, "device-token"), created_at=timezone.now()
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
    from haven.accounts.approvals import approval_request, is_lone

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
        code_digest=_digest(code, "invite-code"),
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
        .filter(code_digest=_digest(code.strip(), "invite-code"), used_at__isnull=True)
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
    member = _new_member(
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
        secret_digest=_digest(secret, "api-token"),
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
    if not secrets.compare_digest(bytes(token.secret_digest), _digest(secret, "api-token")):
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


TOTP_ISSUER = "Haven"


def totp_new_secret() -> str:
    """A fresh TOTP secret (base32), to show once while the member enrols."""
    return pyotp.random_base32()


def totp_uri(*, member: Member, secret: str) -> str:
    """The otpauth:// address an authenticator app reads from a QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=member.handle, issuer_name=TOTP_ISSUER)


def _totp_step(secret: str, code: str) -> int | None:
    """The time step a code belongs to (this one or one either side), or None if it is wrong."""
    totp = pyotp.TOTP(secret)
    code = "".join(code.split())
    now = timezone.now().timestamp()
    for offset in (0, -1, 1):
        moment = now + offset * totp.interval
        if secrets.compare_digest(totp.at(moment), code):
            return int(moment // totp.interval)
    return None


@transaction.atomic
def totp_enrol(*, member: Member, private_key: bytes, secret: str, code: str) -> None:
    """Turn on the second factor once the member shows a code from their app. The secret is
    sealed to the member's own public key, so only their unlocked key can check codes."""
    step = _totp_step(secret, code)
    if step is None:
        raise ValidationError(
            _("That code does not match. Check the time on your phone and try the next code."),
            code="totp",
        )
    if public_key_of(private_key) != bytes(member.public_key):
        raise PermissionError("the key given is not this member's")
    Member.objects.filter(pk=member.pk).update(
        totp_sealed=seal_to(bytes(member.public_key), secret.encode("ascii")),
        totp_last_step=step,
    )
    audit_record(
        actor=member,
        action="member.second_factor",
        organisation=member.organisation,
        target_type="member",
        target_id=str(member.pk),
    )


def totp_enrol_unattended(*, handle: str, passphrase: str) -> tuple[Unlocked, str]:
    """Turn on a member's second factor with no person at an app, for the demo network, the
    benchmarks and the tests: the member's key is opened with the passphrase and the first code
    is computed here. Returns the unlocked member and the new secret."""
    unlocked = member_unlock(handle=handle, passphrase=passphrase)
    if unlocked is None:
        raise PermissionError(f"the passphrase given does not unlock {handle}'s key")
    secret = totp_new_secret()
    totp_enrol(
        member=unlocked.member,
        private_key=unlocked.private_key,
        secret=secret,
        code=pyotp.TOTP(secret).now(),
    )
    return unlocked, secret


@transaction.atomic
def totp_check(*, member: Member, private_key: bytes, code: str) -> bool:
    """Check a login code; each code works once (a replayed one is refused)."""
    locked = Member.objects.select_for_update().get(pk=member.pk)
    if not locked.totp_sealed:
        return False
    secret = open_sealed(private_key, bytes(locked.totp_sealed)).decode("ascii")
    step = _totp_step(secret, code)
    if step is None or step <= locked.totp_last_step:
        return False
    Member.objects.filter(pk=member.pk).update(totp_last_step=step)
    return True


@transaction.atomic
def organisation_configure(
    *,
    organisation: Organisation,
    vouches_required: int | None = None,
    voucher_min_days: int | None = None,
    second_factor_required: bool | None = None,
    matching_weights: dict[str, object] | None = None,
    retention_days: int | None = None,
    reveals_per_hour: int | None = None,
    proposal_expiry_hours: int | None = None,
    dual_prices: bool | None = None,
) -> Organisation:
    """Change an organisation's vetting rule, second-factor rule, matching settings, retention or
    reveal limit, how long a host has to answer a proposal, or whether suggested beds rank with
    the offers' potentials (an admin's act through `haven org set`). Matching settings are
    checked by the engine's rules."""
    from haven.matching.engine import Weights

    changed: dict[str, object] = {}
    if vouches_required is not None:
        if not 0 <= vouches_required <= 20:
            raise ValidationError("vouches must be between 0 and 20", code="vouches")
        changed["vouches_required"] = vouches_required
    if voucher_min_days is not None:
        if not 0 <= voucher_min_days <= 3650:
            raise ValidationError("voucher days must be between 0 and 3650", code="days")
        changed["voucher_min_days"] = voucher_min_days
    if second_factor_required is not None:
        changed["second_factor_required"] = second_factor_required
    if retention_days is not None:
        if not 1 <= retention_days <= 3650:
            raise ValidationError("retention must be between 1 and 3650 days", code="retention")
        changed["retention_days"] = retention_days
    if reveals_per_hour is not None:
        if not 1 <= reveals_per_hour <= 1000:
            raise ValidationError("reveals per hour must be between 1 and 1000", code="reveals")
        changed["reveals_per_hour"] = reveals_per_hour
    if proposal_expiry_hours is not None:
        if not 1 <= proposal_expiry_hours <= 720:
            raise ValidationError("proposal expiry must be between 1 and 720 hours", code="expiry")
        changed["proposal_expiry_hours"] = proposal_expiry_hours
    if dual_prices is not None:
        changed["dual_prices"] = dual_prices
    if matching_weights is not None:
        merged = {**organisation.matching_weights, **matching_weights}
        try:
            Weights(**{k: tuple(v) if k == "urgency" else v for k, v in merged.items()})  # type: ignore[arg-type]
        except (TypeError, ValueError) as error:
            raise ValidationError(str(error), code="weights") from None
        changed["matching_weights"] = merged
    Organisation.objects.filter(pk=organisation.pk).update(**changed)
    audit_record(
        actor=None,
        action="organisation.configure",
        organisation=organisation,
        target_type="organisation",
        target_id=str(organisation.pk),
        data={key: value for key, value in changed.items()},
    )
    organisation.refresh_from_db()
    return organisation
