"""A member changes their passphrase in Russian; the browser they were also logged in from is sent
back to the login page, and the old passphrase no longer logs in."""

from collections.abc import Callable

import pytest

from haven.accounts.credentials import member_unlock
from tests.browser.test_network import _log_in
from tests.conftest import Persona

pytestmark = pytest.mark.browser

NEW = "новая длинная парольная фраза"


def test_a_member_changes_the_passphrase_and_the_other_browser_is_logged_out(
    visit: Callable[..., object], counselor: Persona
) -> None:
    other = visit(javascript=False, locale="en-GB")
    _log_in(other, counselor)
    other_page = other.page  # type: ignore[attr-defined]
    other_page.goto(f"{other.origin}/en/accounts/")  # type: ignore[attr-defined]
    assert "/login/" not in other_page.url

    here = visit(javascript=False, locale="ru-RU")
    _log_in(here, counselor)
    page = here.page  # type: ignore[attr-defined]
    page.goto(f"{here.origin}/ru/accounts/")  # type: ignore[attr-defined]
    page.get_by_role("link", name="Сменить парольную фразу").click()
    page.get_by_label("Нынешняя парольная фраза").fill("не та фраза совсем")
    page.get_by_label("Новая парольная фраза", exact=True).fill(NEW)
    page.get_by_label("Новая парольная фраза ещё раз").fill(NEW)
    page.get_by_role("button", name="Сменить парольную фразу").click()
    assert "введена неверно" in page.locator("main").inner_text()
    # Nothing was changed, and the other browser is still logged in.
    assert member_unlock(handle=counselor.member.handle, passphrase=counselor.passphrase)

    page.get_by_label("Нынешняя парольная фраза").fill(counselor.passphrase)
    page.get_by_label("Новая парольная фраза", exact=True).fill(NEW)
    page.get_by_label("Новая парольная фраза ещё раз").fill(NEW)
    page.get_by_role("button", name="Сменить парольную фразу").click()
    assert "Парольная фраза сменена" in page.locator("main").inner_text()

    other_page.reload()
    assert "/accounts/login/" in other_page.url
    old = visit(javascript=False, locale="en-GB")
    _log_in(old, counselor)
    assert "do not match" in old.page.locator("main").inner_text()  # type: ignore[attr-defined]
    counselor.passphrase = NEW
    again = visit(javascript=False, locale="en-GB")
    _log_in(again, counselor)
    again.page.goto(f"{again.origin}/en/accounts/")  # type: ignore[attr-defined]
    assert "/login/" not in again.page.url  # type: ignore[attr-defined]
    assert here.foreign() == []  # type: ignore[attr-defined]
