"""What a member proves who they are with: the passphrase rule and its cost, the peppered digests
of the secrets handed out (device tokens, invite codes, API tokens), and opening a member's key
with their passphrase."""

from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from haven.accounts.models import Member
from haven.crypto import WrongPassphrase
from haven.crypto.keys import (
    KDF_COSTS,
    KdfCost,
    burn_passphrase_time,
    keyed_digest,
    unwrap_with_passphrase,
)

MIN_PASSPHRASE_LENGTH = 12


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


def peppered_digest(secret: str, purpose: str) -> bytes:
    return keyed_digest(secret.encode(), key=settings.HAVEN_PEPPER.encode(), purpose=purpose)


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
