"""Writes on a case's life cycle: triage, its moves (and those a placement makes), and who owns
it. Each is atomic and audited."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.accounts.models import Member
from haven.audit.services import to_the_hour
from haven.cases.access import (
    CaseRefused,
    case_audit,
    may_work_on,
    require_coordinator,
    require_worker,
    shredded_message,
)
from haven.cases.models import ENDED, Case, CloseReason, Status
from haven.notifications.services import ping_requester
from haven.volunteers.endings import placements_end_for_case


def _now() -> datetime:
    return timezone.now()


def _touch(case: Case, **changes: object) -> None:
    changes["updated_hour"] = to_the_hour(_now())
    for name, value in changes.items():
        setattr(case, name, value)
    Case.objects.filter(pk=case.pk).update(**changes)


TRIAGE_DECISIONS = ("accept", "duplicate", "spam", "out_of_scope")


@transaction.atomic
def case_triage(
    *, actor: Member, case: Case, decision: str, duplicate_of: Case | None = None
) -> None:
    """Take a new request on (accept), or close it as a duplicate, spam or out of scope."""
    require_coordinator(actor, case)
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.status != Status.NEW:
        raise CaseRefused(_("This request was already triaged."))
    ping_requester(case_id=case.pk)
    if decision == "accept":
        _touch(case, status=Status.TRIAGED)
        case_audit(actor, case, "case.status", to=Status.TRIAGED, was=Status.NEW)
        return
    if decision not in TRIAGE_DECISIONS:
        raise CaseRefused(_("Choose what to do with this request."))
    merged_into = None
    if decision == "duplicate":
        if duplicate_of is None or duplicate_of.organisation_id != case.organisation_id:
            raise CaseRefused(_("Choose the request this one repeats."))
        if duplicate_of.pk == case.pk or duplicate_of.shredded or duplicate_of.merged_into_id:
            raise CaseRefused(_("A request cannot be joined to itself or to a closed duplicate."))
        merged_into = duplicate_of
    reason = {
        "duplicate": CloseReason.DUPLICATE,
        "spam": CloseReason.SPAM,
        "out_of_scope": CloseReason.OUT_OF_SCOPE,
    }[decision]
    _touch(
        case,
        status=Status.CLOSED,
        close_reason=reason,
        merged_into=merged_into,
        ended_hour=to_the_hour(_now()),
    )
    case_audit(
        actor,
        case,
        "case.status",
        to=Status.CLOSED,
        was=Status.NEW,
        reason=str(reason),
        merged_into=str(merged_into.pk) if merged_into else "",
    )


@transaction.atomic
def case_move(
    *, actor: Member | None, case: Case, status: str, reason: str = CloseReason.DONE
) -> None:
    """Move a triaged case along its life cycle; None as actor is the requester answering."""
    if actor is not None:
        require_worker(actor, case)
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.shredded:
        raise CaseRefused(shredded_message())
    if case.status == Status.NEW:
        raise CaseRefused(_("Triage this request first."))
    if not case.can_move_to(status):
        raise CaseRefused(
            _("A case that is “%(now)s” cannot become “%(then)s”.")
            % {"now": Status(case.status).label, "then": Status(status).label}
        )
    changes: dict[str, object] = {"status": status}
    if status in ENDED:
        changes["ended_hour"] = case.ended_hour or to_the_hour(_now())
        if status == Status.CLOSED:
            if reason not in CloseReason.values:
                raise CaseRefused(_("Say why the case is closed."))
            changes["close_reason"] = reason
    else:
        changes["ended_hour"] = None
        changes["close_reason"] = ""
    was = case.status
    _touch(case, **changes)
    if actor is not None:  # the requester's own answer tells them nothing new
        ping_requester(case_id=case.pk)
    case_audit(
        actor, case, "case.status", to=status, was=was, reason=changes.get("close_reason", "")
    )
    if status == Status.CLOSED:
        placements_end_for_case(actor=actor, case=case)


@transaction.atomic
def case_follow_placement(*, actor: Member | None, case: Case, status: str) -> None:
    """Move a case where a step of its placement takes it (haven.volunteers.placements, which
    checks who acts), along the case's own transition rules and audited like any move."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.shredded or not case.can_move_to(status):
        raise CaseRefused(
            _("A case that is “%(now)s” cannot become “%(then)s”.")
            % {"now": Status(case.status).label, "then": Status(status).label}
        )
    was = case.status
    _touch(case, status=status, ended_hour=None, close_reason="")
    if actor is not None:
        ping_requester(case_id=case.pk)
    case_audit(actor, case, "case.status", to=status, was=was, reason="", by="placement")


# Ownership.


def _may_own(member: Member, case: Case) -> bool:
    return member.is_active and may_work_on(member, case)


@transaction.atomic
def case_take(*, actor: Member, case: Case, member: Member | None) -> Member | None:
    """Give the case to a coordinator or to a counselor it is shared with: oneself (take it), or
    another (assign, hand over); None lets it go. Returns whoever had it before."""
    require_worker(actor, case)
    if member is not None and member.pk != actor.pk:
        require_coordinator(actor, case)
        if not _may_own(member, case):
            raise CaseRefused(
                _("Give a case to a coordinator, or to a counselor it is shared with.")
            )
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.shredded:
        raise CaseRefused(shredded_message())
    if member is None and case.owner_id not in (None, actor.pk) and not actor.is_coordinator:
        raise CaseRefused(_("Only its owner or a coordinator lets a case go."))
    before = Member.objects.filter(pk=case.owner_id).first() if case.owner_id else None
    Case.objects.filter(pk=case.pk).update(owner=member)
    case.owner = member
    case_audit(
        actor,
        case,
        "case.owner",
        to=member.pk if member else None,
        handle=member.handle if member else "",
        was=before.pk if before else None,
    )
    return before
