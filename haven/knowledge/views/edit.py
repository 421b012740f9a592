"""Knowledge editors' pages: the review queue (the most dangerous and oldest facts first), verify a
fact against its sources, edit it (verifying in the same step), revert a change. Coordinators of
any organisation read the revisions, with other organisations' handles and notes left out."""

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from haven.accounts.models import Member
from haven.knowledge import queries
from haven.knowledge.forms import FactForm, VerifyForm, fact_initial
from haven.knowledge.models import Fact, FactRevision, FactState
from haven.knowledge.present import DANGER_SHORT, FIELD_LABELS, GRADE_LABELS, describe
from haven.knowledge.services import fact_edit, fact_revert, fact_verify

REVISIONS_SHOWN = 200
REVIEW_SHOWN = 40  # the queue's head; each verified fact leaves it


def _fact_or_404(iso2: str, field: str) -> Fact:
    found = queries.fact(iso2, field)
    if found is None:
        raise Http404
    return found


def _fact_url(fact: Fact) -> str:
    url = reverse("knowledge:counsel-country", kwargs={"iso2": fact.country_id})
    return f"{url}#{fact.field}"


def _edit_page(
    request: HttpRequest,
    fact: Fact,
    form: FactForm,
    status: int = 200,
    verify_form: VerifyForm | None = None,
) -> HttpResponse:
    return render(
        request,
        "knowledge/edit/edit.html",
        {
            "fact": fact,
            "label": FIELD_LABELS[fact.field],
            "form": form,
            "verify_form": verify_form or VerifyForm(fact=fact, auto_id="id_verify_%s"),
            "age": queries.age_of(fact),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def fact_edit_view(request: HttpRequest, iso2: str, field: str) -> HttpResponse:
    """Change a fact's text, sources and values; an edit without a source is refused."""
    fact = _fact_or_404(iso2, field)
    if request.method == "GET":
        return _edit_page(request, fact, FactForm(initial=fact_initial(fact), field=fact.field))
    form = FactForm(request.POST, field=fact.field)
    if not form.is_valid():
        return _edit_page(request, fact, form, status=400)
    member: Member = request.user  # type: ignore[assignment]  # AuthorizationMiddleware checked
    try:
        fact_edit(
            actor=member,
            fact=fact,
            value=form.value(),
            sources=form.cleaned_data["sources"],
            uncertain=form.cleaned_data["uncertain"],
            known=form.cleaned_data["known"],
            details=form.details(),
            note=form.cleaned_data["note"],
            checked_against=form.checked_against(),
        )
    except ValidationError as error:
        form.add_service_errors(error)
        return _edit_page(request, fact, form, status=400)
    return redirect(_fact_url(fact))


@require_POST
def verify(request: HttpRequest, iso2: str, field: str) -> HttpResponse:
    """Record that the fact still says what the ticked sources say; back to the queue."""
    fact = _fact_or_404(iso2, field)
    form = VerifyForm(request.POST, fact=fact, auto_id="id_verify_%s")
    member: Member = request.user  # type: ignore[assignment]  # AuthorizationMiddleware checked
    if form.is_valid():
        try:
            fact_verify(
                actor=member,
                fact=fact,
                against=form.cleaned_data["against"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            return redirect(reverse("knowledge:review") + f"#{fact.country_id}-{fact.field}")
    edit_form = FactForm(initial=fact_initial(fact), field=fact.field)
    return _edit_page(request, fact, edit_form, status=400, verify_form=form)


def _revisions_page(
    request: HttpRequest, revisions: list[FactRevision], fact: Fact | None
) -> HttpResponse:
    viewer: Member = request.user  # type: ignore[assignment]  # AuthorizationMiddleware checked
    return render(
        request,
        "knowledge/edit/revisions.html",
        {
            "rows": [
                (queries.revision_row(revision, viewer), FIELD_LABELS[revision.fact.field])
                for revision in revisions
            ],
            "fact": fact,
            "label": FIELD_LABELS[fact.field] if fact else None,
        },
    )


@require_GET
def history(request: HttpRequest, iso2: str, field: str) -> HttpResponse:
    """Every change to one fact, newest first."""
    fact = _fact_or_404(iso2, field)
    return _revisions_page(request, list(queries.revisions(fact)[:REVISIONS_SHOWN]), fact)


@require_GET
def revision_list(request: HttpRequest) -> HttpResponse:
    """The latest changes to any fact, newest first."""
    return _revisions_page(request, list(queries.revisions()[:REVISIONS_SHOWN]), None)


def _side(field: str, state: FactState) -> dict[str, object]:
    return {"state": state, "details": describe(field, state.details)}


def _revision_page(
    request: HttpRequest, revision: FactRevision, errors: list[str], status: int = 200
) -> HttpResponse:
    field = revision.fact.field
    viewer: Member = request.user  # type: ignore[assignment]  # AuthorizationMiddleware checked
    return render(
        request,
        "knowledge/edit/revision.html",
        {
            "revision": revision,
            "row": queries.revision_row(revision, viewer),
            "label": FIELD_LABELS[field],
            "old": _side(field, revision.old()),
            "new": _side(field, revision.new()),
            "errors": errors,
        },
        status=status,
    )


@require_GET
def revision_detail(request: HttpRequest, revision_id: int) -> HttpResponse:
    """One change, the fact before and after side by side, with the button that reverts it."""
    revision = queries.revision(revision_id)
    if revision is None:
        raise Http404
    return _revision_page(request, revision, [])


@require_POST
def revert(request: HttpRequest, revision_id: int) -> HttpResponse:
    """Put the fact back as it was before this change."""
    revision = queries.revision(revision_id)
    if revision is None:
        raise Http404
    member: Member = request.user  # type: ignore[assignment]  # AuthorizationMiddleware checked
    try:
        fact_revert(actor=member, revision=revision)
    except ValidationError as error:
        return _revision_page(request, revision, error.messages, status=409)
    return redirect(_fact_url(revision.fact))


@require_GET
def review(request: HttpRequest) -> HttpResponse:
    """Facts waiting for a check: the most dangerous first, then the oldest; verify each in one
    step, or open it to edit."""
    items = queries.review_queue()
    rows = [
        {
            "item": item,
            "label": FIELD_LABELS[item.fact.field],
            "level": DANGER_SHORT[item.level],
            "grade": GRADE_LABELS[item.age.grade],
            "form": VerifyForm(
                fact=item.fact, auto_id=f"id_{item.fact.country_id}_{item.fact.field}_%s"
            ),
        }
        for item in items[:REVIEW_SHOWN]
    ]
    return render(
        request,
        "knowledge/edit/review.html",
        {
            "rows": rows,
            "waiting": len(items),
            "dangerous": sum(item.dangerous for item in items),
            "stale_after_days": queries.stale_after_days(),
        },
    )
