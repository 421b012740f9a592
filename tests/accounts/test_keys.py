"""The organisation's key is never at rest in usable form, and a login unlocks only its session."""

import base64
import re

import pytest
from django.conf import settings
from django.test import Client

from haven.accounts.credentials import member_unlock
from haven.accounts.models import Member, Organisation, Role
from haven.accounts.models import MemberSession as Session
from haven.accounts.unlock import SESSION_FIELD, Keyring
from haven.crypto.keys import public_key_of
from tests.conftest import PASSPHRASE, Persona, invite_member, login, totp_code


def _organisation_private(persona: Persona) -> bytes:
    unlocked = member_unlock(handle=persona.member.handle, passphrase=persona.passphrase)
    assert unlocked is not None
    member = Member.objects.get(pk=persona.member.pk)
    return Keyring(member=member, _private=unlocked.private_key).organisation_private_key()


def test_organisation_private_key_is_stored_only_sealed_to_members(
    organisation: Organisation, coordinator: Persona
) -> None:
    private = _organisation_private(coordinator)
    assert public_key_of(private) == bytes(organisation.public_key)
    for member in Member.objects.all():
        assert private not in bytes(member.wrapped_private_key)
        assert private not in bytes(member.sealed_organisation_key or b"")


def test_wrong_passphrase_unlocks_nothing(coordinator: Persona) -> None:
    assert member_unlock(handle="anna", passphrase="not the passphrase") is None
    assert member_unlock(handle="nobody-here", passphrase=PASSPHRASE) is None


def test_counselor_gets_no_organisation_key_and_a_new_coordinator_does(
    organisation: Organisation, coordinator: Persona
) -> None:
    counselor = invite_member(coordinator, "boris", Role.COUNSELOR)
    second = invite_member(coordinator, "vera", Role.COORDINATOR)
    assert counselor.member.sealed_organisation_key is None
    assert public_key_of(_organisation_private(second)) == bytes(organisation.public_key)


def test_session_row_holds_the_member_key_only_sealed(coordinator: Persona) -> None:
    client = login(Client(), coordinator)
    unlocked = member_unlock(handle="anna", passphrase=PASSPHRASE)
    assert unlocked is not None
    rows = [session.session_data for session in Session.objects.all()]
    assert rows
    for encoded in rows:
        assert base64.b64encode(unlocked.private_key).decode() not in encoded
    session = Session.objects.get()
    sealed = base64.b64decode(session.get_decoded()[SESSION_FIELD])
    assert unlocked.private_key not in sealed
    cookie = client.cookies[settings.HAVEN_UNLOCK_COOKIE]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Strict"


def test_session_without_the_cookie_half_is_locked(coordinator: Persona, case: object) -> None:
    client = login(Client(), coordinator)
    del client.cookies[settings.HAVEN_UNLOCK_COOKIE]
    path = f"/en/desk/{case.pk}/reveal/"  # type: ignore[attr-defined]
    response = client.post(path, {"reason": "calling about a bed", "scope": "placement"})
    assert response.status_code == 403
    assert b"locked" in response.content


def test_logout_ends_the_session_and_the_cookie_half(coordinator: Persona) -> None:
    client = login(Client(), coordinator)
    response = client.post("/en/accounts/logout/")
    assert response.status_code == 302
    assert response.cookies[settings.HAVEN_UNLOCK_COOKIE].value == ""
    assert not Session.objects.filter(session_data__contains=SESSION_FIELD).exists()


def test_login_answers_the_same_for_unknown_and_wrong(coordinator: Persona) -> None:
    unknown = Client().post("/en/accounts/login/", {"handle": "ghost", "passphrase": "x" * 14})
    wrong = Client().post("/en/accounts/login/", {"handle": "anna", "passphrase": "x" * 14})
    assert unknown.status_code == wrong.status_code == 400

    def page(response: object) -> str:
        html = response.content.decode()  # type: ignore[attr-defined]
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)

    assert page(unknown).replace("ghost", "anna") == page(wrong)


def test_guessing_at_a_name_is_stopped_without_locking_out_its_member(
    coordinator: Persona, settings: object
) -> None:
    settings.HAVEN_LOGIN_FAILURES_PER_HOUR = 3  # type: ignore[attr-defined]
    # The member has logged in from this browser before, so it holds a device token.
    own_browser = login(Client(), coordinator)
    own_browser.post("/en/accounts/logout/")
    assert settings.HAVEN_DEVICE_COOKIE in own_browser.cookies  # type: ignore[attr-defined]
    for _ in range(3):
        Client().post("/en/accounts/login/", {"handle": "anna", "passphrase": "wrong" * 3})
    stranger = Client().post("/en/accounts/login/", {"handle": "anna", "passphrase": PASSPHRASE})
    assert stranger.status_code == 429
    assert "Too many wrong passphrases" in stranger.content.decode()
    member = own_browser.post("/en/accounts/login/", {"handle": "anna", "passphrase": PASSPHRASE})
    assert member.status_code == 302


def test_a_device_token_is_no_use_for_another_name(
    coordinator: Persona, counselor: Persona, settings: object
) -> None:
    settings.HAVEN_LOGIN_FAILURES_PER_HOUR = 2  # type: ignore[attr-defined]
    browser = login(Client(), coordinator)
    for _ in range(2):
        browser.post("/en/accounts/login/", {"handle": "boris", "passphrase": "wrong" * 3})
    response = browser.post(
        "/en/accounts/login/", {"handle": "boris", "passphrase": counselor.passphrase}
    )
    assert response.status_code == 429


def test_invite_code_works_once(coordinator: Persona) -> None:
    from django.core.exceptions import ValidationError

    from haven.accounts.invites import invite_accept, invite_create

    _invite, code = invite_create(
        actor=coordinator.member, role=Role.COUNSELOR, organisation_private_key=None
    )
    invite_accept(code=code, handle="first", passphrase="a passphrase long enough")
    with pytest.raises(ValidationError):
        invite_accept(code=code, handle="second", passphrase="a passphrase long enough")


def test_api_token_unlocks_like_a_login(coordinator: Persona, case: object) -> None:
    client = login(Client(), coordinator)
    response = client.post(
        "/en/accounts/tokens/", {"label": "bot", "days": 5, "code": totp_code(coordinator)}
    )
    assert response.status_code == 201
    token = response.context["new_token"]
    assert token.startswith("hvn_")
    answer = Client().post(
        f"/api/v1/cases/{case.pk}/reveal",  # type: ignore[attr-defined]
        {"reason": "checking the contact"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 200
    assert answer.json()["fields"]["contact"] == "@telegram_handle"
    secret = token.split("_", 2)[2]
    from haven.accounts.models import ApiToken

    stored = ApiToken.objects.get()
    assert secret.encode() not in bytes(stored.secret_digest) + bytes(stored.wrapped_member_key)
