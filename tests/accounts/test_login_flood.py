"""Anyone who knows a member's name can send wrong passphrases from browsers the name has never
used; that must not keep the member, with the right passphrase and second factor, out."""

import secrets
import time
from collections import Counter

import pyotp
from django.test import Client

from haven.accounts.models import Member
from tests.conftest import Persona, totp_code

LOGIN = "/en/accounts/login/"


def _stranger_tries(handle: str, *, code: str = "") -> int:
    data = {"handle": handle, "passphrase": secrets.token_urlsafe(12)}
    if code:
        data["code"] = code
    return Client().post(LOGIN, data).status_code


def _right_member_logs_in(coordinator: Persona) -> bool:
    """The member from a browser never used before, as they would after seeing the page."""
    browser = Client()
    handle, passphrase = coordinator.member.handle, coordinator.passphrase
    first = browser.post(LOGIN, {"handle": handle, "passphrase": passphrase})
    if first.status_code == 302:
        final = browser.post("/en/accounts/login/code/", {"code": totp_code(coordinator)})
    else:
        assert "type your passphrase and the code" in first.content.decode()
        data = {"handle": handle, "passphrase": passphrase, "code": totp_code(coordinator)}
        final = browser.post(LOGIN, data)
    return final.status_code == 302 and browser.get("/en/desk/").status_code == 200


def test_right_member_logs_in_from_a_new_browser_through_a_flood_of_wrong_passphrases(
    coordinator: Persona, settings: object
) -> None:
    settings.HAVEN_LOGIN_FAILURES_PER_HOUR = 20  # type: ignore[attr-defined]
    handle = coordinator.member.handle
    flood: Counter[int] = Counter()
    admitted = tries = 0
    started = time.perf_counter()
    for sent in range(1, 201):
        # Half the flood also sends made-up codes, as a flood that read the page would.
        code = f"{secrets.randbelow(10**6):06d}" if sent % 2 else ""
        flood[_stranger_tries(handle, code=code)] += 1
        if sent % 20 == 0:
            tries += 1
            admitted += _right_member_logs_in(coordinator)
    seconds = time.perf_counter() - started
    print(
        f"\nflood of 200 wrong passphrases for {handle!r} in {seconds:.1f} s: {dict(flood)}; "
        f"right member from a new browser admitted {admitted} of {tries}"
    )
    assert flood[302] == 0
    assert flood[429] + flood[400] == 200 and flood[429] > 0
    assert admitted == tries == 10


def test_past_the_budget_a_right_passphrase_with_a_wrong_code_reads_like_a_wrong_passphrase(
    coordinator: Persona, settings: object
) -> None:
    settings.HAVEN_LOGIN_FAILURES_PER_HOUR = 3  # type: ignore[attr-defined]
    handle = coordinator.member.handle
    for _ in range(3):
        assert _stranger_tries(handle) == 400
    assert coordinator.totp_secret
    wrong = str((int(pyotp.TOTP(coordinator.totp_secret).now()) + 1) % 10**6).zfill(6)
    answers = [
        Client().post(LOGIN, {"handle": handle, "passphrase": passphrase, "code": wrong})
        for passphrase in (coordinator.passphrase, "not the passphrase at all")
    ]
    assert [a.status_code for a in answers] == [400, 400]
    assert answers[0].content.decode().count("do not match") == 1
    assert (
        answers[0].context["form"].non_field_errors()
        == answers[1].context["form"].non_field_errors()
    )


def test_past_the_budget_a_member_without_a_second_factor_is_told_what_to_do(
    counselor: Persona, settings: object
) -> None:
    settings.HAVEN_LOGIN_FAILURES_PER_HOUR = 2  # type: ignore[attr-defined]
    handle = counselor.member.handle
    assert not Member.objects.get(pk=counselor.member.pk).has_second_factor
    for _ in range(2):
        _stranger_tries(handle)
    page = Client().post(LOGIN, {"handle": handle, "passphrase": counselor.passphrase})
    assert page.status_code == 429
    assert "use a browser you have logged in from before" in page.content.decode()
    assert 'name="code"' in page.content.decode()
