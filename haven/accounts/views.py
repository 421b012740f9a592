"""Volunteer login, joining by invite, the team page and API tokens."""

import contextlib
from datetime import timedelta

import segno
from django.conf import settings
from django.contrib.auth import login, logout
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.csp import csp_override
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
from haven.accounts.forms import (
    CodeForm,
    InviteForm,
    JoinForm,
    LoginForm,
    LoginWithCodeForm,
    PassphraseChangeForm,
    RecoveryAskForm,
    RecoveryForm,
    RotationForm,
    RulesForm,
    TokenForm,
)
from haven.accounts.lifecycle import member_sessions_end, passphrase_change
from haven.accounts.models import Act, ApiToken, Approval, Invite, Member
from haven.accounts.recovery import recovery_complete, recovery_request
from haven.accounts.rotation import (
    RotationRefused,
    coordinators_suspended_since_rotation,
    rotation_keys,
    rotation_request,
    rotation_run,
    running,
)
from haven.accounts.security_keys import (
    CEREMONY_FIELD,
    KeyRefused,
    ceremony_begin,
    ceremony_take,
    flood_options,
    login_options,
    relying_party,
    security_key_check,
)
from haven.accounts.services import (
    api_token_create,
    api_token_revoke,
    device_remember,
    invite_accept,
    invite_create,
    known_device_owner,
    member_record_login,
    member_unlock,
    totp_check,
    totp_enrol,
    totp_new_secret,
    totp_uri,
)
from haven.core.ratelimit import Budget


def _login_budget(
    request: HttpRequest, handle: str, *, step: str = "passphrase"
) -> tuple[Budget, bytes, bool]:
    """Which failure budget a login attempt spends, and whether it comes from a known device.

    Strangers share one budget per name for wrong passphrases and another for wrong codes, which
    only someone who knows the passphrase can reach; a browser the member has logged in from
    before has its own, so guessing at a name from elsewhere cannot lock the member out there.
    """
    token = request.COOKIES.get(settings.HAVEN_DEVICE_COOKIE, "")
    owner = known_device_owner(token)
    limit = settings.HAVEN_LOGIN_FAILURES_PER_HOUR
    if owner is not None and Member.objects.filter(pk=owner, handle=handle).exists():
        return Budget("login-fail-device", limit, timedelta(hours=1)), token.encode(), True
    name = "login-fail" if step == "passphrase" else "login-code-fail"
    return Budget(name, limit, timedelta(hours=1)), handle.encode(), False


def _login_past_budget(request: HttpRequest, handle: str) -> HttpResponse:
    """A stranger's login once wrong passphrases from strangers have spent the name's budget.

    Refusing outright would let anyone who knows a name keep its member out for good. Instead the
    passphrase and a second factor (the code from the member's app, or a security key) are asked
    for together and judged together: the answer is the same for a wrong passphrase and for a
    right one with a wrong second factor, so the flood learns nothing, while the right member with
    both gets in. Wrong second factors after a right passphrase still spend the code budget, which
    only a passphrase holder can reach. The security key's options name no key (see
    `security_keys.flood_options`), so they say nothing about the name or the passphrase either.
    """
    form = LoginWithCodeForm(request.POST)
    form.is_valid()
    code = form.cleaned_data.get("code", "")
    credential = request.POST.get("credential", "")
    if not (code or credential) or form.errors:
        form.add_error(
            None,
            _(
                "Too many wrong passphrases were typed for this name in browsers it has not "
                "logged in from. To log in here, type your passphrase and the code from your "
                "authenticator app together, or type your passphrase and use your security key. "
                "Without a second factor: use a browser you have logged in from before, wait an "
                "hour, or ask a coordinator."
            ),
        )
        return _flood_page(request, form, status=429)
    # Taken before the passphrase is judged, so every answer uses up the challenge alike.
    try:
        challenge: bytes | None = ceremony_take(request.session, purpose="flood", member_id=None)
    except KeyRefused:
        challenge = None
    unlocked = member_unlock(handle=handle, passphrase=form.cleaned_data["passphrase"])
    code_budget, subject, _known = _login_budget(request, handle, step="code")
    if (
        unlocked is not None
        and unlocked.member.has_second_factor
        and not code_budget.exhausted(subject)
    ):
        if code:
            if totp_check(member=unlocked.member, private_key=unlocked.private_key, code=code):
                return _complete_login(request, unlocked.member, unlocked.private_key, False)
        elif challenge is not None:
            with contextlib.suppress(KeyRefused):
                security_key_check(
                    member=unlocked.member,
                    party=relying_party(request),
                    challenge=challenge,
                    credential=credential,
                )
                return _complete_login(request, unlocked.member, unlocked.private_key, False)
        code_budget.spend(subject)
    if code:
        message = _("That name, passphrase and code do not match. Check all three and try again.")
    else:
        message = _(
            "That name, passphrase and security key do not match. Check the name and the "
            "passphrase, press the security key's button again, or type the code instead."
        )
    form.add_error(None, message)
    return _flood_page(request, form, status=400)


