"""A host turns on notifications by e-mail, is told what a notification reveals, turns them off
again and chooses Matrix instead, in a real browser with JavaScript off."""

from collections.abc import Callable

import pytest

from haven.notifications.models import Channel, Kind
from tests.browser.test_network import _log_in
from tests.conftest import Persona

pytestmark = pytest.mark.browser


def test_a_host_turns_notifications_on_and_off(visit: Callable[..., object], host: Persona) -> None:
    session = visit(javascript=False, locale="ru-RU")
    _log_in(session, host)
    page = session.page  # type: ignore[attr-defined]
    page.goto(f"{session.origin}/ru/accounts/")  # type: ignore[attr-defined]
    page.get_by_role("link", name="Уведомления").click()
    assert "никогда не узнают, кто, где и почему" in page.locator("main").inner_text()
    page.locator("input[name=address]").fill("hana at home")
    page.get_by_role("button", name="Сохранить").click()
    assert "name@example.org" in page.locator("main").inner_text()
    assert page.locator("input[name=address]").input_value() == "hana at home"
    page.locator("input[name=address]").fill("hana.notices@example.org")
    page.get_by_role("button", name="Сохранить").click()
    assert "Уведомления включены." in page.locator("[role=status]").inner_text()
    assert Channel.objects.get(member=host.member).enabled
    page.get_by_role("button", name="Выключить уведомления").click()
    assert "Уведомления выключены." in page.locator("[role=status]").inner_text()
    assert not Channel.objects.get(member=host.member).enabled
    # The same form takes a Matrix id instead; a bad one keeps what was typed and the choice.
    page.get_by_label("Matrix", exact=True).check()
    page.locator("input[name=address]").fill("hana на matrix")
    page.get_by_role("button", name="Сохранить").click()
    assert "@name:example.org" in page.locator("main").inner_text()
    assert page.locator("input[name=address]").input_value() == "hana на matrix"
    assert page.get_by_label("Matrix", exact=True).is_checked()
    page.locator("input[name=address]").fill("@hana:matrix.example.org")
    page.get_by_role("button", name="Сохранить").click()
    assert "Канал: Matrix." in page.locator("main").inner_text()
    assert Channel.objects.get(member=host.member).kind == Kind.MATRIX
    assert session.foreign() == []  # type: ignore[attr-defined]
