"""API tokens unlock like a login, so they need the second factor and end when trust does."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from haven.accounts.models import ApiToken, Role
from haven.accounts.tokens import api_token_create
from haven.cases.models import Case
from haven.volunteers.suspension import member_suspend
from tests.conftest import Persona, invite_member, keyring_of, login, make_token, totp_code


def _api(token: str) -> int:
    return Client().get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"}).status_code


def test_a_token_needs_a_code_from_the_second_factor(coordinator: Persona) -> None:
    client = login(Client(), coordinator)
    missing = client.post("/en/accounts/tokens/", {"label": "bot", "days": 5})
    assert missing.status_code == 400
    wrong = client.post("/en/accounts/tokens/", {"label": "bot", "days": 5, "code": "000000"})
    assert wrong.status_code == 400
    assert "That code is wrong" in wrong.content.decode()
    assert not ApiToken.objects.exists()
    made = client.post(
        "/en/accounts/tokens/", {"label": "bot", "days": 5, "code": totp_code(coordinator)}
    )
    assert made.status_code == 201


def test_a_member_without_a_second_factor_gets_no_token(coordinator: Persona) -> None:
    host = invite_member(coordinator, "hana", Role.HOST)
    with pytest.raises(ValidationError, match="second factor"):
        api_token_create(
            actor=host.member,
            member_private_key=keyring_of(host).member_private_key(),
            label="bot",
            code="123456",
            days=1,
        )


def test_a_token_lives_at_most_thirty_days(coordinator: Persona) -> None:
    client = login(Client(), coordinator)
    long = client.post(
        "/en/accounts/tokens/", {"label": "bot", "days": 365, "code": totp_code(coordinator)}
    )
    assert long.status_code == 400
    assert "30" in long.content.decode()
    assert not ApiToken.objects.exists()
    make_token(client, coordinator, days=30)
    token = ApiToken.objects.get()
    assert (token.expires_at - token.created_at).days == 30


def test_logout_ends_the_members_tokens(coordinator: Persona, case: Case) -> None:
    client = login(Client(), coordinator)
    token = make_token(client, coordinator)
    assert _api(token) == 200
    client.post("/en/accounts/logout/")
    assert _api(token) == 401
    assert ApiToken.objects.get().wrapped_member_key == b""


def test_suspension_ends_the_members_tokens(coordinator: Persona, counselor: Persona) -> None:
    token = make_token(login(Client(), counselor), counselor)
    assert _api(token) == 403
    member_suspend(actor=coordinator.member, member=counselor.member, reason="sold addresses")
    assert _api(token) == 401
    assert ApiToken.objects.get().wrapped_member_key == b""
