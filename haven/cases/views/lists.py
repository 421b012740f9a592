"""The desk's coarse lists: requests for triage, a counselor's shared cases, and the reveal holds
a second coordinator approves."""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from haven.accounts.approvals import missing_protections
from haven.accounts.models import Approval, Member
from haven.cases.forms import DeskFilterForm
from haven.cases.models import Case, RevealHold
from haven.cases.queries import (
    COUNT_CAP,
    DeskFilter,
    desk_page,
    is_overdue,
    shared_with,
    waiting_long,
)
from haven.cases.reveal import holds_waiting, reveal_hold_approve
from haven.cases.views.page import MESSAGE_SESSION, place_label
from haven.knowledge.queries import current_reminder
from haven.matching.queries import latest_run, unplaced_by_reason


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
