"""Logout, a passphrase change and a suspension end every session and token of the member at once;
an old cookie or token replayed afterwards opens nothing."""

import copy

from django.test import Client

from haven.accounts.credentials import member_unlock
from haven.accounts.models import ApiToken, MemberSession
from haven.accounts.unlock import PENDING_FIELD, SESSION_FIELD
from haven.volunteers.suspension import member_suspend
from tests.conftest import Persona, enrol_second_factor, login, make_token

HOME = "/en/accounts/"


def _api(token: str) -> int:
    return Client().get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"}).status_code


def _replay(client: Client) -> Client:
    """A new browser carrying the cookies another one held at this moment."""
    thief = Client()
    thief.cookies = copy.deepcopy(client.cookies)
    return thief


def _is_sent_to_login(client: Client) -> bool:
    response = client.get(HOME)
    return response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_logout_ends_every_session_of_the_member(coordinator: Persona) -> None:
    laptop = login(Client(), coordinator)
    phone = login(Client(), coordinator)
    copied = _replay(laptop)
    assert laptop.get(HOME).status_code == 200
    assert phone.get(HOME).status_code == 200
    assert MemberSession.objects.filter(member=coordinator.member).count() == 2
    laptop.post("/en/accounts/logout/")
    assert _is_sent_to_login(phone)
    assert _is_sent_to_login(copied)
    assert not MemberSession.objects.filter(member=coordinator.member).exists()
    # No session row anywhere still holds the sealed half of the member's key.
    assert not any(
        SESSION_FIELD in session.get_decoded() for session in MemberSession.objects.all()
    )


def test_logout_ends_the_tokens_too(coordinator: Persona) -> None:
    laptop = login(Client(), coordinator)
    token = make_token(login(Client(), coordinator), coordinator)
    assert _api(token) == 200
    laptop.post("/en/accounts/logout/")
    assert _api(token) == 401


def test_a_logout_leaves_other_members_logged_in(coordinator: Persona, counselor: Persona) -> None:
    mine = login(Client(), coordinator)
    theirs = login(Client(), counselor)
    mine.post("/en/accounts/logout/")
    assert theirs.get(HOME).status_code == 200


def test_suspension_ends_every_session_and_token(coordinator: Persona, counselor: Persona) -> None:
    browser = login(Client(), counselor)
    copied = _replay(browser)
    token = make_token(login(Client(), counselor), counselor)
    assert browser.get(HOME).status_code == 200
    member_suspend(actor=coordinator.member, member=counselor.member, reason="sold addresses")
    assert _is_sent_to_login(browser)
    assert _is_sent_to_login(copied)
    assert _api(token) == 401
    assert not MemberSession.objects.filter(member=counselor.member).exists()
    assert ApiToken.objects.get(member=counselor.member).wrapped_member_key == b""


def _change(client: Client, current: str, new: str, again: str | None = None) -> int:
    response = client.post(
        "/en/accounts/passphrase/",
        {"current": current, "passphrase": new, "passphrase_again": again or new},
    )
    return response.status_code


def test_a_passphrase_change_ends_other_sessions_and_tokens_but_not_this_one(
    coordinator: Persona,
) -> None:
    laptop = login(Client(), coordinator)
    before = _replay(laptop)
    phone = login(Client(), coordinator)
    token = make_token(phone, coordinator)
    new = "a brand new passphrase of mine"
    assert _change(laptop, coordinator.passphrase, new) == 302
    assert laptop.get(HOME).status_code == 200
    page = laptop.get("/en/accounts/passphrase/").content.decode()
    assert "Your passphrase is changed" in page
    assert _is_sent_to_login(phone)
    # The session key the laptop held before the change was replaced: a copy of it opens nothing.
    assert _is_sent_to_login(before)
    assert _api(token) == 401


def test_after_a_change_the_old_passphrase_opens_nothing(coordinator: Persona) -> None:
    laptop = login(Client(), coordinator)
    old_wrapping = bytes(
        type(coordinator.member).objects.get(pk=coordinator.member.pk).wrapped_private_key
    )
    new = "a brand new passphrase of mine"
    assert _change(laptop, coordinator.passphrase, new) == 302
    assert (
        member_unlock(handle=coordinator.member.handle, passphrase=coordinator.passphrase) is None
    )
    unlocked = member_unlock(handle=coordinator.member.handle, passphrase=new)
    assert unlocked is not None
    coordinator.member.refresh_from_db()
    assert bytes(coordinator.member.wrapped_private_key) != old_wrapping
    refused = Client().post(
        "/en/accounts/login/",
        {"handle": coordinator.member.handle, "passphrase": coordinator.passphrase},
    )
    assert refused.status_code == 400
    coordinator.passphrase = new
    login(Client(), coordinator)


def test_a_wrong_current_passphrase_changes_nothing(coordinator: Persona) -> None:
    laptop = login(Client(), coordinator)
    phone = login(Client(), coordinator)
    response = laptop.post(
        "/en/accounts/passphrase/",
        {
            "current": "not my passphrase at all",
            "passphrase": "a brand new passphrase of mine",
            "passphrase_again": "a brand new passphrase of mine",
        },
    )
    assert response.status_code == 400
    assert "Your current passphrase is not right" in response.content.decode()
    assert phone.get(HOME).status_code == 200
    assert member_unlock(handle=coordinator.member.handle, passphrase=coordinator.passphrase)


def test_a_short_or_mismatched_new_passphrase_is_refused_in_russian_too(
    coordinator: Persona,
) -> None:
    laptop = login(Client(), coordinator)
    assert _change(laptop, coordinator.passphrase, "short") == 400
    assert _change(laptop, coordinator.passphrase, "long enough one", "another long one") == 400
    russian = laptop.post(
        "/ru/accounts/passphrase/",
        {"current": coordinator.passphrase, "passphrase": "short", "passphrase_again": "short"},
    )
    assert russian.status_code == 400
    assert "12" in russian.content.decode()
    assert member_unlock(handle=coordinator.member.handle, passphrase=coordinator.passphrase)


def test_suspension_ends_a_login_half_way_too(coordinator: Persona, counselor: Persona) -> None:
    enrol_second_factor(counselor)
    browser = Client()
    response = browser.post(
        "/en/accounts/login/",
        {"handle": counselor.member.handle, "passphrase": counselor.passphrase},
    )
    assert "/login/code/" in response["Location"]
    assert MemberSession.objects.filter(member=counselor.member).count() == 1
    member_suspend(actor=coordinator.member, member=counselor.member, reason="sold addresses")
    assert not MemberSession.objects.filter(member=counselor.member).exists()
    assert not any(
        PENDING_FIELD in session.get_decoded() for session in MemberSession.objects.all()
    )
    assert browser.post("/en/accounts/login/code/", {"code": "123456"})["Location"].endswith(
        "/accounts/login/"
    )
