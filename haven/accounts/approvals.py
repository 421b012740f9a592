"""Two-person rules: the acts a single coordinator may ask for but not do alone.

A coordinator's request is stored as an Approval; the act happens when a second coordinator of the
organisation approves it, and only one who is independent of the first: not the same member, not
the member the act is about, and neither brought into the network by the other within the
newcomer's first `voucher_min_days` (so a coordinator cannot invent an accomplice to approve for
it). An organisation with a single active coordinator has no second person: its coordinator acts
alone, the act is audited as done alone, and its pages say which protections it lacks.
"""

from collections.abc import Mapping
from datetime import timedelta

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.accounts.models import Act, Approval, Invite, Member, Organisation, Role
from haven.accounts.unlock import Keyring
from haven.audit.services import audit_record
from haven.crypto.keys import seal_to

MIN_REASON_LENGTH = 8
# The organisation's rules coordinators may change, two of them together.
RULE_FIELDS = ("vouches_required", "voucher_min_days", "reveals_per_hour")


class ApprovalRefused(Exception):
    """The approval cannot be given or asked for; the message says why, for the member."""


def active_coordinators(organisation_id: int) -> QuerySet[Member]:
    return Member.objects.filter(
        organisation_id=organisation_id,
        role=Role.COORDINATOR,
        is_active=True,
        suspended_at__isnull=True,
    )


def is_lone(organisation_id: int) -> bool:
    """Whether the organisation has one active coordinator (or none), so no second person."""
    return active_coordinators(organisation_id).count() <= 1


def sponsors_of(member: Member) -> set[int]:
    """The members who brought this one in (made or approved its invite, approved its
    application), while it is still in its first `voucher_min_days`; empty after that."""
    days = member.organisation.voucher_min_days
    if member.created_at <= timezone.now() - timedelta(days=days):
        return set()
    sponsors: set[int] = set()
    for invite in Invite.objects.filter(used_by=member).select_related("application"):
        sponsors.add(invite.created_by_id)
        if invite.approved_by_id is not None:
            sponsors.add(invite.approved_by_id)
        if invite.application is not None and invite.application.decided_by_id is not None:
            sponsors.add(invite.application.decided_by_id)
    return sponsors


def independent(first: Member, second: Member) -> bool:
    """Two different members, neither brought in by the other within its first days."""
    return (
        first.pk != second.pk
        and first.pk not in sponsors_of(second)
        and second.pk not in sponsors_of(first)
    )


def _target_member_id(approval: Approval) -> int | None:
    return int(approval.target_id) if approval.act in (Act.SUSPEND, Act.RECOVER) else None


def may_approve(approver: Member, approval: Approval) -> bool:
    """An active coordinator of the organisation, independent of the one who asked, and not the
    member the act is about."""
    return (
        approver.is_active
        and approver.suspended_at is None
        and approver.is_coordinator
        and approver.organisation_id == approval.organisation_id
        and approver.pk != _target_member_id(approval)
        and independent(approver, approval.requested_by)
    )


def _check_reason(reason: str) -> str:
    reason = reason.strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise ApprovalRefused(
            _("Give the reason (at least %(count)d characters).") % {"count": MIN_REASON_LENGTH}
        )
    return reason


@transaction.atomic
def approval_request(
    *,
    actor: Member,
    act: str,
    target_id: str,
    reason: str,
    reason_required: bool = True,
    changes: dict[str, int] | None = None,
) -> Approval:
    """Ask a second coordinator to let an act happen; asking twice returns the open request."""
    if not (actor.is_active and actor.is_coordinator and actor.suspended_at is None):
        raise PermissionError("only active coordinators ask for two-person acts")
    reason = _check_reason(reason) if reason_required or reason.strip() else ""
    open_one = Approval.objects.filter(
        organisation_id=actor.organisation_id,
        act=act,
        target_id=target_id,
        decided_at__isnull=True,
    ).first()
    if open_one is not None:
        return open_one
    approval = Approval.objects.create(
        organisation_id=actor.organisation_id,
        act=act,
        target_id=target_id,
        requested_by=actor,
        requested_at=timezone.now(),
        changes=changes or {},
        reason_sealed=(
            seal_to(bytes(actor.organisation.public_key), reason.encode("utf-8"))
            if reason
            else None
        ),
    )
    audit_record(
        actor=actor,
        action="approval.request",
        organisation=actor.organisation,
        target_type=act,
        target_id=target_id,
        data={"approval": approval.pk, **({"changes": changes} if changes else {})},
        note=reason or None,
    )
    return approval


def approval_reason(*, keyring: Keyring, approval: Approval) -> str:
    """The reason the asking coordinator gave, opened with the organisation key."""
    if not approval.reason_sealed:
        return ""
    return keyring.open_for_organisation(bytes(approval.reason_sealed)).decode("utf-8")


def _carry_out(approval: Approval, approver: Member, reason: str, keyring: Keyring) -> str | None:
    """Do the act an approval was for; return a code to show once to the approver, if the act
    makes one. Imported here: each act lives in its own domain."""
    if approval.act == Act.INVITE:
        Invite.objects.filter(
            pk=int(approval.target_id),
            organisation_id=approval.organisation_id,
            used_at__isnull=True,
        ).update(approved_by=approver, approved_at=timezone.now())
    elif approval.act == Act.SHRED:
        from haven.cases.retention import case_shred_approved

        case_shred_approved(approval=approval, approver=approver, reason=reason)
    elif approval.act == Act.SUSPEND:
        from haven.volunteers.suspension import member_suspend_approved

        member_suspend_approved(approval=approval, approver=approver, reason=reason)
    elif approval.act == Act.RULES:
        _apply_rules(Organisation.objects.get(pk=approval.organisation_id), approval.changes)
    elif approval.act == Act.RECOVER:
        from haven.accounts.recovery import recovery_approved

        return recovery_approved(approval=approval, approver=approver, keyring=keyring)
    elif approval.act == Act.ROTATE:
        from haven.accounts.rotation import rotation_approved

        rotation_approved(approval=approval, approver=approver, keyring=keyring)
    else:  # pragma: no cover - the choices are closed
        raise ValueError(f"no act {approval.act}")
    return None


