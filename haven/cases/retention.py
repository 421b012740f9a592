"""Retention and shredding: the requester's "forget me", a coordinator's decision (alone or
approved by a second one) and the daily shredding of cases past their organisation's retention.
Each is atomic and audited."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from haven.accounts.approvals import approval_request, is_lone
from haven.accounts.models import Act, Approval, Member, Organisation
from haven.audit.services import audit_record, to_the_hour
from haven.cases.access import case_audit, require_coordinator
from haven.cases.models import ENDED, Case, CaseSeal, CaseShare, CloseReason, Note, Status
from haven.crypto.keys import random_bytes
from haven.messaging.models import Message
from haven.notifications.models import Ping
from haven.volunteers.endings import placements_end_for_case
from haven.volunteers.models import Placement

SHRED_BATCH = 500


def _now() -> datetime:
    return timezone.now()


def _shred(cases: list[Case], reason: str) -> None:
    """Destroy every key and ciphertext of these cases; their coarse rows stay for statistics.

    The codename digest and the requester's public key are replaced with random bytes, so the
    codename no longer finds the row either.
    """
    hour = to_the_hour(_now())
    for case in cases:
        placements_end_for_case(actor=None, case=case)
        case.sealed_key = None
        case.thread_key_requester = None
        case.thread_key_staff = None
        case.codename_digest = random_bytes(32)
        case.requester_public_key = random_bytes(32)
        case.shredded_hour = hour
        case.updated_hour = hour
        case.requester_wrote = False
        if case.status not in ENDED:
            case.status = Status.CLOSED
            case.ended_hour = hour
            case.close_reason = (
                CloseReason.FORGOTTEN if reason == "forget" else case.close_reason or "done"
            )
        elif reason == "forget":
            case.close_reason = CloseReason.FORGOTTEN
            case.status = Status.CLOSED
    Case.objects.bulk_update(
        cases,
        [
            "sealed_key",
            "thread_key_requester",
            "thread_key_staff",
            "codename_digest",
            "requester_public_key",
            "shredded_hour",
            "updated_hour",
            "requester_wrote",
            "status",
            "ended_hour",
            "close_reason",
        ],
    )
    ids = [case.pk for case in cases]
    CaseSeal.objects.filter(case_id__in=ids).delete()
    CaseShare.objects.filter(case_id__in=ids).update(sealed_key=None, unshared_at=_now())
    Note.objects.filter(case_id__in=ids).update(body=None)
    Message.objects.filter(case_id__in=ids).update(body=None, photo=None)
    Placement.objects.filter(case_id__in=ids).update(address_for_requester=None)
    Ping.objects.filter(case_id__in=ids).delete()


def retention_over(case: Case, now: datetime | None = None) -> bool:
    """Whether the case ended longer ago than its organisation keeps cases."""
    now = now or _now()
    cutoff = now - timedelta(days=case.organisation.retention_days)
    return case.ended_hour is not None and case.ended_hour <= cutoff


@transaction.atomic
def case_shred(*, actor: Member | None, case: Case, reason: str, why: str = "") -> Approval | None:
    """Shred one case: the requester's "forget me" (actor None) at once; a coordinator's decision
    at once only when its retention is over or the organisation has a single coordinator,
    otherwise it waits for a second coordinator (the request is returned)."""
    if actor is not None:
        require_coordinator(actor, case)
        if not (retention_over(case) or is_lone(case.organisation_id)):
            return approval_request(actor=actor, act=Act.SHRED, target_id=str(case.pk), reason=why)
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.shredded_hour is not None:
        return None
    _shred([case], reason)
    alone = actor is not None and not retention_over(case)
    case_audit(actor, case, "case.shred", reason=reason, **({"alone": True} if alone else {}))
    return None


def case_shred_approved(*, approval: Approval, approver: Member, reason: str) -> None:
    """Shred the case a second coordinator approved shredding (inside the approval's
    transaction)."""
    case = (
        Case.objects.select_for_update()
        .select_related("organisation")
        .filter(pk=approval.target_id, organisation_id=approval.organisation_id)
        .first()
    )
    if case is None or case.shredded_hour is not None:
        return
    _shred([case], "coordinator")
    case_audit(
        approver, case, "case.shred", reason="coordinator", requested_by=approval.requested_by_id
    )


def shred_due(now: datetime | None = None) -> int:
    """Shred every ended case older than its organisation's retention period; return how many."""
    now = now or _now()
    shredded = 0
    for organisation in Organisation.objects.all():
        cutoff = now - timedelta(days=organisation.retention_days)
        while True:
            with transaction.atomic():
                batch = list(
                    Case.objects.select_for_update()
                    .filter(
                        organisation=organisation,
                        ended_hour__lte=cutoff,
                        shredded_hour__isnull=True,
                    )
                    .order_by("ended_hour")[:SHRED_BATCH]
                )
                if not batch:
                    break
                _shred(batch, "retention")
                audit_record(
                    actor=None,
                    action="case.shred-due",
                    organisation=organisation,
                    target_type="organisation",
                    target_id=str(organisation.pk),
                    data={"count": len(batch), "retention_days": organisation.retention_days},
                )
                shredded += len(batch)
    return shredded
