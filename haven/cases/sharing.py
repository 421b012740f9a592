"""Writes that share a case with counselors, or take it back. Each is atomic and audited."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.accounts.approvals import is_lone, sponsors_of
from haven.accounts.models import Member, Role
from haven.accounts.unlock import Keyring
from haven.cases.access import CaseRefused, case_audit, case_key, require_coordinator
from haven.cases.models import Case, CaseShare
from haven.cases.reveal import under_hold
from haven.crypto.sealing import seal_data_key


def _now() -> datetime:
    return timezone.now()


@transaction.atomic
def case_share(*, actor: Member, keyring: Keyring, case: Case, member: Member) -> CaseShare:
    """Give a counselor the case's data key, sealed to their own public key."""
    require_coordinator(actor, case)
    if (
        member.organisation_id != case.organisation_id
        or member.role != Role.COUNSELOR
        or member.suspended_at is not None
        or not member.is_active
    ):
        raise CaseRefused(_("Cases are shared with the organisation's active counselors only."))
    if under_hold(actor):
        raise CaseRefused(
            _(
                "Your reveals wait for another coordinator's approval; until then you cannot share "
                "cases either."
            )
        )
    if actor.pk in sponsors_of(member) and not is_lone(case.organisation_id):
        raise CaseRefused(
            _(
                "You brought this counselor in recently: another coordinator shares cases with "
                "them until they have been a member for %(days)d days."
            )
            % {"days": member.organisation.voucher_min_days}
        )
    data_key = case_key(keyring, case)
    sealed = seal_data_key(data_key, to_public=bytes(member.public_key))
    share, _created = CaseShare.objects.update_or_create(
        case=case,
        member=member,
        defaults={
            "sealed_key": sealed,
            "shared_by": actor,
            "shared_at": _now(),
            "unshared_at": None,
        },
    )
    case_audit(actor, case, "case.share", member=member.pk)
    return share


@transaction.atomic
def case_unshare(*, actor: Member, case: Case, member: Member) -> None:
    """Destroy the counselor's copy of the case key: what they read stays read, nothing more."""
    require_coordinator(actor, case)
    updated = CaseShare.objects.filter(case=case, member=member, unshared_at__isnull=True).update(
        sealed_key=None, unshared_at=_now()
    )
    if updated:
        case_audit(actor, case, "case.unshare", member=member.pk)


def shares_of(case: Case) -> list[CaseShare]:
    return list(
        CaseShare.objects.filter(case=case, unshared_at__isnull=True)
        .select_related("member")
        .order_by("member__handle")
    )
