"""Coordinators always need a second factor; its secret is sealed to the member's own key."""

import pyotp
from django.test import Client

from haven.accounts.models import Member, Organisation, Role
from haven.accounts.organisations import organisation_create
from tests.conftest import PASSPHRASE, Persona, invite_member, login, stored, totp_code


def test_coordinator_without_a_second_factor_must_set_one_up_first(db: None) -> None:
    _organisation, member = organisation_create(
        slug="new", name="New", coordinator_handle="nina", coordinator_passphrase=PASSPHRASE
    )
    client = Client()
    response = client.post("/en/accounts/login/", {"handle": "nina", "passphrase": PASSPHRASE})
    assert response.status_code == 302
    desk = client.get("/en/desk/")
    assert desk["Location"] == "/en/accounts/second-factor/"
    page = client.get("/en/accounts/second-factor/")
    assert "<svg" in page.content.decode()
    secret = page.context["secret"].replace(" ", "")
    wrong = client.post("/en/accounts/second-factor/", {"code": "000000"})
    assert wrong.status_code == 400
    assert "does not match" in wrong.content.decode()
    done = client.post("/en/accounts/second-factor/", {"code": pyotp.TOTP(secret).now()})
    assert done["Location"] == "/en/desk/"
    assert client.get("/en/desk/").status_code == 200
    assert secret.encode() not in stored(Member.objects.get(pk=member.pk).totp_sealed)


def test_login_asks_for_the_code_and_refuses_a_wrong_or_replayed_one(
    coordinator: Persona,
) -> None:
    client = Client()
    first = client.post("/en/accounts/login/", {"handle": "anna", "passphrase": PASSPHRASE})
    assert first["Location"].startswith("/en/accounts/login/code/")
    assert client.get("/en/desk/")["Location"].startswith("/en/accounts/login/")
    wrong = client.post("/en/accounts/login/code/", {"code": "123 456"})
    assert wrong.status_code == 400
    code = totp_code(coordinator)
    assert client.post("/en/accounts/login/code/", {"code": code})["Location"] == "/en/desk/"
    # The same code again, from another browser: refused.
    other = Client()
    other.post("/en/accounts/login/", {"handle": "anna", "passphrase": PASSPHRASE})
    replay = other.post("/en/accounts/login/code/", {"code": code})
    assert replay.status_code == 400
    assert "already used" in replay.content.decode()


def test_the_code_step_cannot_be_skipped(coordinator: Persona) -> None:
    client = Client()
    client.post("/en/accounts/login/", {"handle": "anna", "passphrase": PASSPHRASE})
    assert client.get("/en/accounts/").status_code == 302
    assert client.post("/en/accounts/tokens/", {"label": "x", "days": 1}).status_code == 302


def test_an_organisation_can_require_it_of_everyone(
    organisation: Organisation, coordinator: Persona
) -> None:
    counselor = invite_member(coordinator, "boris", Role.COUNSELOR)
    client = login(Client(), counselor)
    assert client.get("/en/accounts/").status_code == 200
    Organisation.objects.filter(pk=organisation.pk).update(second_factor_required=True)
    assert client.get("/en/accounts/")["Location"] == "/en/accounts/second-factor/"