@transaction.atomic
def approval_grant(*, actor: Member, keyring: Keyring, approval: Approval) -> str | None:
    """A second, independent coordinator lets the act happen; it happens now. Returns the code a
    key recovery makes for the approver, shown once."""
    approval = (
        Approval.objects.select_for_update().select_related("requested_by").get(pk=approval.pk)
    )
    if approval.decided_at is not None:
        raise ApprovalRefused(_("This request was already decided."))
    if not may_approve(actor, approval):
        raise ApprovalRefused(
            _(
                "You cannot approve this: it needs a coordinator other than the one who asked and "
                "the one it is about, who did not bring either into the network recently."
            )
        )
    reason = approval_reason(keyring=keyring, approval=approval)
    Approval.objects.filter(pk=approval.pk).update(
        decided_by=actor, decided_at=timezone.now(), approved=True
    )
    audit_record(
        actor=actor,
        action="approval.grant",
        organisation=actor.organisation,
        target_type=approval.act,
        target_id=approval.target_id,
        data={"approval": approval.pk, "requested_by": approval.requested_by_id},
    )
    return _carry_out(approval, actor, reason, keyring)


@transaction.atomic
def approval_refuse(*, actor: Member, approval: Approval) -> None:
    """Any coordinator of the organisation turns a request down, or the asker withdraws it."""
    if not (
        actor.is_active
        and actor.is_coordinator
        and actor.organisation_id == approval.organisation_id
    ):
        raise PermissionError("only the organisation's coordinators refuse requests")
    updated = Approval.objects.filter(pk=approval.pk, decided_at__isnull=True).update(
        decided_by=actor, decided_at=timezone.now(), approved=False
    )
    if updated:
        audit_record(
            actor=actor,
            action="approval.refuse",
            organisation=actor.organisation,
            target_type=approval.act,
            target_id=approval.target_id,
            data={"approval": approval.pk},
        )


def _apply_rules(organisation: Organisation, changes: Mapping[str, object]) -> None:
    from haven.accounts.services import organisation_configure

    def number(name: str) -> int | None:
        value = changes.get(name)
        return int(value) if isinstance(value, int) else None

    organisation_configure(
        organisation=organisation,
        vouches_required=number("vouches_required"),
        voucher_min_days=number("voucher_min_days"),
        reveals_per_hour=number("reveals_per_hour"),
    )


@transaction.atomic
def rules_change_request(*, actor: Member, changes: dict[str, int], reason: str) -> Approval | None:
    """Ask to change the vetting rule or the reveal limit; it takes effect when a second,
    independent coordinator approves (the request is returned), or at once where the organisation
    has a single coordinator. Values are checked now, so a bad one is refused at once."""
    changes = {
        key: value
        for key, value in changes.items()
        if key in RULE_FIELDS and value != getattr(actor.organisation, key)
    }
    if not changes:
        raise ApprovalRefused(_("Nothing would change: the values are those in force."))
    limits = {
        "vouches_required": (0, 20),
        "voucher_min_days": (0, 3650),
        "reveals_per_hour": (1, 1000),
    }
    for key, value in changes.items():
        low, high = limits[key]
        if not low <= value <= high:
            raise ApprovalRefused(
                _("Each value must be between %(low)d and %(high)d.") % {"low": low, "high": high}
            )
    if is_lone(actor.organisation_id):
        reason = _check_reason(reason)
        audit_record(
            actor=actor,
            action="organisation.rules",
            organisation=actor.organisation,
            target_type="organisation",
            target_id=str(actor.organisation_id),
            data={"changes": changes, "alone": True},
            note=reason,
        )
        _apply_rules(actor.organisation, changes)
        return None
    return approval_request(
        actor=actor,
        act=Act.RULES,
        target_id=str(actor.organisation_id),
        reason=reason,
        changes=changes,
    )


def approvals_waiting(organisation_id: int) -> list[Approval]:
    return list(
        Approval.objects.filter(organisation_id=organisation_id, decided_at__isnull=True)
        .select_related("requested_by")
        .order_by("requested_at")
    )


def waiting_for(act: str, target_id: str, organisation_id: int) -> Approval | None:
    """The open request for this act on this target, if any."""
    return Approval.objects.filter(
        Q(organisation_id=organisation_id, act=act, target_id=target_id),
        decided_at__isnull=True,
    ).first()


def missing_protections(organisation: Organisation) -> list[str]:
    """What an organisation with a single coordinator lacks, said plainly; empty otherwise."""
    if not is_lone(organisation.pk):
        return []
    return [
        _("Invites take effect without a second coordinator's approval."),
        _("Cases can be shredded before their retention ends by one coordinator alone."),
        _("The vetting rule and the reveal limit can be changed by one coordinator alone."),
        _("No one can approve a reveal hold on the coordinator: it stays until an admin acts."),
        _(
            "Members this coordinator brings in take cases from it at once; no one else checks "
            "them first."
        ),
        _(
            "A member who lost their passphrase gets a new key from this coordinator alone, who "
            "holds both recovery codes."
        ),
        _("The organisation key is replaced by one coordinator alone."),
    ]
