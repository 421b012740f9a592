"""A host who lost her passphrase is recovered by two coordinators in their browsers, and sets a
new passphrase in Russian with both their codes."""

from collections.abc import Callable

import pytest

from haven.accounts.models import Role
from tests.browser.test_network import _log_in
from tests.conftest import Persona, enrol_second_factor, invite_member

pytestmark = pytest.mark.browser

NEW = "новая парольная фраза хозяйки"


def test_two_coordinators_recover_a_host_who_sets_a_new_passphrase(
    visit: Callable[..., object], coordinator: Persona
) -> None:
    hana = enrol_second_factor(invite_member(coordinator, "hana", Role.HOST))
    bea = invite_member(coordinator, "bea", Role.COORDINATOR, established=True)

    first = visit(javascript=False, locale="en-GB")
    _log_in(first, coordinator)
    anna = first.page  # type: ignore[attr-defined]
    anna.goto(f"{first.origin}/en/accounts/team/")  # type: ignore[attr-defined]
    anna.locator("tr", has_text="hana").get_by_role("link", name="Lost passphrase").click()
    anna.get_by_label("How did you confirm it is really them?").fill("called her known number")
    anna.get_by_role("button", name="Start the recovery").click()
    first_code = anna.locator("[data-code=first]").inner_text().strip()
    assert "A second coordinator must approve" in anna.locator("main").inner_text()

    second = visit(javascript=False, locale="en-GB")
    _log_in(second, bea)
    approver = second.page  # type: ignore[attr-defined]
    approver.goto(f"{second.origin}/en/accounts/approvals/")  # type: ignore[attr-defined]
    row = approver.locator("tr", has_text="Give a member who lost their passphrase a new key")
    assert "called her known number" in row.inner_text()
    row.get_by_role("button", name="Approve").click()
    second_code = approver.locator("[data-code=second]").inner_text().strip()

    lost = visit(javascript=False, locale="ru-RU")
    page = lost.page  # type: ignore[attr-defined]
    page.goto(f"{lost.origin}/ru/accounts/login/")  # type: ignore[attr-defined]
    page.get_by_role("link", name="Я потерял(а) парольную фразу").click()
    page.get_by_label("Имя").fill("hana")
    page.get_by_label("Код от первого координатора").fill(first_code)
    page.get_by_label("Код от второго координатора").fill("не тот код")
    page.get_by_label("Новая парольная фраза", exact=True).fill(NEW)
    page.get_by_label("Новая парольная фраза ещё раз").fill(NEW)
    page.get_by_role("button", name="Задать новую парольную фразу").click()
    assert "не открывают восстановление" in page.locator("main").inner_text()
    assert page.get_by_label("Имя").input_value() == "hana"
    page.get_by_label("Код от второго координатора").fill(second_code)
    page.get_by_label("Новая парольная фраза", exact=True).fill(NEW)
    page.get_by_label("Новая парольная фраза ещё раз").fill(NEW)
    page.get_by_role("button", name="Задать новую парольную фразу").click()
    text = page.locator("main").inner_text()
    assert "Ваш ключ восстановлен" in text
    assert "1 предложение жилья" not in text  # she had none
    assert "Ваш второй фактор" in text

    hana.passphrase = NEW
    again = visit(javascript=False, locale="en-GB")
    _log_in(again, hana)
    again.page.goto(f"{again.origin}/en/accounts/")  # type: ignore[attr-defined]
    assert "/login/" not in again.page.url  # type: ignore[attr-defined]
    for session in (first, second, lost, again):
        assert session.foreign() == []  # type: ignore[attr-defined]
