"""Members vouching for applicants and reporting colleagues, and the coordinators' vetting,
member pages and suspension. Essential actions work without script."""

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from haven.accounts.approvals import ApprovalRefused
from haven.accounts.models import Approval, Invite, Member
from haven.accounts.unlock import Keyring
from haven.cases.access import RevealRefused
from haven.volunteers import suspension, vetting
from haven.volunteers.forms import ApproveForm, ReasonForm, ReportForm, VouchForm
from haven.volunteers.models import Vouch
from haven.volunteers.queries import (
    application_by_code,
    application_for,
    pending_applications,
    qualifying_vouches,
    vouchers_of,
)


def _member(request: HttpRequest) -> Member:
    return request.user  # type: ignore[return-value]  # AuthorizationMiddleware checked


def _keyring(request: HttpRequest) -> Keyring | None:
    return request.keyring  # type: ignore[attr-defined]


# Vouching and reporting.


@require_http_methods(["GET", "POST"])
def vouch(request: HttpRequest) -> HttpResponse:
    """Vouch for someone who gave you their application code."""
    member = _member(request)
    form = VouchForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        application = application_by_code(member, form.cleaned_data["code"])
        if application is None:
            form.add_error("code", ReasonForm.unknown_code_message())
        else:
            try:
                vetting.vouch_give(
                    actor=member,
                    application=application,
                    how_known=form.cleaned_data["how_known"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return redirect("network:vouch")
    mine = (
        Vouch.objects.filter(voucher=member).select_related("application").order_by("-created_at")
    )
    status = 400 if request.method == "POST" else 200
    return render(request, "volunteers/vouch.html", {"form": form, "vouches": mine}, status=status)


@require_POST
def vouch_withdraw(request: HttpRequest, vouch_id: int) -> HttpResponse:
    """Take back one's own vouch."""
    member = _member(request)
    found = Vouch.objects.filter(pk=vouch_id, voucher=member).first()
    if found is None:
        raise Http404
    vetting.vouch_withdraw(actor=member, vouch=found)
    return redirect("network:vouch")


def _colleague(member: Member, member_id: int) -> Member:
    other = Member.objects.filter(pk=member_id, organisation_id=member.organisation_id).first()
    if other is None:
        raise Http404
    return other


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    """Report a member to the coordinators."""
    member = _member(request)
    form = ReportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        subject = Member.objects.filter(
            handle=form.cleaned_data["handle"], organisation_id=member.organisation_id
        ).first()
        if subject is None:
            form.add_error("handle", ReportForm.unknown_member_message())
        else:
            suspension.member_report(actor=member, subject=subject, text=form.cleaned_data["text"])
            return render(request, "volunteers/reported.html", status=201)
    status = 400 if request.method == "POST" else 200
    return render(request, "volunteers/report.html", {"form": form}, status=status)


# Vetting (coordinators).


def applications(request: HttpRequest) -> HttpResponse:
    """Applications waiting, with how many qualifying vouches each has."""
    member = _member(request)
    rows = [
        (item, item.qualifying)  # type: ignore[attr-defined]  # annotated by the query
        for item in pending_applications(member)
    ]
    return render(
        request,
        "volunteers/applications.html",
        {"rows": rows, "needed": member.organisation.vouches_required},
    )


def _application_page(
    request: HttpRequest,
    application_id: int,
    *,
    revealed: dict[str, str] | None = None,
    code: str | None = None,
    form: Any = None,
    read_form: ReasonForm | None = None,
    waiting: bool = False,
    status: int = 200,
) -> HttpResponse:
    member = _member(request)
    application = application_for(member, application_id)
    if application is None:
        raise Http404
    return render(
        request,
        "volunteers/application.html",
        {
            "application": application,
            "vouches": application.vouches.select_related("voucher").order_by("created_at"),
            "qualifying": qualifying_vouches(application).count(),
            "needed": application.organisation.vouches_required,
            "min_days": application.organisation.voucher_min_days,
            "revealed": {k: v for k, v in (revealed or {}).items() if ":" not in k} or None,
            "vouch_notes": {
                int(k.split(":", 1)[1]): v for k, v in (revealed or {}).items() if ":" in k
            },
            "code": code,
            "form": form or ApproveForm(),
            "read_form": read_form or ReasonForm(),
            "waiting": waiting,
        },
        status=status,
    )


def application(request: HttpRequest, application_id: int) -> HttpResponse:
    """One application: its coarse answers and its vouches."""
    return _application_page(request, application_id)


@require_POST
def application_read(request: HttpRequest, application_id: int) -> HttpResponse:
    """Open the applicant's name, contact and words (audited)."""
    member = _member(request)
    found = application_for(member, application_id)
    keyring = _keyring(request)
    if found is None:
        raise Http404
    if keyring is None:
        return redirect("accounts:login")
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return _application_page(request, application_id, read_form=form, status=400)
    try:
        revealed = vetting.application_read(
            actor=member, keyring=keyring, application=found, reason=form.cleaned_data["reason"]
        )
    except RevealRefused as refusal:
        form.add_error(None, str(refusal))
        return _application_page(request, application_id, read_form=form, status=409)
    return _application_page(request, application_id, revealed=revealed)


@require_POST
def application_decide(request: HttpRequest, application_id: int) -> HttpResponse:
    """Approve (showing the invite code once) or reject an application."""
    member = _member(request)
    found = application_for(member, application_id)
    keyring = _keyring(request)
    if found is None:
        raise Http404
    if request.POST.get("decision") == "reject":
        vetting.application_reject(actor=member, application=found)
        return redirect("network:applications")
    form = ApproveForm(request.POST)
    if not form.is_valid() or keyring is None:
        return _application_page(request, application_id, form=form, status=400)
    try:
        made, code = vetting.application_approve(
            actor=member,
            application=found,
            role=form.cleaned_data["role"],
            organisation_private_key=keyring.organisation_private_key(),
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _application_page(request, application_id, form=form, status=400)
    return _application_page(
        request, application_id, code=code, waiting=made.needs_approval, status=201
    )


def member_page(request: HttpRequest, member_id: int) -> HttpResponse:
    """One member: who vouched for them, whom they vouched for, reports, suspension."""
    coordinator = _member(request)
    other = _colleague(coordinator, member_id)
    return _member_page(request, coordinator, other, ReasonForm())


def _member_page(
    request: HttpRequest,
    coordinator: Member,
    other: Member,
    form: ReasonForm,
    status: int = 200,
    notice: str = "",
    reports_form: ReasonForm | None = None,
    report_texts: dict[int, str] | None = None,
) -> HttpResponse:
    reports = [
        (report, (report_texts or {}).get(report.pk, ""))
        for report in other.reports_about.select_related("reporter").order_by("-created_at")
    ]
    return render(
        request,
        "volunteers/member.html",
        {
            "other": other,
            "vouched_for_them": vouchers_of(other),
            "they_vouched_for": suspension.vouched_by(other),
            "reports": reports,
            "reports_read": report_texts is not None,
            "reports_form": reports_form or ReasonForm(auto_id="reports_%s"),
            "form": form,
            "notice": notice,
            "joined_on": Invite.objects.filter(used_by=other, application__isnull=False)
            .values_list("application_id", flat=True)
            .first(),
        },
        status=status,
    )


@require_POST
def member_reports(request: HttpRequest, member_id: int) -> HttpResponse:
    """Read what members reported about this member, with a reason (audited)."""
    coordinator = _member(request)
    other = _colleague(coordinator, member_id)
    keyring = _keyring(request)
    if keyring is None:
        return redirect("accounts:login")
    form = ReasonForm(request.POST, auto_id="reports_%s")
    if not form.is_valid():
        return _member_page(request, coordinator, other, ReasonForm(), 400, reports_form=form)
    try:
        texts = suspension.member_reports_read(
            actor=coordinator, keyring=keyring, member=other, reason=form.cleaned_data["reason"]
        )
    except RevealRefused as refusal:
        form.add_error(None, str(refusal))
        return _member_page(request, coordinator, other, ReasonForm(), 409, reports_form=form)
    return _member_page(request, coordinator, other, ReasonForm(), report_texts=texts)


@require_POST
def suspend(request: HttpRequest, member_id: int) -> HttpResponse:
    """Suspend a member as a suspected informer, flagging whom they vouched for."""
    coordinator = _member(request)
    other = _colleague(coordinator, member_id)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            done = suspension.member_suspend(
                actor=coordinator, member=other, reason=form.cleaned_data["reason"]
            )
        except (ValidationError, ApprovalRefused) as error:
            form.add_error(
                None, str(error.message if isinstance(error, ValidationError) else error)
            )
        else:
            if isinstance(done, Approval):
                notice = _(
                    "Asked: a coordinator is suspended only when a second coordinator, not this "
                    "one, approves on the approvals page."
                )
                return _member_page(request, coordinator, other, ReasonForm(), notice=notice)
            return redirect("network:member", member_id=other.pk)
    return _member_page(request, coordinator, other, form, status=400)


@require_POST
def review_clear(request: HttpRequest, member_id: int) -> HttpResponse:
    """The coordinator has reviewed a flagged member and keeps them."""
    coordinator = _member(request)
    suspension.member_review_clear(actor=coordinator, member=_colleague(coordinator, member_id))
    return redirect("network:member", member_id=member_id)
