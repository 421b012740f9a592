"""A member adds a security key in Russian, logs in with it instead of the app's code, and
removes it; Chromium's virtual authenticator (over the DevTools protocol) stands in for the key.
The same login without script still takes the app's code."""

from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect

from haven.accounts.models import SecurityKey
from tests.browser.test_accessibility import Inspector
from tests.browser.test_network import _log_in
from tests.conftest import Persona

pytestmark = pytest.mark.browser


def _virtual_key(page: Page) -> tuple[object, str]:
    """A CTAP2 key on USB that verifies its user and is touched at once, for this tab."""
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable", {"enableUI": False})
    added = devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return devtools, str(added["authenticatorId"])


def test_a_member_adds_a_key_logs_in_with_it_and_removes_it(
    visit: Callable[..., object],
    coordinator: Persona,
    browser: Browser,
) -> None:
    session = visit(javascript=True, locale="ru-RU")
    page: Page = session.page  # type: ignore[attr-defined]
    origin = session.origin  # type: ignore[attr-defined]
    devtools, authenticator = _virtual_key(page)
    _log_in(session, coordinator)
    page.goto(f"{origin}/ru/accounts/")
    page.get_by_role("link", name="Ключи безопасности").click()
    page.get_by_label("Название ключа").fill("синий ключ")
    page.get_by_role("button", name="Добавить ключ").click()
    expect(page.get_by_role("status")).to_contain_text("Ключ безопасности добавлен")
    expect(page.locator("main table")).to_contain_text("синий ключ")
    held = devtools.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})  # type: ignore[attr-defined]
    assert len(held["credentials"]) == 1
    assert SecurityKey.objects.filter(member=coordinator.member).count() == 1
    checker = Inspector(browser, None)
    checker.check(page, "security keys with one key")

    # Logged out, then in again: the passphrase, and the key instead of the code.
    page.get_by_role("button", name="Выйти").click()
    page.goto(f"{origin}/ru/accounts/login/")
    page.get_by_label("Имя").fill(coordinator.member.handle)
    page.get_by_label("Парольная фраза").fill(coordinator.passphrase)
    page.get_by_role("button", name="Войти").click()
    assert "/login/code/" in page.url
    checker.check(page, "second step with a key")
    page.get_by_role("button", name="Воспользоваться ключом безопасности").click()
    page.wait_for_url(lambda url: "/login/" not in url)
    page.goto(f"{origin}/ru/accounts/security-keys/")
    assert "/login/" not in page.url
    assert SecurityKey.objects.get(member=coordinator.member).sign_count >= 1

    # Without script the second step still takes the app's code.
    plain = visit(javascript=False, locale="en-GB")
    _log_in(plain, coordinator)
    plain.page.goto(f"{plain.origin}/en/accounts/security-keys/")  # type: ignore[attr-defined]
    assert "/login/" not in plain.page.url  # type: ignore[attr-defined]

    # Removed with the passphrase.
    page.get_by_label("Ваша парольная фраза или код из приложения-аутентификатора").fill(
        coordinator.passphrase
    )
    page.get_by_role("button", name="Удалить «синий ключ»").click()
    expect(page.get_by_role("status")).to_contain_text("Ключ безопасности удалён")
    assert not SecurityKey.objects.filter(member=coordinator.member).exists()
    checker.context.close()
    print(f"\nsecurity key pages checked by axe: {checker.checked}, faults: {checker.found}")
    assert checker.found == {}
    assert session.foreign() == []  # type: ignore[attr-defined]


def test_through_a_flood_of_wrong_passphrases_the_key_and_passphrase_together_log_in(
    visit: Callable[..., object], coordinator: Persona, settings: object
) -> None:
    session = visit(javascript=True, locale="ru-RU")
    page: Page = session.page  # type: ignore[attr-defined]
    origin = session.origin  # type: ignore[attr-defined]
    _virtual_key(page)
    _log_in(session, coordinator)
    page.goto(f"{origin}/ru/accounts/security-keys/")
    page.get_by_label("Название ключа").fill("синий ключ")
    page.get_by_role("button", name="Добавить ключ").click()
    expect(page.get_by_role("status")).to_contain_text("Ключ безопасности добавлен")
    page.get_by_role("button", name="Выйти").click()
    # Strangers spend the name's budget; this browser's device cookie is dropped, so it is a
    # stranger's too.
    settings.HAVEN_LOGIN_FAILURES_PER_HOUR = 2  # type: ignore[attr-defined]
    page.context.clear_cookies()
    for _ in range(3):
        page.goto(f"{origin}/ru/accounts/login/")
        page.get_by_label("Имя").fill(coordinator.member.handle)
        page.get_by_label("Парольная фраза").fill("не та парольная фраза")
        page.get_by_role("button", name="Войти", exact=True).click()
    expect(page.locator("main")).to_contain_text("воспользуйтесь ключом безопасности")
    # A wrong passphrase with the right key reads like any other failure.
    page.get_by_label("Парольная фраза").fill("не та парольная фраза")
    page.get_by_role("button", name="Войти с ключом безопасности").click()
    expect(page.locator("main")).to_contain_text("не совпадают")
    page.get_by_label("Парольная фраза").fill(coordinator.passphrase)
    page.get_by_role("button", name="Войти с ключом безопасности").click()
    page.wait_for_url(lambda url: "/login/" not in url)
    assert session.foreign() == []  # type: ignore[attr-defined]
