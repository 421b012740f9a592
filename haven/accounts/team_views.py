"""The coordinators' pages: the team and invites, two-person approvals, the organisation's rules,
key recovery for a member, and replacing the organisation's key."""

import contextlib

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from haven.accounts import unlock
from haven.accounts.approvals import (
    RULE_FIELDS,
    ApprovalRefused,
    approval_grant,
    approval_reason,
    approval_refuse,
    approvals_waiting,
    may_approve,
    missing_protections,
    rules_change_request,
    waiting_for,
)
from haven.accounts.forms import InviteForm, RecoveryAskForm, RotationForm, RulesForm
from haven.accounts.invites import invite_create
from haven.accounts.models import Act, Approval, Invite, Member
from haven.accounts.queries import running
from haven.accounts.recovery import recovery_request
from haven.accounts.rotation import (
    RotationRefused,
    coordinators_suspended_since_rotation,
    rotation_keys,
    rotation_request,
    rotation_run,
)


def _team(
    request: HttpRequest,
    member: Member,
    form: InviteForm,
    code: str | None,
    status: int = 200,
    waiting: bool = False,
) -> HttpResponse:
    members = Member.objects.filter(organisation_id=member.organisation_id).order_by("handle")
    return render(
        request,
        "accounts/team.html",
        {
            "members": members,
            "form": form,
            "code": code,
            "waiting": waiting,
            "missing": missing_protections(member.organisation),
        },
        status=status,
    )


def team(request: HttpRequest) -> HttpResponse:
    """The organisation's members, and the invite form."""
    return _team(request, request.user, InviteForm(), None)  # type: ignore[arg-type]


@require_POST
def invite(request: HttpRequest) -> HttpResponse:
    """Make an invite code; it is shown on this page only."""
    member: Member = request.user  # type: ignore[assignment]  # AuthorizationMiddleware checked
    form = InviteForm(request.POST)
    if not form.is_valid():
        return _team(request, member, form, None, status=400)
    keyring = request.keyring  # type: ignore[attr-defined]
    if keyring is None:
        form.add_error(None, unlock.LOCKED_MESSAGE)
        return _team(request, member, form, None, status=403)
    made, code = invite_create(
        actor=member,
        role=form.cleaned_data["role"],
        organisation_private_key=keyring.organisation_private_key(),
        reason=form.cleaned_data["reason"],
    )
    return _team(request, member, InviteForm(), code, status=201, waiting=made.needs_approval)


def _approvals_page(
    request: HttpRequest, member: Member, error: str = "", status: int = 200
) -> HttpResponse:
    keyring = request.keyring  # type: ignore[attr-defined]
    rows = []
    for approval in approvals_waiting(member.organisation_id):
        reason = ""
        if keyring is not None:
            with contextlib.suppress(unlock.Locked):
                reason = approval_reason(keyring=keyring, approval=approval)
        rows.append(
            {
                "approval": approval,
                "reason": reason,
                "may_approve": may_approve(member, approval),
                "about": _approval_subject(approval),
            }
        )
    return render(
        request,
        "accounts/approvals.html",
        {
            "rows": rows,
            "missing": missing_protections(member.organisation),
            "error": error,
            "message": request.session.pop(APPROVAL_MESSAGE, None),
        },
        status=status,
    )


APPROVAL_MESSAGE = "haven.approval-message"


def _approval_subject(approval: Approval) -> str:
    """A coarse line naming what the act is about: a role, a case's short id, a handle."""
    if approval.act == Act.INVITE:
        invite = Invite.objects.filter(pk=int(approval.target_id)).first()
        return invite.get_role_display() if invite is not None else ""
    if approval.act in (Act.SUSPEND, Act.RECOVER):
        other = Member.objects.filter(pk=int(approval.target_id)).first()
        return other.handle if other is not None else ""
    if approval.act == Act.RULES:
        return ", ".join(f"{name} → {value}" for name, value in approval.changes.items())
    return approval.target_id[:8]


def approvals(request: HttpRequest) -> HttpResponse:
    """What coordinators asked for that needs a second coordinator, and what a lone
    coordinator's organisation lacks."""
    return _approvals_page(request, request.user)  # type: ignore[arg-type]


