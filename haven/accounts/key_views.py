"""The member's security keys: add one (the page's script runs the key), list them, remove one."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_http_methods, require_POST

from haven.accounts import unlock
from haven.accounts.forms import SecurityKeyForm, SecurityKeyRemoveForm
from haven.accounts.models import Member, SecurityKey
from haven.accounts.security_keys import (
    KeyRefused,
    ceremony_begin,
    ceremony_take,
    registration_options,
    relying_party,
    security_key_names,
    security_key_register,
    security_key_remove,
)

KEY_MESSAGE = "haven.security-key-message"


def _keys_page(
    request: HttpRequest,
    member: Member,
    form: SecurityKeyForm,
    status: int = 200,
    remove_form: SecurityKeyRemoveForm | None = None,
    remove_id: int | None = None,
) -> HttpResponse:
    keyring = request.keyring  # type: ignore[attr-defined]
    keys: list[tuple[SecurityKey, str]] = []
    options = None
    if keyring is not None:
        private_key = keyring.member_private_key()
        keys = security_key_names(member=member, private_key=private_key)
        if member.has_second_factor:
            options, challenge = registration_options(
                member=member, private_key=private_key, party=relying_party(request)
            )
            ceremony_begin(
                request.session, purpose="register", member_id=member.pk, challenge=challenge
            )
    rows = [
        {
            "key": key,
            "name": name,
            "form": remove_form
            if remove_form is not None and key.pk == remove_id
            else SecurityKeyRemoveForm(prefix=f"key-{key.pk}"),
        }
        for key, name in keys
    ]
    return render(
        request,
        "accounts/security_keys.html",
        {
            "rows": rows,
            "form": form,
            "key_options": options,
            "locked": keyring is None,
            "has_app": member.has_second_factor,
            "message": request.session.pop(KEY_MESSAGE, ""),
        },
        status=status,
    )


@csp_override(settings.HAVEN_SCRIPT_CSP)
@require_http_methods(["GET", "POST"])
def security_keys(request: HttpRequest) -> HttpResponse:
    """The member's security keys, and adding one."""
    member: Member = request.user  # type: ignore[assignment]  # AuthorizationMiddleware checked
    if request.method == "GET":
        return _keys_page(request, member, SecurityKeyForm())
    form = SecurityKeyForm(request.POST)
    keyring = request.keyring  # type: ignore[attr-defined]
    if not form.is_valid():
        return _keys_page(request, member, form, status=400)
    if keyring is None:
        form.add_error(None, unlock.LOCKED_MESSAGE)
        return _keys_page(request, member, form, status=403)
    if not form.cleaned_data["credential"]:
        form.add_error(
            None,
            _(
                "Adding a security key needs JavaScript in this browser, and a browser that "
                "supports security keys. The code from your authenticator app works without it."
            ),
        )
        return _keys_page(request, member, form, status=400)
    try:
        challenge = ceremony_take(request.session, purpose="register", member_id=member.pk)
        security_key_register(
            member=member,
            private_key=keyring.member_private_key(),
            party=relying_party(request),
            challenge=challenge,
            name=form.cleaned_data["name"],
            credential=form.cleaned_data["credential"],
        )
    except KeyRefused as refusal:
        form.add_error(None, str(refusal))
        return _keys_page(request, member, form, status=400)
    except ValidationError as error:
        form.add_error("name" if error.code == "name" else None, error)
        return _keys_page(request, member, form, status=400)
    request.session[KEY_MESSAGE] = _(
        "The security key is added. At login you may use it instead of the code."
    )
    return redirect("accounts:security-keys")


@csp_override(settings.HAVEN_SCRIPT_CSP)
@require_POST
def security_key_delete(request: HttpRequest, key_id: int) -> HttpResponse:
    """Remove one of the member's security keys, with their passphrase or a current code."""
    member: Member = request.user  # type: ignore[assignment]  # AuthorizationMiddleware checked
    key = SecurityKey.objects.filter(pk=key_id, member=member).first()
    if key is None:
        raise Http404
    form = SecurityKeyRemoveForm(request.POST, prefix=f"key-{key.pk}")
    keyring = request.keyring  # type: ignore[attr-defined]
    if not form.is_valid():
        return _keys_page(request, member, SecurityKeyForm(), 400, form, key.pk)
    if keyring is None:
        form.add_error(None, unlock.LOCKED_MESSAGE)
        return _keys_page(request, member, SecurityKeyForm(), 403, form, key.pk)
    try:
        security_key_remove(
            member=member,
            private_key=keyring.member_private_key(),
            key=key,
            confirmation=form.cleaned_data["confirmation"],
        )
    except ValidationError as error:
        form.add_error("confirmation", error)
        return _keys_page(request, member, SecurityKeyForm(), 400, form, key.pk)
    request.session[KEY_MESSAGE] = _("The security key is removed.")
    return redirect("accounts:security-keys")
