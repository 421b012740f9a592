"""The desk: coarse lists for triage, the case page where coordinators and the counselors a case is
shared with work on it, and reveals that ask for a reason once per case per session."""

from datetime import timedelta
from uuid import UUID

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from haven.accounts.approvals import ApprovalRefused, is_lone, missing_protections
from haven.accounts.models import Approval, Member, Role
from haven.accounts.unlock import LOCKED_MESSAGE
from haven.cases.access import CaseRefused, RevealRefused
from haven.cases.forms import (
    ChecklistForm,
    DeskFilterForm,
    MoveForm,
    NoteForm,
    OwnerForm,
    RevealForm,
    ShareForm,
    TaskForm,
    TriageForm,
)
from haven.cases.lifecycle import case_move, case_take, case_triage
from haven.cases.models import (
    SEALED_FIELDS,
    TRANSITIONS,
    Case,
    CaseShare,
    Note,
    RevealHold,
    RevealScope,
    Status,
)
from haven.cases.notes import checklist_attach, note_add, task_done
from haven.cases.queries import (
    COUNT_CAP,
    DeskFilter,
    case_for,
    desk_page,
    history_of,
    is_overdue,
    shared_with,
    tasks_of,
    waiting_long,
)
from haven.cases.retention import case_shred, retention_over
from haven.cases.reveal import OpenedCase, case_reveal, holds_waiting, reveal_hold_approve
from haven.cases.sharing import case_share, case_unshare, shares_of
from haven.core.geography import country_name
from haven.core.places import UnknownPlace, name, place_by_id
from haven.knowledge.queries import checklists, current_reminder
from haven.matching.queries import latest_run, unplaced_by_reason
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


def _rows(cases: list[Case], language: str) -> list[tuple[Case, str, str, str]]:
    """Each case with its place in words, what is late about it ("overdue" for a task past its
    date, "waiting" for a request untriaged for a day, or ""), and who has it (one query)."""
    owners = dict(
        Member.objects.filter(
            pk__in={case.owner_id for case in cases if case.owner_id}
        ).values_list("pk", "handle")
    )
    return [
        (
            case,
            place_label(case, language),
            "overdue" if is_overdue(case) else "waiting" if waiting_long(case) else "",
            owners.get(case.owner_id, "") if case.owner_id else "",
        )
        for case in cases
    ]


@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    """The list of requests, filtered and paginated."""
    member: Member = request.user  # type: ignore[assignment]  # AuthorizationMiddleware checked
    form = DeskFilterForm(request.GET)
    desk_filter = DeskFilter(**form.cleaned_data) if form.is_valid() else DeskFilter()
    try:
        number = int(request.GET.get("page", "1"))
    except ValueError:
        number = 1
    page = desk_page(member, desk_filter, number, settings.HAVEN_DESK_PAGE_SIZE)
    if desk_filter.reference and len(page.object_list) == 1:
        # A reference names one case: go straight to it.
        return redirect("desk:case", case_id=page.object_list[0].pk)
    query = request.GET.copy()
    query.pop("page", None)
    run = latest_run(member.organisation_id)
    unplaced = unplaced_by_reason(run.urgent_unplaced) if run else []
    return render(
        request,
        "cases/list.html",
        {
            "form": form,
            "page": page,
            "rows": _rows(list(page.object_list), request.LANGUAGE_CODE),
            "query": query.urlencode(),
            "count_cap": number_format(COUNT_CAP, force_grouping=True),
            "review": current_reminder(member),
            "holds": holds_waiting(member.organisation_id),
            "approvals_waiting": Approval.objects.filter(
                organisation_id=member.organisation_id, decided_at__isnull=True
            ).count(),
            "missing": missing_protections(member.organisation),
            "message": request.session.pop(MESSAGE_SESSION, None),
            "latest_run": run,
            "unplaced_people": sum(people for _reason, people in unplaced),
            "unplaced_reasons": ", ".join(f"{reason} {people}" for reason, people in unplaced),
        },
    )