def _waiting_approval(member: Member, approval_id: int) -> Approval:
    approval = (
        Approval.objects.filter(
            pk=approval_id, organisation_id=member.organisation_id, decided_at__isnull=True
        )
        .select_related("requested_by")
        .first()
    )
    if approval is None:
        raise Http404
    return approval


@require_POST
def approval_approve(request: HttpRequest, approval_id: int) -> HttpResponse:
    """A second coordinator lets the act happen."""
    member: Member = request.user  # type: ignore[assignment]  # AuthorizationMiddleware checked
    approval = _waiting_approval(member, approval_id)
    keyring = request.keyring  # type: ignore[attr-defined]
    if keyring is None:
        return _approvals_page(request, member, error=str(unlock.LOCKED_MESSAGE), status=403)
    try:
        code = approval_grant(actor=member, keyring=keyring, approval=approval)
    except ApprovalRefused as refusal:
        return _approvals_page(request, member, error=str(refusal), status=409)
    if code is not None:
        # A key recovery's second code: shown on this answer only, never kept in the session.
        return render(request, "accounts/recovery_code.html", {"second_code": code})
    if approval.act == Act.SUSPEND:
        # A suspended coordinator held the organisation key: offer to replace it.
        request.session[APPROVAL_MESSAGE] = _(
            "Approved; the coordinator is suspended. They held the organisation key: replace it."
        )
        return redirect("accounts:rotation")
    if approval.act == Act.ROTATE:
        request.session[APPROVAL_MESSAGE] = _(
            "Approved; the new key is in use. Re-seal what the old key holds here."
        )
        return redirect("accounts:rotation")
    request.session[APPROVAL_MESSAGE] = _("Approved; it has been done.")
    return redirect("accounts:approvals")


@require_POST
def approval_turn_down(request: HttpRequest, approval_id: int) -> HttpResponse:
    """Any coordinator turns a request down, or the one who asked withdraws it."""
    member: Member = request.user  # type: ignore[assignment]  # AuthorizationMiddleware checked
    approval_refuse(actor=member, approval=_waiting_approval(member, approval_id))
    request.session[APPROVAL_MESSAGE] = _("Turned down; nothing was done.")
    return redirect("accounts:approvals")