def _flood_page(request: HttpRequest, form: LoginWithCodeForm, status: int) -> HttpResponse:
    options, challenge = flood_options(party=relying_party(request))
    ceremony_begin(request.session, purpose="flood", member_id=None, challenge=challenge)
    return render(
        request, "accounts/login.html", {"form": form, "key_options": options}, status=status
    )


PENDING_MEMBER = unlock.PENDING_MEMBER_FIELD
PENDING_TOTP = "haven.pending-totp"


def _landing(member: Member) -> str:
    return "desk:list" if member.is_coordinator else "accounts:home"


@csp_override(settings.HAVEN_SCRIPT_CSP)
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    """Log in with name and passphrase; the passphrase also unlocks the member's key."""
    form = LoginForm(request.POST if request.method == "POST" else None)
    if request.method == "GET" or not form.is_valid():
        return render(
            request,
            "accounts/login.html",
            {"form": form},
            status=400 if request.method == "POST" else 200,
        )
    handle = form.cleaned_data["handle"]
    budget, subject, known_device = _login_budget(request, handle)
    if budget.exhausted(subject):
        if not known_device:
            return _login_past_budget(request, handle)
        form.add_error(
            None, _("Too many wrong passphrases for this name. Wait an hour, or ask a coordinator.")
        )
        return render(request, "accounts/login.html", {"form": form}, status=429)
    unlocked = member_unlock(handle=handle, passphrase=form.cleaned_data["passphrase"])
    if unlocked is None:
        budget.spend(subject)
        # The same words whether the name exists or not.
        form.add_error(None, _("That name and passphrase do not match. Check both and try again."))
        return render(request, "accounts/login.html", {"form": form}, status=400)
    if unlocked.member.has_second_factor:
        # Half way: the key waits, sealed, until a code from the member's app follows.
        request.session.cycle_key()
        request.session[PENDING_MEMBER] = unlocked.member.pk
        unlock.begin(request, unlocked.private_key, field=unlock.PENDING_FIELD)
        return redirect(f"{resolve_url('accounts:login-code')}?{request.GET.urlencode()}")
    return _complete_login(request, unlocked.member, unlocked.private_key, known_device)