@require_GET
def my_cases(request: HttpRequest) -> HttpResponse:
    """The cases shared with this member (a counselor's list)."""
    member: Member = request.user  # type: ignore[assignment]  # AuthorizationMiddleware checked
    cases = list(shared_with(member)[:500])
    return render(request, "cases/mine.html", {"rows": _rows(cases, request.LANGUAGE_CODE)})


def _case_or_404(request: HttpRequest, case_id: UUID) -> Case:
    case = case_for(request.user, case_id)  # type: ignore[arg-type]  # a Member here
    if case is None:
        raise Http404
    return case


def _opened_in_session(request: HttpRequest) -> list[str]:
    return list(request.session.get(OPENED_SESSION, []))


def _remember_opened(request: HttpRequest, case: Case, scope: str) -> None:
    opened = _opened_in_session(request)
    if str(case.pk) not in opened:
        request.session[OPENED_SESSION] = [*opened, str(case.pk)]
    scopes = dict(request.session.get(SCOPE_SESSION, {}))
    if scopes.get(str(case.pk)) != RevealScope.FULL:
        scopes[str(case.pk)] = scope
    request.session[SCOPE_SESSION] = scopes


def _scope_in_session(request: HttpRequest, case: Case) -> str:
    return str(request.session.get(SCOPE_SESSION, {}).get(str(case.pk), RevealScope.FULL))


def _duplicate_candidates(case: Case, language: str) -> list[tuple[str, str]]:
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


def _counselor_choices(
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


def _owner_choices(case: Case, shares: list[CaseShare]) -> list[tuple[str, str]]:
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


def _checklist_choices(language: str) -> list[tuple[str, str]]:
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
    if opened is None and not case.shredded and str(case.pk) in _opened_in_session(request):
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
            candidates=_duplicate_candidates(case, language)
            if coordinator and case.status == Status.NEW
            else []
        ),
        "move_form": forms.get("move") or (MoveForm(allowed=allowed) if allowed else None),
        "owner_form": forms.get("owner")
        or (OwnerForm(people=_owner_choices(case, shares)) if coordinator else None),
        "owner_handle": (
            Member.objects.filter(pk=case.owner_id).values_list("handle", flat=True).first()
            if case.owner_id
            else None
        )
        or "",
        "share_form": forms.get("share")
        or (
            ShareForm(counselors=_counselor_choices(member, case, shares)) if coordinator else None
        ),
        "note_form": forms.get("note") or NoteForm(),
        "checklist_form": forms.get("checklist")
        or ChecklistForm(checklists=_checklist_choices(language)),
        "message_form": forms.get("message") or StaffMessageForm(),
        "placement": placement,
        "suggestions": suggestions_for(case) if coordinator and not placement else [],
        "counselors": counselors_for(case) if coordinator else [],
        "rides": rides_for(case) if coordinator else [],
    }
    return render(request, "cases/detail.html", context, status=status)


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


def back_to_case(request: HttpRequest, case: Case, message: str) -> HttpResponse:
    """After a write: back to the case's page, which shows the message once."""
    request.session[MESSAGE_SESSION] = message
    return redirect("desk:case", case_id=case.pk)


@require_GET
def case_detail(request: HttpRequest, case_id: UUID) -> HttpResponse:
    """One case: coarse fields, its life cycle and, once a reason is given, what is sealed."""
    return case_page(request, _case_or_404(request, case_id))


@require_POST
def case_reveal_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    """Open a case's sealed fields, notes and messages, with a reason that goes to the audit log."""
    member: Member = request.user  # type: ignore[assignment]  # AuthorizationMiddleware checked
    case = _case_or_404(request, case_id)
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


