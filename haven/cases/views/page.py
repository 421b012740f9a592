"""The case page, where coordinators and the counselors a case is shared with work on it, and
reveals that ask for a reason once per case per session."""

from datetime import timedelta
from uuid import UUID

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from haven.accounts.approvals import is_lone
from haven.accounts.models import Member, Role
from haven.accounts.unlock import LOCKED_MESSAGE
from haven.cases.access import RevealRefused
from haven.cases.forms import (
    ChecklistForm,
    MoveForm,
    NoteForm,
    OwnerForm,
    RevealForm,
    ShareForm,
    TriageForm,
)
from haven.cases.models import SEALED_FIELDS, TRANSITIONS, Case, CaseShare, RevealScope, Status
from haven.cases.queries import case_for, history_of, is_overdue, tasks_of
from haven.cases.retention import retention_over
from haven.cases.reveal import OpenedCase, case_reveal
from haven.cases.sharing import shares_of
from haven.core.geography import country_name
from haven.core.places import UnknownPlace, name, place_by_id
from haven.knowledge.queries import checklists
from haven.matching.services import counselors_for, rides_for, suggestions_for
from haven.messaging.forms import StaffMessageForm
from haven.messaging.services import OpenMessage, thread_for_staff
from haven.volunteers.models import LIVE, CounselingOffer, Placement

# The cases this browser's member gave a reason for, so that the case page opens them again
# without asking until the session ends.
OPENED_SESSION = "haven.opened-cases"
# What each of those reveals was for (a RevealScope), so a reading again opens no more.
SCOPE_SESSION = "haven.opened-scopes"
MESSAGE_SESSION = "haven.desk-message"
# The newest events of a case's history that its page lists.
HISTORY_SHOWN = 60


def place_label(case: Case, language: str) -> str:
    """ "Almaty, Kazakhstan" or "Kazakhstan" for the country's "other place"."""
    try:
        return f"{name(place_by_id(case.place), language)}, {country_name(case.country)}"
    except UnknownPlace:
        return country_name(case.country)


def case_or_404(request: HttpRequest, case_id: UUID) -> Case:
    case = case_for(request.user, case_id)  # type: ignore[arg-type]  # a Member here
    if case is None:
        raise Http404
    return case


def opened_in_session(request: HttpRequest) -> list[str]:
    return list(request.session.get(OPENED_SESSION, []))


def _remember_opened(request: HttpRequest, case: Case, scope: str) -> None:
    opened = opened_in_session(request)
    if str(case.pk) not in opened:
        request.session[OPENED_SESSION] = [*opened, str(case.pk)]
    scopes = dict(request.session.get(SCOPE_SESSION, {}))
    if scopes.get(str(case.pk)) != RevealScope.FULL:
        scopes[str(case.pk)] = scope
    request.session[SCOPE_SESSION] = scopes


def _scope_in_session(request: HttpRequest, case: Case) -> str:
    return str(request.session.get(SCOPE_SESSION, {}).get(str(case.pk), RevealScope.FULL))


def duplicate_candidates(case: Case, language: str) -> list[tuple[str, str]]:
    """Other open requests from the same country within a fortnight: the likely duplicates."""
    window = timedelta(days=14)
    others = (
        Case.objects.filter(
            organisation_id=case.organisation_id,
            country=case.country,
            created_hour__gte=case.created_hour - window,
            created_hour__lte=case.created_hour + window,
            shredded_hour__isnull=True,
            merged_into__isnull=True,
        )
        .exclude(pk=case.pk)
        .exclude(status=Status.CLOSED)
        .order_by("-created_hour")[:30]
    )
    return [
        (
            str(other.pk),
            f"{place_label(other, language)} · {other.created_hour:%d.%m %H}:00 · "
            f"{other.group_size} · {str(other.pk)[:8]}",
        )
        for other in others
    ]


def counselor_choices(
    member: Member, case: Case, shares: list[CaseShare] | None = None
) -> list[tuple[str, str]]:
    shared = {share.member_id for share in (shares if shares is not None else shares_of(case))}
    counselors = Member.objects.filter(
        organisation_id=member.organisation_id,
        role=Role.COUNSELOR,
        is_active=True,
        suspended_at__isnull=True,
    ).order_by("handle")
    return [(str(c.pk), c.handle) for c in counselors if c.pk not in shared]


def owner_choices(case: Case, shares: list[CaseShare]) -> list[tuple[str, str]]:
    """Who may have the case: the organisation's coordinators and the counselors it is shared
    with, by handle."""
    coordinators = Member.objects.filter(
        organisation_id=case.organisation_id,
        role=Role.COORDINATOR,
        is_active=True,
        suspended_at__isnull=True,
    ).order_by("handle")
    people = {str(m.pk): m.handle for m in coordinators}
    people.update({str(share.member_id): share.member.handle for share in shares})
    return sorted(
        ((pk, handle) for pk, handle in people.items() if int(pk) != case.owner_id),
        key=lambda item: item[1],
    )


def checklist_choices(language: str) -> list[tuple[str, str]]:
    return [(c.id, c.title.get(language)) for c in checklists()]


def _counselor_languages(member: Member) -> list[str]:
    offer = CounselingOffer.objects.filter(member=member).first()
    return list(offer.languages) if offer is not None else []


