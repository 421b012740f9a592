"""The case page's acts on a case's life cycle: triage, moves, who has it, and shredding."""

from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from haven.accounts.approvals import ApprovalRefused
from haven.accounts.models import Member
from haven.cases.access import CaseRefused
from haven.cases.forms import MoveForm, OwnerForm, TriageForm
from haven.cases.lifecycle import case_move, case_take, case_triage
from haven.cases.models import TRANSITIONS, Case, Status
from haven.cases.queries import case_for
from haven.cases.retention import case_shred
from haven.cases.sharing import shares_of
from haven.cases.views.page import (
    back_to_case,
    case_or_404,
    case_page,
    duplicate_candidates,
    owner_choices,
)


def _moved_message(case: Case) -> str:
    """What a triage or a move did: where the case is now."""
    now = Case.objects.only("status", "close_reason").get(pk=case.pk)
    status = Status(now.status).label
    if now.close_reason and now.status == Status.CLOSED:
        return _("Done: the case is now “%(status)s” (%(reason)s).") % {
            "status": status,
            "reason": now.get_close_reason_display(),
        }
    return _("Done: the case is now “%(status)s”.") % {"status": status}


@require_POST
def case_triage_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    """Take a new request on, or close it as a duplicate, spam or out of scope."""
    member: Member = request.user  # type: ignore[assignment]  # AuthorizationMiddleware checked
    case = case_or_404(request, case_id)
    form = TriageForm(request.POST, candidates=duplicate_candidates(case, request.LANGUAGE_CODE))
    if not form.is_valid():
        return case_page(request, case, forms={"triage": form}, status=400)
    decision = form.cleaned_data["decision"]
    duplicate_of = None
    if decision == "duplicate":
        duplicate_of = case_for(member, form.cleaned_data["duplicate_of"])
    try:
        case_triage(actor=member, case=case, decision=decision, duplicate_of=duplicate_of)
    except CaseRefused as refusal:
        form.add_error(None, str(refusal))
        return case_page(request, case, forms={"triage": form}, status=409)
    return back_to_case(request, case, _moved_message(case))


@require_POST
def case_move_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    """Move a case along its life cycle."""
    member: Member = request.user  # type: ignore[assignment]  # AuthorizationMiddleware checked
    case = case_or_404(request, case_id)
    form = MoveForm(request.POST, allowed=list(TRANSITIONS[case.status]))
    if not form.is_valid():
        return case_page(request, case, forms={"move": form}, status=400)
    try:
        case_move(
            actor=member,
            case=case,
            status=form.cleaned_data["status"],
            reason=form.cleaned_data["close_reason"] or "done",
        )
    except CaseRefused as refusal:
        form.add_error(None, str(refusal))
        return case_page(request, case, forms={"move": form}, status=409)
    return back_to_case(request, case, _moved_message(case))


@require_POST
def case_owner_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    """Take a case, let it go, or (a coordinator) hand it over to someone who works on it."""
    member: Member = request.user  # type: ignore[assignment]  # AuthorizationMiddleware checked
    case = case_or_404(request, case_id)
    step = request.POST.get("step", "")
    chosen: Member | None = member
    form = None
    if step == "release":
        chosen = None
    elif step == "assign":
        form = OwnerForm(request.POST, people=owner_choices(case, shares_of(case)))
        if not form.is_valid():
            return case_page(request, case, forms={"owner": form}, status=400)
        chosen = Member.objects.get(pk=form.cleaned_data["member"])
    elif step != "take":
        return back_to_case(request, case, _("Choose whether to take the case or hand it over."))
    try:
        before = case_take(actor=member, case=case, member=chosen)
    except (CaseRefused, PermissionError) as refusal:
        return back_to_case(request, case, str(refusal))
    if chosen is None:
        return back_to_case(request, case, _("Let go: nobody has this case now."))
    if chosen.pk == member.pk:
        taken = _("You have this case now.")
        if before is not None and before.pk != member.pk:
            taken = _("You have this case now; %(handle)s had it before.") % {
                "handle": before.handle
            }
        return back_to_case(request, case, taken)
    return back_to_case(request, case, _("Handed over to %(handle)s.") % {"handle": chosen.handle})


@require_POST
def case_shred_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    """Shred a case now: its keys are destroyed; the coarse row stays for statistics."""
    member: Member = request.user  # type: ignore[assignment]  # AuthorizationMiddleware checked
    case = case_or_404(request, case_id)
    if request.POST.get("confirm") != "shred":
        return case_page(
            request,
            case,
            error=_("Tick the box to confirm: shredding cannot be undone."),
            status=400,
        )
    try:
        waiting = case_shred(
            actor=member, case=case, reason="coordinator", why=request.POST.get("why", "")
        )
    except ApprovalRefused as refusal:
        return case_page(request, case, error=str(refusal), status=400)
    if waiting is not None:
        return back_to_case(
            request,
            case,
            _(
                "Asked: the case is shredded when a second coordinator approves on the approvals "
                "page. Its retention period is not over, so one coordinator cannot shred it alone."
            ),
        )
    return back_to_case(
        request, case, _("Shredded. Nothing sealed in this case can be read again.")
    )
