"""A member's own pages: joining by invite, their page and API tokens, changing the passphrase,
and finishing a key recovery."""

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from haven.accounts import unlock
from haven.accounts.forms import JoinForm, PassphraseChangeForm, RecoveryForm, TokenForm
from haven.accounts.invites import invite_accept
from haven.accounts.lifecycle import passphrase_change
from haven.accounts.models import ApiToken, Member
from haven.accounts.recovery import recovery_complete
from haven.accounts.tokens import api_token_create, api_token_revoke

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
