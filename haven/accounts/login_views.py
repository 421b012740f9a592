"""Volunteer login: passphrase, second factor (code or security key), the flood fallback, logout."""

import contextlib
from datetime import timedelta

import segno
from django.conf import settings
from django.contrib.auth import login, logout
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_http_methods, require_POST

from haven.accounts import unlock
from haven.accounts.credentials import member_unlock
from haven.accounts.forms import CodeForm, LoginForm, LoginWithCodeForm
from haven.accounts.lifecycle import member_sessions_end
from haven.accounts.login import device_remember, known_device_owner, member_record_login
from haven.accounts.models import Member
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
from haven.accounts.totp import totp_check, totp_enrol, totp_new_secret, totp_uri
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
