"""The second factor from an authenticator app (TOTP): enrolment and one-time codes."""

import secrets

import pyotp
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.accounts.credentials import Unlocked, member_unlock
from haven.accounts.models import Member
from haven.audit.services import audit_record
from haven.crypto.keys import open_sealed, public_key_of, seal_to

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