def _complete_login(
    request: HttpRequest, member: Member, private_key: bytes, known_device: bool
) -> HttpResponse:
    request.session.pop(PENDING_MEMBER, None)
    request.session.pop(unlock.PENDING_FIELD, None)
    request.session.pop(CEREMONY_FIELD, None)
    login(request, member, backend="haven.accounts.backends.PassphraseBackend")
    unlock.begin(request, private_key)
    member_record_login(member=member)
    target = request.GET.get("next", "")
    if not (
        target
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        target = resolve_url(_landing(member))
    response = redirect(target)
    if not known_device:
        response.set_cookie(
            settings.HAVEN_DEVICE_COOKIE,
            device_remember(member=member),
            max_age=settings.HAVEN_DEVICE_DAYS * 86400,
            secure=settings.SECURE_COOKIES,
            httponly=True,
            samesite="Strict",
        )
    return response


@csp_override(settings.HAVEN_SCRIPT_CSP)
@require_http_methods(["GET", "POST"])
def login_code(request: HttpRequest) -> HttpResponse:
    """The second step of a login: a code from the member's authenticator app, or one of their
    security keys."""
    pending = request.session.get(PENDING_MEMBER)
    member = Member.objects.filter(pk=pending, is_active=True).first() if pending else None
    private_key = unlock.pending_private_key(request)
    if member is None or private_key is None:
        return redirect("accounts:login")
    if request.method == "POST" and "credential" in request.POST:
        return _login_with_key(request, member, private_key)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "GET" or not form.is_valid():
        status = 400 if request.method == "POST" else 200
        return _code_page(request, member, private_key, form, status)
    budget, subject, known_device = _login_budget(request, member.handle, step="code")
    if budget.exhausted(subject):
        form.add_error(None, _("Too many wrong codes. Wait an hour, or ask a coordinator."))
        return _code_page(request, member, private_key, form, 429)
    if not totp_check(member=member, private_key=private_key, code=form.cleaned_data["code"]):
        budget.spend(subject)
        form.add_error(
            "code", _("That code is wrong or was already used. Wait for the next one and try it.")
        )
        return _code_page(request, member, private_key, form, 400)
    return _complete_login(request, member, private_key, known_device)


def _code_page(
    request: HttpRequest,
    member: Member,
    private_key: bytes,
    form: CodeForm,
    status: int,
    key_error: str = "",
) -> HttpResponse:
    """The second step's page; a member with security keys is also offered theirs, with a fresh
    challenge kept in the session."""
    options = None
    if member.has_security_key:
        options, challenge = login_options(
            member=member, private_key=private_key, party=relying_party(request)
        )
        ceremony_begin(request.session, purpose="login", member_id=member.pk, challenge=challenge)
    return render(
        request,
        "accounts/login_code.html",
        {"form": form, "key_options": options, "key_error": key_error},
        status=status,
    )


def _login_with_key(request: HttpRequest, member: Member, private_key: bytes) -> HttpResponse:
    """The second step with a security key instead of a code."""
    budget, subject, known_device = _login_budget(request, member.handle, step="code")
    if budget.exhausted(subject):
        error = _("Too many wrong codes. Wait an hour, or ask a coordinator.")
        return _code_page(request, member, private_key, CodeForm(), 429, key_error=error)
    try:
        challenge = ceremony_take(request.session, purpose="login", member_id=member.pk)
        security_key_check(
            member=member,
            party=relying_party(request),
            challenge=challenge,
            credential=request.POST.get("credential", ""),
        )
    except KeyRefused as refusal:
        if refusal.code != "expired":
            budget.spend(subject)
        return _code_page(request, member, private_key, CodeForm(), 400, key_error=str(refusal))
    return _complete_login(request, member, private_key, known_device)


@require_http_methods(["GET", "POST"])
def second_factor(request: HttpRequest) -> HttpResponse:
    """Turn on the second factor: scan the code, type the number the app shows."""
    member: Member = request.user  # type: ignore[assignment]  # AuthorizationMiddleware checked
    keyring = request.keyring  # type: ignore[attr-defined]
    if keyring is None:
        return redirect("accounts:login")
    form = CodeForm(request.POST if request.method == "POST" else None)
    secret_bytes = unlock.unstash(request, PENDING_TOTP) if request.method == "POST" else None
    if request.method == "POST" and form.is_valid() and secret_bytes:
        try:
            totp_enrol(
                member=member,
                private_key=keyring.member_private_key(),
                secret=secret_bytes.decode("ascii"),
                code=form.cleaned_data["code"],
            )
        except ValidationError as error:
            form.add_error("code", error)
        else:
            request.session.pop(PENDING_TOTP, None)
            return redirect(_landing(member))
    secret = secret_bytes.decode("ascii") if secret_bytes else totp_new_secret()
    unlock.stash(request, PENDING_TOTP, secret.encode("ascii"))
    uri = totp_uri(member=member, secret=secret)
    return render(
        request,
        "accounts/second_factor.html",
        {
            "form": form,
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "qr": mark_safe(segno.make(uri, error="m").svg_inline(scale=4)),  # noqa: S308  # SVG made here from our own URI
            "required": member.needs_second_factor(),
            "enrolled": member.has_second_factor,
        },
        status=400 if request.method == "POST" else 200,
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    """End every session of the member, here and in any other browser, and all their API tokens;
    the sealed keys in them and this browser's cookie half all go."""
    if isinstance(request.user, Member):
        member_sessions_end(actor=request.user, member=request.user, why="logout")
    logout(request)
    response = redirect("intake:home")
    unlock.clear_cookie(response)
    return response


PASSPHRASE_MESSAGE = "haven.passphrase-message"  # noqa: S105  # a session field's name, not a secret


@require_http_methods(["GET", "POST"])
def passphrase(request: HttpRequest) -> HttpResponse:
    """Change the member's passphrase; every other session and every token of theirs ends."""
    member: Member = request.user  # type: ignore[assignment]  # AuthorizationMiddleware checked
    form = PassphraseChangeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            passphrase_change(
                member=member,
                old_passphrase=form.cleaned_data["current"],
                new_passphrase=form.cleaned_data["passphrase"],
                keep_session=request.session.session_key,
            )
        except ValidationError as error:
            form.add_error("current" if error.code == "passphrase-wrong" else "passphrase", error)
        else:
            # A fresh session key, so the one this browser held before cannot be replayed either.
            request.session.cycle_key()
            request.session[PASSPHRASE_MESSAGE] = True
            return redirect("accounts:passphrase")
    return render(
        request,
        "accounts/passphrase.html",
        {"form": form, "changed": request.session.pop(PASSPHRASE_MESSAGE, False)},
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest) -> HttpResponse:
    """Become a member with an invite code."""
    form = JoinForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            invite_accept(
                code=form.cleaned_data["code"],
                handle=form.cleaned_data["handle"],
                passphrase=form.cleaned_data["passphrase"],
            )
        except ValidationError as error:
            field = (
                "passphrase"
                if error.code == "passphrase-short"
                else ("handle" if error.code == "handle-taken" else "code")
            )
            form.add_error(field, error)
        else:
            return render(request, "accounts/joined.html", status=201)
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/join.html", {"form": form}, status=status)


def home(request: HttpRequest) -> HttpResponse:
    """The member's own page: who they are and their API tokens."""
    member: Member = request.user  # type: ignore[assignment]  # AuthorizationMiddleware checked
    return _home(request, member, TokenForm(), None)


def _home(
    request: HttpRequest, member: Member, form: TokenForm, new_token: str | None, status: int = 200
) -> HttpResponse:
    tokens = member.api_tokens.filter(revoked_at__isnull=True).order_by("-created_at")
    return render(
        request,
        "accounts/home.html",
        {"member": member, "tokens": tokens, "form": form, "new_token": new_token},
        status=status,
    )


@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    """Make an API token; its secret is shown on this page only."""
    member: Member = request.user  # type: ignore[assignment]  # AuthorizationMiddleware checked
    form = TokenForm(request.POST)
    keyring = request.keyring  # type: ignore[attr-defined]
    if not form.is_valid():
        return _home(request, member, form, None, status=400)
    if keyring is None:
        form.add_error(None, unlock.LOCKED_MESSAGE)
        return _home(request, member, form, None, status=403)
    try:
        _token, raw = api_token_create(
            actor=member,
            member_private_key=keyring.member_private_key(),
            label=form.cleaned_data["label"],
            days=form.cleaned_data["days"],
            code=form.cleaned_data["code"],
        )
    except ValidationError as error:
        form.add_error("days" if error.code == "days" else "code", error)
        return _home(request, member, form, None, status=400)
    return _home(request, member, TokenForm(), raw, status=201)


@require_POST
def token_revoke(request: HttpRequest, public_id: str) -> HttpResponse:
    """Revoke one of the member's own tokens."""
    member: Member = request.user  # type: ignore[assignment]  # AuthorizationMiddleware checked
    token = ApiToken.objects.filter(member=member, public_id=public_id).first()
    if token is None:
        raise Http404
    api_token_revoke(actor=member, token=token)
    return redirect("accounts:home")


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


@require_http_methods(["GET", "POST"])
def recover(request: HttpRequest) -> HttpResponse:
    """A member who lost their passphrase sets a new one with the codes of two coordinators."""
    form = RecoveryForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            recovery = recovery_complete(
                handle=form.cleaned_data["handle"],
                first_code=form.cleaned_data["first_code"],
                second_code=form.cleaned_data["second_code"],
                passphrase=form.cleaned_data["passphrase"],
            )
        except ValidationError as error:
            form.add_error("passphrase" if error.code == "passphrase-short" else None, error)
        else:
            return render(request, "accounts/recovered.html", {"recovery": recovery})
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/recover.html", {"form": form}, status=status)


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