def case_page(
    request: HttpRequest,
    case: Case,
    *,
    reveal_form: RevealForm | None = None,
    opened: OpenedCase | None = None,
    thread: list[OpenMessage] | None = None,
    forms: dict[str, object] | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    """Render one case's page; a form that failed comes back in `forms` with what was typed."""
    member: Member = request.user  # type: ignore[assignment]  # AuthorizationMiddleware checked
    language = request.LANGUAGE_CODE
    coordinator = member.is_coordinator
    keyring = request.keyring  # type: ignore[attr-defined]
    if opened is None and not case.shredded and str(case.pk) in opened_in_session(request):
        if keyring is None:
            error = error or str(LOCKED_MESSAGE)
        else:
            try:
                opened = case_reveal(
                    actor=member,
                    keyring=keyring,
                    case=case,
                    reason=None,
                    scope=_scope_in_session(request, case),
                )
                thread = thread_for_staff(keyring=keyring, case=case)
            except RevealRefused as refusal:
                error = error or str(refusal)
    placement = None
    if coordinator:
        placement = (
            Placement.objects.filter(case=case, decision__in=LIVE)
            .select_related("offer", "offer__member")
            .first()
        )
    forms = forms or {}
    shares = shares_of(case) if coordinator else []
    texts = {item.note.pk: item.text for item in opened.notes} if opened else {}
    allowed = [status for status in TRANSITIONS[case.status] if case.status != Status.NEW]
    context = {
        "case": case,
        "coordinator": coordinator,
        "retention_over": coordinator and (retention_over(case) or is_lone(case.organisation_id)),
        "place": place_label(case, language),
        "overdue": is_overdue(case),
        "form": reveal_form or RevealForm(),
        "opened": opened,
        "revealed": opened.fields if opened else None,
        "notes": [item for item in opened.notes if not item.note.is_task] if opened else [],
        "task_rows": [(task, texts.get(task.pk, "")) for task in tasks_of(case)],
        "thread": thread or [],
        "sealed_fields": SEALED_FIELDS,
        "unlocked": keyring is not None,
        "locked_message": LOCKED_MESSAGE,
        "error": error,
        "message": request.session.pop(MESSAGE_SESSION, None),
        "history": [
            (event, opened.reasons.get(event.pk, "") if opened else "")
            for event in history_of(case, limit=HISTORY_SHOWN)
        ],
        "opened_scope_label": RevealScope(opened.scope).label if opened else "",
        "history_shown": HISTORY_SHOWN,
        "shares": shares,
        "merged_into": case.merged_into_id,
        "counselor_languages": _counselor_languages(member),
        "triage_form": forms.get("triage")
        or TriageForm(
            candidates=duplicate_candidates(case, language)
            if coordinator and case.status == Status.NEW
            else []
        ),
        "move_form": forms.get("move") or (MoveForm(allowed=allowed) if allowed else None),
        "owner_form": forms.get("owner")
        or (OwnerForm(people=owner_choices(case, shares)) if coordinator else None),
        "owner_handle": (
            Member.objects.filter(pk=case.owner_id).values_list("handle", flat=True).first()
            if case.owner_id
            else None
        )
        or "",
        "share_form": forms.get("share")
        or (ShareForm(counselors=counselor_choices(member, case, shares)) if coordinator else None),
        "note_form": forms.get("note") or NoteForm(),
        "checklist_form": forms.get("checklist")
        or ChecklistForm(checklists=checklist_choices(language)),
        "message_form": forms.get("message") or StaffMessageForm(),
        "placement": placement,
        "suggestions": suggestions_for(case) if coordinator and not placement else [],
        "counselors": counselors_for(case) if coordinator else [],
        "rides": rides_for(case) if coordinator else [],
    }
    return render(request, "cases/detail.html", context, status=status)


def back_to_case(request: HttpRequest, case: Case, message: str) -> HttpResponse:
    """After a write: back to the case's page, which shows the message once."""
    request.session[MESSAGE_SESSION] = message
    return redirect("desk:case", case_id=case.pk)


@require_GET
def case_detail(request: HttpRequest, case_id: UUID) -> HttpResponse:
    """One case: coarse fields, its life cycle and, once a reason is given, what is sealed."""
    return case_page(request, case_or_404(request, case_id))


@require_POST
def case_reveal_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    """Open a case's sealed fields, notes and messages, with a reason that goes to the audit log."""
    member: Member = request.user  # type: ignore[assignment]  # AuthorizationMiddleware checked
    case = case_or_404(request, case_id)
    form = RevealForm(request.POST)
    if not form.is_valid():
        return case_page(request, case, reveal_form=form, status=400)
    keyring = request.keyring  # type: ignore[attr-defined]
    if keyring is None:
        form.add_error(None, LOCKED_MESSAGE)
        return case_page(request, case, reveal_form=form, status=403)
    try:
        opened = case_reveal(
            actor=member,
            keyring=keyring,
            case=case,
            reason=form.cleaned_data["reason"],
            scope=form.cleaned_data["scope"],
        )
        thread = thread_for_staff(keyring=keyring, case=case)
    except RevealRefused as refusal:
        form.add_error(None, str(refusal))
        return case_page(request, case, reveal_form=form, status=403)
    _remember_opened(request, case, opened.scope)
    return case_page(request, case, opened=opened, thread=thread)