@require_POST
def case_triage_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    """Take a new request on, or close it as a duplicate, spam or out of scope."""
    member: Member = request.user  # type: ignore[assignment]  # AuthorizationMiddleware checked
    case = _case_or_404(request, case_id)
    form = TriageForm(request.POST, candidates=_duplicate_candidates(case, request.LANGUAGE_CODE))
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
    case = _case_or_404(request, case_id)
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
    case = _case_or_404(request, case_id)
    step = request.POST.get("step", "")
    chosen: Member | None = member
    form = None
    if step == "release":
        chosen = None
    elif step == "assign":
        form = OwnerForm(request.POST, people=_owner_choices(case, shares_of(case)))
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
def case_share_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    """Share a case with a counselor: they get its key, sealed to them."""
    member: Member = request.user  # type: ignore[assignment]  # AuthorizationMiddleware checked
    case = _case_or_404(request, case_id)
    form = ShareForm(request.POST, counselors=_counselor_choices(member, case))
    if not form.is_valid():
        return case_page(request, case, forms={"share": form}, status=400)
    keyring = request.keyring  # type: ignore[attr-defined]
    if keyring is None:
        form.add_error(None, LOCKED_MESSAGE)
        return case_page(request, case, forms={"share": form}, status=403)
    counselor = Member.objects.get(pk=form.cleaned_data["member"])
    try:
        case_share(actor=member, keyring=keyring, case=case, member=counselor)
    except (CaseRefused, RevealRefused) as refusal:
        form.add_error(None, str(refusal))
        return case_page(request, case, forms={"share": form}, status=409)
    return back_to_case(request, case, _("Shared with %(handle)s.") % {"handle": counselor.handle})


@require_POST
def case_unshare_view(request: HttpRequest, case_id: UUID, member_id: int) -> HttpResponse:
    """Stop sharing a case with a counselor."""
    member: Member = request.user  # type: ignore[assignment]  # AuthorizationMiddleware checked
    case = _case_or_404(request, case_id)
    counselor = Member.objects.filter(pk=member_id, organisation_id=member.organisation_id).first()
    if counselor is None:
        raise Http404
    case_unshare(actor=member, case=case, member=counselor)
    return back_to_case(
        request, case, _("No longer shared with %(handle)s.") % {"handle": counselor.handle}
    )


def _needs_opened(request: HttpRequest, case: Case) -> str:
    """Writing sealed text on a case needs the key and, first, a reason to have opened it."""
    if request.keyring is None:  # type: ignore[attr-defined]
        return str(LOCKED_MESSAGE)
    if str(case.pk) not in _opened_in_session(request):
        return _("Open the case's sealed details first, with a reason.")
    return ""


@require_POST
def note_add_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    """Write a sealed note or task on a case."""
    member: Member = request.user  # type: ignore[assignment]  # AuthorizationMiddleware checked
    case = _case_or_404(request, case_id)
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
    case = _case_or_404(request, case_id)
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
    case = _case_or_404(request, case_id)
    form = ChecklistForm(request.POST, checklists=_checklist_choices(request.LANGUAGE_CODE))
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


@require_POST
def case_shred_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    """Shred a case now: its keys are destroyed; the coarse row stays for statistics."""
    member: Member = request.user  # type: ignore[assignment]  # AuthorizationMiddleware checked
    case = _case_or_404(request, case_id)
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


@require_POST
def hold_approve_view(request: HttpRequest, hold_id: int) -> HttpResponse:
    """A second coordinator lets a member who opened many cases go on opening them."""
    member: Member = request.user  # type: ignore[assignment]  # AuthorizationMiddleware checked
    hold = (
        RevealHold.objects.filter(pk=hold_id, organisation_id=member.organisation_id)
        .select_related("member")
        .first()
    )
    if hold is None:
        raise Http404
    if hold.member_id == member.pk:
        request.session[MESSAGE_SESSION] = _("Another coordinator must approve your own reveals.")
        return redirect("desk:list")
    try:
        reveal_hold_approve(actor=member, hold=hold)
    except PermissionError:
        request.session[MESSAGE_SESSION] = _(
            "You cannot approve this hold: you brought this member in recently, or they brought "
            "you in. Another coordinator must approve."
        )
        return redirect("desk:list")
    request.session[MESSAGE_SESSION] = _("%(handle)s may open cases again.") % {
        "handle": hold.member.handle
    }
    return redirect("desk:list")
