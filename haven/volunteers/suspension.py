"""Writes of trust withdrawn: suspending a member (a coordinator only with a second one's
approval), reviewing whom they vouched for, and members' reports about a member, read with a
reason. Each is atomic and audited."""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.accounts.approvals import approval_request
from haven.accounts.lifecycle import member_sessions_end
from haven.accounts.models import Act, Approval, Invite, Member
from haven.accounts.unlock import Keyring
from haven.audit.services import audit_record
from haven.cases.access import RevealRefused
from haven.cases.models import CaseShare
from haven.cases.reveal import MIN_REASON_LENGTH, reveal_gate
from haven.matching.cache import bump
from haven.volunteers.access import require_coordinator_of
from haven.volunteers.models import BedOffer, MemberReport, Vouch
from haven.volunteers.sealed import open_row, seal_into

# Who was vouched for by a suspended member this recently is flagged for review.
SUSPENSION_LOOKBACK = timedelta(days=180)


def vouched_by(member: Member, since: datetime | None = None) -> list[Member]:
    """Members who joined on applications this member vouched for (since a time, if given)."""
    vouches = Vouch.objects.filter(voucher=member)
    if since is not None:
        vouches = vouches.filter(created_at__gte=since)
    joined = Invite.objects.filter(
        application_id__in=vouches.values("application_id"), used_by__isnull=False
    ).values("used_by")
    return list(Member.objects.filter(pk__in=joined).order_by("handle"))


@transaction.atomic
def member_suspend(*, actor: Member, member: Member, reason: str) -> list[Member] | Approval:
    """Suspend a suspected informer; flag for review everyone they vouched for lately. A
    coordinator is suspended only when a second, independent coordinator approves: the request
    is returned and nothing changes yet."""
    require_coordinator_of(actor, member.organisation_id)
    if member.pk == actor.pk:
        raise ValidationError(_("You cannot suspend yourself."), code="self")
    if len(reason.strip()) < 8:
        raise ValidationError(_("Give the reason (at least 8 characters)."), code="reason")
    if member.is_coordinator:
        return approval_request(
            actor=actor, act=Act.SUSPEND, target_id=str(member.pk), reason=reason
        )
    return _suspend(actor=actor, member=member, reason=reason.strip())


def member_suspend_approved(*, approval: Approval, approver: Member, reason: str) -> None:
    """Suspend the coordinator a second coordinator approved suspending (inside the approval's
    transaction)."""
    member = Member.objects.filter(
        pk=int(approval.target_id), organisation_id=approval.organisation_id, is_active=True
    ).first()
    if member is not None:
        _suspend(actor=approver, member=member, reason=reason, requested_by=approval.requested_by)


@transaction.atomic
def member_suspend_by_admin(*, member: Member, reason: str) -> list[Member]:
    """An admin suspends a member, coordinator or not, through `haven org suspend`: the way out
    when too few coordinators are left to approve (or the one to suspend is the only one)."""
    if len(reason.strip()) < 8:
        raise ValidationError(_("Give the reason (at least 8 characters)."), code="reason")
    return _suspend(actor=None, member=member, reason=reason.strip())


def _suspend(
    *, actor: Member | None, member: Member, reason: str, requested_by: Member | None = None
) -> list[Member]:
    now = timezone.now()
    Member.objects.filter(pk=member.pk).update(
        is_active=False,
        suspended_at=now,
        sealed_organisation_key=None,
        sealed_next_organisation_key=None,
    )
    # Their sessions and API tokens die with their trust, the keys held in them too.
    member_sessions_end(actor=actor, member=member, why="suspension")
    # The cases shared with them: their sealed copies of the case keys go too.
    CaseShare.objects.filter(member=member, unshared_at__isnull=True).update(
        sealed_key=None, unshared_at=now
    )
    flagged = [
        other for other in vouched_by(member, since=now - SUSPENSION_LOOKBACK) if other.is_active
    ]
    Member.objects.filter(pk__in=[other.pk for other in flagged]).update(review_flagged_at=now)
    # The suspended member's beds leave every region they were in.
    for country in set(BedOffer.objects.filter(member=member).values_list("country", flat=True)):
        bump(member.organisation_id, country)
    audit_record(
        actor=actor,
        action="member.suspend",
        organisation=member.organisation,
        target_type="member",
        target_id=str(member.pk),
        data={
            "flagged": [other.pk for other in flagged],
            **({"requested_by": requested_by.pk} if requested_by is not None else {}),
        },
        note=reason,
    )
    return flagged


@transaction.atomic
def member_review_clear(*, actor: Member, member: Member) -> None:
    """A coordinator has reviewed a flagged member and keeps them."""
    require_coordinator_of(actor, member.organisation_id)
    Member.objects.filter(pk=member.pk).update(review_flagged_at=None)
    audit_record(
        actor=actor,
        action="member.review_clear",
        organisation=actor.organisation,
        target_type="member",
        target_id=str(member.pk),
    )


def member_reports_read(
    *, actor: Member, keyring: Keyring, member: Member, reason: str
) -> dict[int, str]:
    """A coordinator reads what members reported about a member, giving a reason: counted against
    the hourly reveal limit like a case, audited with the reason sealed."""

    require_coordinator_of(actor, member.organisation_id)
    reason = reason.strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise RevealRefused(
            _("Say why you need to read this (at least %(count)d characters).")
            % {"count": MIN_REASON_LENGTH}
        )
    reveal_gate(actor, f"member:{member.pk}", member.organisation)
    reports = list(MemberReport.objects.filter(subject=member).order_by("-created_at"))
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="member.reports.reveal",
            organisation=actor.organisation,
            target_type="member",
            target_id=str(member.pk),
            data={"reports": len(reports)},
            note=reason,
        )
    return {
        report.pk: open_row(
            data_key=keyring.open_record_key(bytes(report.sealed_key)),
            row=report,
            prefix="report",
            fields=("text",),
        )["text"]
        for report in reports
    }


@transaction.atomic
def member_report(*, actor: Member, subject: Member, text: str) -> MemberReport:
    """Report a member to the coordinators; the words are sealed to the organisation."""
    if not actor.is_active or actor.organisation_id != subject.organisation_id:
        raise PermissionError("members report members of their own organisation")
    if len(text.strip()) < 10:
        raise ValidationError(_("Say what happened (at least 10 characters)."), code="text")
    report = MemberReport.objects.create(
        organisation=actor.organisation,
        reporter=actor,
        subject=subject,
        created_at=timezone.now(),
        sealed_key=b"",
        text_sealed=b"",
    )
    seal_into(report, "report", {"text": text.strip()}, [bytes(actor.organisation.public_key)])
    audit_record(
        actor=actor,
        action="member.report",
        organisation=actor.organisation,
        target_type="member",
        target_id=str(subject.pk),
    )
    return report
