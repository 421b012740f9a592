"""The case page's sealed notes, tasks and checklists."""

from uuid import UUID

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from haven.accounts.models import Member
from haven.accounts.unlock import LOCKED_MESSAGE
from haven.cases.access import CaseRefused, RevealRefused
from haven.cases.forms import ChecklistForm, NoteForm, TaskForm
from haven.cases.models import Case, Note
from haven.cases.notes import checklist_attach, note_add, task_done
from haven.cases.views.page import (
    back_to_case,
    case_or_404,
    case_page,
    checklist_choices,
    opened_in_session,
)


def _needs_opened(request: HttpRequest, case: Case) -> str:
    """Writing sealed text on a case needs the key and, first, a reason to have opened it."""
    if request.keyring is None:  # type: ignore[attr-defined]
        return str(LOCKED_MESSAGE)
    if str(case.pk) not in opened_in_session(request):
        return _("Open the case's sealed details first, with a reason.")
    return ""


@require_POST
def note_add_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    """Write a sealed note or task on a case."""
    member: Member = request.user  # type: ignore[assignment]  # AuthorizationMiddleware checked
    case = case_or_404(request, case_id)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return case_page(request, case, forms={"note": form}, status=400)
    if problem := _needs_opened(request, case):
        form.add_error(None, problem)
        return case_page(request, case, forms={"note": form}, status=403)
    try:
        note_add(
            actor=member,
            keyring=request.keyring,  # type: ignore[attr-defined]
            case=case,
            text=form.cleaned_data["text"],
            is_task=form.cleaned_data["is_task"],
            due_on=form.cleaned_data["due_on"],
        )
    except (CaseRefused, RevealRefused) as refusal:
        form.add_error(None, str(refusal))
        return case_page(request, case, forms={"note": form}, status=409)
    return back_to_case(request, case, _("Saved, sealed."))


@require_POST
def task_done_view(request: HttpRequest, case_id: UUID, note_id: UUID) -> HttpResponse:
    """Tick a task off, or open it again."""
    member: Member = request.user  # type: ignore[assignment]  # AuthorizationMiddleware checked
    case = case_or_404(request, case_id)
    note = Note.objects.filter(case=case, pk=note_id, is_task=True).select_related("case").first()
    if note is None:
        raise Http404
    form = TaskForm(request.POST)
    form.is_valid()
    task_done(actor=member, note=note, done=bool(form.cleaned_data.get("done")))
    return back_to_case(request, case, _("Task updated."))


@require_POST
def checklist_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    """Attach a checklist template to a case: one task per item."""
    member: Member = request.user  # type: ignore[assignment]  # AuthorizationMiddleware checked
    case = case_or_404(request, case_id)
    form = ChecklistForm(request.POST, checklists=checklist_choices(request.LANGUAGE_CODE))
    if not form.is_valid():
        return case_page(request, case, forms={"checklist": form}, status=400)
    if problem := _needs_opened(request, case):
        form.add_error(None, problem)
        return case_page(request, case, forms={"checklist": form}, status=403)
    try:
        count = checklist_attach(
            actor=member,
            keyring=request.keyring,  # type: ignore[attr-defined]
            case=case,
            checklist_id=form.cleaned_data["checklist"],
            language=request.LANGUAGE_CODE,
            due_on=form.cleaned_data["due_on"],
        )
    except (CaseRefused, RevealRefused) as refusal:
        form.add_error(None, str(refusal))
        return case_page(request, case, forms={"checklist": form}, status=409)
    return back_to_case(request, case, _("%(count)d tasks added.") % {"count": count})