def _rules_page(
    request: HttpRequest, member: Member, form: RulesForm, status: int = 200, notice: str = ""
) -> HttpResponse:
    return render(
        request,
        "accounts/rules.html",
        {
            "form": form,
            "notice": notice,
            "missing": missing_protections(member.organisation),
            "waiting": waiting_for(Act.RULES, str(member.organisation_id), member.organisation_id),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def rules(request: HttpRequest) -> HttpResponse:
    """The organisation's vetting rule and reveal limit; changing them needs two coordinators."""
    member: Member = request.user  # type: ignore[assignment]  # AuthorizationMiddleware checked
    organisation = member.organisation
    current = {name: getattr(organisation, name) for name in RULE_FIELDS}
    if request.method == "GET":
        return _rules_page(request, member, RulesForm(initial=current))
    form = RulesForm(request.POST)
    if not form.is_valid():
        return _rules_page(request, member, form, status=400)
    try:
        asked = rules_change_request(
            actor=member,
            changes={name: form.cleaned_data[name] for name in RULE_FIELDS},
            reason=form.cleaned_data["reason"],
        )
    except ApprovalRefused as refusal:
        form.add_error(None, str(refusal))
        return _rules_page(request, member, form, status=400)
    if asked is None:
        notice = _("Changed. This organisation has a single coordinator, so no one approved it.")
    else:
        notice = _(
            "Asked: the rules change when a second coordinator approves on the approvals page."
        )
    organisation.refresh_from_db()
    fresh = RulesForm(initial={name: getattr(organisation, name) for name in RULE_FIELDS})
    return _rules_page(request, member, fresh, notice=notice)


@require_http_methods(["GET", "POST"])
def recovery_ask(request: HttpRequest, member_id: int) -> HttpResponse:
    """A coordinator starts a key recovery for a member who lost their passphrase."""
    actor: Member = request.user  # type: ignore[assignment]  # AuthorizationMiddleware checked
    member = Member.objects.filter(pk=member_id, organisation_id=actor.organisation_id).first()
    if member is None:
        raise Http404
    form = RecoveryAskForm(request.POST if request.method == "POST" else None)
    context: dict[str, object] = {"form": form, "subject": member}
    if request.method == "POST" and form.is_valid():
        keyring = request.keyring  # type: ignore[attr-defined]
        if keyring is None:
            form.add_error(None, unlock.LOCKED_MESSAGE)
            return render(request, "accounts/recovery_ask.html", context, status=403)
        try:
            asked = recovery_request(
                actor=actor, keyring=keyring, member=member, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            context.update(
                {"first_code": asked.first_code, "second_code": asked.second_code, "form": None}
            )
            return render(request, "accounts/recovery_code.html", context, status=201)
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/recovery_ask.html", context, status=status)


# How long one press of "go on" re-seals before the page answers; the rest waits for the next.
ROTATION_SLICE_SECONDS = 20.0


def _rotation_page(
    request: HttpRequest, member: Member, form: RotationForm, status: int = 200, notice: str = ""
) -> HttpResponse:
    return render(
        request,
        "accounts/rotation.html",
        {
            "form": form,
            "notice": notice or request.session.pop(APPROVAL_MESSAGE, ""),
            "rotation": running(member.organisation_id),
            "suspended": coordinators_suspended_since_rotation(member.organisation_id),
            "waiting": waiting_for(Act.ROTATE, str(member.organisation_id), member.organisation_id),
            "missing": missing_protections(member.organisation),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def rotation(request: HttpRequest) -> HttpResponse:
    """Replace the organisation's key pair: asked by one coordinator, approved by a second."""
    member: Member = request.user  # type: ignore[assignment]  # AuthorizationMiddleware checked
    if request.method == "GET":
        return _rotation_page(request, member, RotationForm())
    form = RotationForm(request.POST)
    keyring = request.keyring  # type: ignore[attr-defined]
    if not form.is_valid():
        return _rotation_page(request, member, form, status=400)
    if keyring is None:
        form.add_error(None, unlock.LOCKED_MESSAGE)
        return _rotation_page(request, member, form, status=403)
    try:
        asked = rotation_request(actor=member, keyring=keyring, reason=form.cleaned_data["reason"])
    except (RotationRefused, ApprovalRefused) as refusal:
        form.add_error(None, str(refusal))
        return _rotation_page(request, member, form, status=409)
    except ValidationError as error:
        form.add_error("reason", error)
        return _rotation_page(request, member, form, status=400)
    if isinstance(asked, Approval):
        notice = _("Asked: the key is replaced when a second coordinator approves.")
    else:
        notice = _(
            "The new key is in use. This organisation has a single coordinator, so no one "
            "approved it."
        )
    return _rotation_page(request, member, RotationForm(), notice=notice)


@require_POST
def rotation_continue(request: HttpRequest) -> HttpResponse:
    """Re-seal for a while with this coordinator's copy of the new key; press again to go on."""
    member: Member = request.user  # type: ignore[assignment]  # AuthorizationMiddleware checked
    keyring = request.keyring  # type: ignore[attr-defined]
    running_now = running(member.organisation_id)
    if running_now is None:
        return redirect("accounts:rotation")
    if keyring is None:
        return _rotation_page(request, member, RotationForm(), 403, str(unlock.LOCKED_MESSAGE))
    try:
        keys = rotation_keys(keyring=keyring, rotation=running_now)
    except RotationRefused as refusal:
        return _rotation_page(request, member, RotationForm(), 409, str(refusal))
    finished = rotation_run(rotation=running_now, keys=keys, seconds=ROTATION_SLICE_SECONDS)
    request.session[APPROVAL_MESSAGE] = (
        _("Done: everything is sealed to the new key, and the old key is destroyed.")
        if finished
        else _("Part way; press the button again to go on.")
    )
    return redirect("accounts:rotation")
