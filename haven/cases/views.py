"""The coordinators' desk: coarse lists for triage, and reveals that ask for a reason."""

from uuid import UUID

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.formats import number_format
from django.views.decorators.http import require_GET, require_POST

from haven.accounts.models import Member
from haven.accounts.unlock import LOCKED_MESSAGE
from haven.cases.forms import DeskFilterForm, RevealForm
from haven.cases.models import SEALED_FIELDS, Case
from haven.cases.queries import COUNT_CAP, DeskFilter, case_for, desk_page
from haven.cases.services import RevealRefused, case_reveal
from haven.core.geography import country_name
from haven.core.places import UnknownPlace, name, place_by_id
from haven.knowledge.queries import stale_facts
from haven.matching.models import MatchRun
from haven.matching.services import counselors_for, rides_for, suggestions_for
from haven.volunteers.models import Decision, Placement


def place_label(case: Case, language: str) -> str:
    """ "Almaty, Kazakhstan" or "Kazakhstan" for the country's "other place"."""
    try:
        return f"{name(place_by_id(case.place), language)}, {country_name(case.country)}"
    except UnknownPlace:
        return country_name(case.country)


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
    query = request.GET.copy()
    query.pop("page", None)
    language = request.LANGUAGE_CODE
    rows = [(case, place_label(case, language)) for case in page.object_list]
    return render(
        request,
        "cases/list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "count_cap": number_format(COUNT_CAP, force_grouping=True),
            "stale_facts": len(stale_facts()),
            "latest_run": MatchRun.objects.filter(organisation_id=member.organisation_id)
            .order_by("-ran_at")
            .first(),
        },
    )


def _case_or_404(member: Member, case_id: UUID) -> Case:
    case = case_for(member, case_id)
    if case is None:
        raise Http404
    return case


def _detail(
    request: HttpRequest,
    case: Case,
    form: RevealForm,
    revealed: dict[str, str] | None,
    status: int = 200,
) -> HttpResponse:
    placement = (
        Placement.objects.filter(case=case)
        .exclude(decision=Decision.DECLINED)
        .select_related("offer")
        .first()
    )
    return render(
        request,
        "cases/detail.html",
        {
            "case": case,
            "place": place_label(case, request.LANGUAGE_CODE),
            "form": form,
            "revealed": revealed,
            "sealed_fields": SEALED_FIELDS,
            "unlocked": request.keyring is not None,  # type: ignore[attr-defined]
            "locked_message": LOCKED_MESSAGE,
            "placement": placement,
            "suggestions": [] if placement else suggestions_for(case),
            "counselors": counselors_for(case),
            "rides": rides_for(case),
            "message": request.session.pop("haven.desk-message", None),
        },
        status=status,
    )


@require_GET
def case_detail(request: HttpRequest, case_id: UUID) -> HttpResponse:
    """One request's coarse fields, and the form that reveals the sealed ones."""
    case = _case_or_404(request.user, case_id)  # type: ignore[arg-type]  # a Member here
    return _detail(request, case, RevealForm(), None)


@require_POST
def case_reveal_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    """Reveal a request's sealed fields, with a reason that goes to the audit log."""
    member: Member = request.user  # type: ignore[assignment]  # AuthorizationMiddleware checked
    case = _case_or_404(member, case_id)
    form = RevealForm(request.POST)
    if not form.is_valid():
        return _detail(request, case, form, None, status=400)
    keyring = request.keyring  # type: ignore[attr-defined]
    if keyring is None:
        form.add_error(None, LOCKED_MESSAGE)
        return _detail(request, case, form, None, status=403)
    try:
        revealed = case_reveal(
            actor=member, keyring=keyring, case=case, reason=form.cleaned_data["reason"]
        )
    except RevealRefused as refusal:
        form.add_error(None, str(refusal))
        return _detail(request, case, form, None, status=403)
    return _detail(request, case, form, revealed)
