"""A coordinator brings in a new member through the team page and the join page."""

import pytest
from django.test import Client

from haven.accounts.models import Member, Role
from tests.conftest import Persona, login


@pytest.mark.parametrize("role", [Role.COUNSELOR, Role.COORDINATOR])
def test_coordinator_invites_and_the_new_member_joins_and_logs_in(
    coordinator: Persona, role: str
) -> None:
    desk = login(Client(), coordinator)
    response = desk.post("/en/accounts/team/invite/", {"role": role})
    assert response.status_code == 201
    code = response.context["code"]
    assert code in response.content.decode()
    assert code not in desk.get("/en/accounts/team/").content.decode()  # shown only once

    newcomer = Client()
    mismatch = newcomer.post(
        "/en/accounts/join/",
        {
            "code": code,
            "handle": "new-member",
            "passphrase": "a long passphrase here",
            "passphrase_again": "another passphrase",
        },
    )
    assert mismatch.status_code == 400
    assert 'value="new-member"' in mismatch.content.decode()
    joined = newcomer.post(
        "/en/accounts/join/",
        {
            "code": code,
            "handle": "new-member",
            "passphrase": "a long passphrase here",
            "passphrase_again": "a long passphrase here",
        },
    )
    assert joined.status_code == 201
    member = Member.objects.get(handle="new-member")
    assert member.role == role
    assert (member.sealed_organisation_key is not None) == (role == Role.COORDINATOR)
    landing = newcomer.post(
        "/en/accounts/login/", {"handle": "new-member", "passphrase": "a long passphrase here"}
    )
    assert landing["Location"] == ("/en/desk/" if role == Role.COORDINATOR else "/en/accounts/")


def test_join_refuses_a_wrong_code_and_a_short_passphrase_plainly(coordinator: Persona) -> None:
    response = Client().post(
        "/ru/accounts/join/",
        {
            "code": "not-a-real-code",
            "handle": "x",
            "passphrase": "short",
            "passphrase_again": "short",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Этот код приглашения не действует" in html
    assert not Member.objects.filter(handle="x").exists()
