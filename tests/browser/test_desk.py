"""A coordinator triages on the desk and reveals a request's sealed details with a reason."""

from collections.abc import Callable

import pytest

from haven.audit.models import Event
from haven.intake.services import Accepted
from tests.conftest import Persona, totp_code

pytestmark = pytest.mark.browser


def test_coordinator_reveals_a_request_with_a_reason(
    visit: Callable[..., object], coordinator: Persona, make_request: Callable[..., Accepted]
) -> None:
    make_request(place="ge-tbilisi", urgency=2, story="Нужен юрист в Тбилиси.")
    make_request(place="kz-oral", urgency=5, story="Ночевать негде, Уральск.")
    session = visit(locale="en-GB")
    page = session.page  # type: ignore[attr-defined]
    page.goto(f"{session.origin}/en/accounts/login/")  # type: ignore[attr-defined]
    page.locator("input[name=handle]").fill(coordinator.member.handle)
    page.locator("input[name=passphrase]").fill(coordinator.passphrase)
    page.get_by_role("button", name="Log in").click()
    page.locator("input[name=code]").fill(totp_code(coordinator))
    page.get_by_role("button", name="Log in").click()

    rows = page.locator("tbody tr")
    assert rows.count() == 2
    assert "Oral" in rows.nth(0).inner_text()  # the most urgent comes first
    page.locator("select[name=country]").select_option("GE")
    page.get_by_role("button", name="Filter").click()
    assert page.locator("tbody tr").count() == 1
    page.locator("tbody tr a").first.click()
    assert "Нужен юрист" not in page.content()

    page.get_by_role("button", name="Reveal").click()
    assert "Say why you need to read this" in page.locator("main").inner_text()
    page.locator("input[name=scope][value=full]").check()
    page.locator("input[name=reason]").fill("finding a lawyer in Tbilisi")
    page.get_by_role("button", name="Reveal").click()
    revealed = page.locator("main").inner_text()
    assert "Нужен юрист в Тбилиси." in revealed
    assert "Received a call-up paper" in revealed  # the sealed choice, shown as words
    assert Event.objects.filter(action="case.reveal", actor=coordinator.member).count() == 1
    assert session.foreign() == []  # type: ignore[attr-defined]
