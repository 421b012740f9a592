"""Who may work on a case and with which key, the errors the case services raise, and the audit
record they share."""

from django.utils.translation import gettext as _

from haven.accounts.models import Member
from haven.accounts.unlock import Keyring, Locked
from haven.audit.services import audit_record
from haven.cases.models import Case, CaseShare


class RevealRefused(Exception):
    """The reveal cannot happen; the message says why, for the member."""


class CaseRefused(Exception):
    """The change cannot happen in the case's present state; the message says why."""


def shredded_message() -> str:
    return _("This case was shredded: nothing sealed in it can be read.")


def may_work_on(member: Member, case: Case) -> bool:
    """A coordinator of the case's organisation, or a counselor it is shared with."""
    if case.organisation_id != member.organisation_id or member.suspended_at is not None:
        return False
    if member.is_coordinator:
        return True
    return CaseShare.objects.filter(
        case=case, member=member, unshared_at__isnull=True, sealed_key__isnull=False
    ).exists()


def require_worker(member: Member, case: Case) -> None:
    if not may_work_on(member, case):
        raise PermissionError("only coordinators and counselors it is shared with work on a case")


def require_coordinator(member: Member, case: Case) -> None:
    if not member.is_coordinator or case.organisation_id != member.organisation_id:
        raise PermissionError("only the organisation's coordinators do this")


def case_key(keyring: Keyring, case: Case) -> bytes:
    """The case's data key, opened with what the member holds: the organisation key, or a share."""
    sealed = case.sealed_key
    if not sealed:
        raise RevealRefused(shredded_message())
    member = keyring.member
    try:
        if member.sealed_organisation_key:
            return keyring.open_record_key(bytes(sealed))
        share = CaseShare.objects.filter(
            case=case, member=member, unshared_at__isnull=True, sealed_key__isnull=False
        ).first()
        if share is not None and share.sealed_key:
            return keyring.open_shared_key(bytes(share.sealed_key))
    except Locked:
        pass
    raise RevealRefused(_("Your key does not open this case."))


def case_audit(actor: Member | None, case: Case, action: str, **data: object) -> None:
    audit_record(
        actor=actor,
        action=action,
        organisation=case.organisation,
        target_type="case",
        target_id=str(case.pk),
        data=data,
    )
