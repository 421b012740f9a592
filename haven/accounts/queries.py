"""Reads of accounts that the modules writing them share."""

from haven.accounts.models import KeyRotation


def running(organisation_id: int) -> KeyRotation | None:
    """The organisation's rotation in progress, if any."""
    return KeyRotation.objects.filter(
        organisation_id=organisation_id, finished_at__isnull=True
    ).first()
