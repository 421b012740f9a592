"""Writes on cases. Revealing sealed fields is audited like a write."""

from django.db import transaction
from django.utils.translation import gettext as _

from haven.accounts.models import Member
from haven.accounts.unlock import Keyring, Locked
from haven.audit.services import audit_record
from haven.cases.models import SEALED_FIELDS, Case, CaseSeal
from haven.crypto import CryptoError
from haven.crypto.sealing import FieldSealer

MIN_REASON_LENGTH = 8


class RevealRefused(Exception):
    """The reveal cannot happen; the message says why, for the member."""


@transaction.atomic
def case_reveal(*, actor: Member, keyring: Keyring, case: Case, reason: str) -> dict[str, str]:
    """Open a case's sealed fields for a member who gave a reason; the reason is audited, sealed."""
    if not actor.is_coordinator or case.organisation_id != actor.organisation_id:
        raise PermissionError("only the organisation's coordinators reveal its cases")
    reason = reason.strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise RevealRefused(
            _("Say why you need to read this (at least %(count)d characters).")
            % {"count": MIN_REASON_LENGTH}
        )
    seal = CaseSeal.objects.filter(case=case).first()
    if case.sealed_key is None or case.shredded or seal is None:
        raise RevealRefused(_("This case was shredded: nothing sealed in it can be read."))
    opened = [name for name in SEALED_FIELDS if getattr(seal, name)]
    audit_record(
        actor=actor,
        action="case.reveal",
        organisation=actor.organisation,
        target_type="case",
        target_id=str(case.pk),
        data={"fields": opened},
        note=reason,
    )
    try:
        sealer = FieldSealer(keyring.open_record_key(bytes(case.sealed_key)), str(case.pk))
        revealed = {name: sealer.open(name, bytes(getattr(seal, name))) for name in opened}
    except Locked:
        raise RevealRefused(_("Your key does not open this organisation's cases.")) from None
    except CryptoError:
        raise RevealRefused(
            _("This case's sealed data does not open: it may have been altered. Tell an admin.")
        ) from None
    return revealed
