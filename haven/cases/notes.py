"""Writes of sealed notes, tasks and checklists on a case. Each is atomic and audited."""

from datetime import date, datetime

from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.accounts.models import Member
from haven.accounts.unlock import Keyring
from haven.audit.services import to_the_hour
from haven.cases.access import CaseRefused, case_audit, case_key, require_worker
from haven.cases.models import Case, Note
from haven.crypto.sealing import FieldSealer
from haven.knowledge.queries import checklists


def _now() -> datetime:
    return timezone.now()


def _next_note_number(case: Case) -> int:
    last = Note.objects.filter(case=case).aggregate(last=Max("number"))["last"]
    return (last or 0) + 1


def _refresh_due(case: Case) -> None:
    due = Note.objects.filter(case=case, is_task=True, done_hour__isnull=True).aggregate(
        first=Min("due_on")
    )["first"]
    Case.objects.filter(pk=case.pk).update(due_on=due)
    case.due_on = due


@transaction.atomic
def note_add(
    *,
    actor: Member,
    keyring: Keyring,
    case: Case,
    text: str,
    is_task: bool = False,
    due_on: date | None = None,
    checklist: str = "",
) -> Note:
    """Write a sealed note, or a task with an optional due date, on a case."""
    require_worker(actor, case)
    case = Case.objects.select_for_update().get(pk=case.pk)
    data_key = case_key(keyring, case)
    note = Note(
        case=case,
        author=actor,
        is_task=is_task,
        due_on=due_on if is_task else None,
        created_hour=to_the_hour(_now()),
        checklist=checklist,
        number=_next_note_number(case),
    )
    note.body = FieldSealer(data_key, str(note.pk)).seal("body", text)
    note.save(force_insert=True)
    if is_task:
        _refresh_due(case)
    case_audit(actor, case, "case.note", task=is_task, due_on=str(due_on or ""))
    return note


@transaction.atomic
def task_done(*, actor: Member, note: Note, done: bool) -> None:
    """Tick a task off, or open it again."""
    case = note.case
    require_worker(actor, case)
    if not note.is_task:
        raise CaseRefused(_("Only tasks can be ticked off."))
    note.done_hour = to_the_hour(_now()) if done else None
    note.save(update_fields=["done_hour"])
    _refresh_due(case)
    case_audit(actor, case, "case.task", done=done)


@transaction.atomic
def checklist_attach(
    *,
    actor: Member,
    keyring: Keyring,
    case: Case,
    checklist_id: str,
    language: str,
    due_on: date | None = None,
) -> int:
    """Add one task per item of a checklist template, in the member's language."""
    require_worker(actor, case)
    checklist = next((c for c in checklists() if c.id == checklist_id), None)
    if checklist is None:
        raise CaseRefused(_("Choose one of the checklists."))
    if Note.objects.filter(case=case, checklist=checklist_id).exists():
        raise CaseRefused(_("This checklist is already on the case."))
    for item in checklist.items:
        note_add(
            actor=actor,
            keyring=keyring,
            case=case,
            text=item.text.get(language),
            is_task=True,
            due_on=due_on,
            checklist=checklist_id,
        )
    return len(checklist.items)
