"""Organisation-key rotation (filled in below)."""

from haven.accounts.models import Approval, Member
from haven.accounts.unlock import Keyring


def rotation_approved(*, approval: Approval, approver: Member, keyring: Keyring) -> None:
    """Start the rotation a second coordinator approved."""
    raise NotImplementedError
