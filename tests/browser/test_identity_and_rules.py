"""In a real browser, script off: reading a volunteer's name asks for a reason and keeps the page
on a mistake; two coordinators change the vetting rule together."""

from collections.abc import Callable

import pytest

from haven.accounts.models import Organisation, Role
from haven.volunteers.vetting import application_submit
from tests.browser.test_network import _log_in
from tests.conftest import Persona, invite_member

pytestmark = pytest.mark.browser


def test_reading_an_applicant_asks_for_a_reason(
    visit: Callable[..., object], organisation: Organisation, coordinator: Persona
) -> None:
    application, _code = application_submit(
        organisation=organisation,
        offerings=["beds"],
        place="ge-tbilisi",
        languages=["ru"],
        name="Nino",
        contact="@nino_tbilisi",
        about="",
    )
    desk = visit(javascript=False, locale="en-GB")
    _log_in(desk, coordinator)
    page = desk.page  # type: ignore[attr-defined]
    page.goto(f"{desk.origin}/en/network/applications/{application.pk}/")  # type: ignore[attr-defined]
    page.locator("input[name=reason]").fill("short")
    page.get_by_role(
        "button", name="Read name, contact and how the vouchers know them (recorded)"
    ).click()
    assert "@nino_tbilisi" not in page.locator("main").inner_text()
    assert page.locator("input[name=reason]").input_value() == "short"
    page.locator("input[name=reason]").fill("checking before the vouches")
    page.get_by_role(
        "button", name="Read name, contact and how the vouchers know them (recorded)"
    ).click()
    assert "@nino_tbilisi" in page.locator("main").inner_text()


def test_two_coordinators_change_the_vetting_rule(
    visit: Callable[..., object], coordinator: Persona
) -> None:
    bea = invite_member(coordinator, "bea", Role.COORDINATOR, established=True)
    asking = visit(javascript=False, locale="en-GB")
    _log_in(asking, coordinator)
    page = asking.page  # type: ignore[attr-defined]
    page.goto(f"{asking.origin}/en/accounts/team/")  # type: ignore[attr-defined]
    page.get_by_role("link", name="Vetting rule and reveal limit").click()
    page.locator("input[name=vouches_required]").fill("3")
    page.locator("input[name=reason]").fill("we were infiltrated last month")
    page.get_by_role("button", name="Ask to change them").click()
    assert "when a second coordinator approves" in page.locator("main").inner_text()

    approving = visit(javascript=False, locale="en-GB")
    _log_in(approving, bea)
    other = approving.page  # type: ignore[attr-defined]
    other.goto(f"{approving.origin}/en/accounts/approvals/")  # type: ignore[attr-defined]
    assert "we were infiltrated last month" in other.locator("main").inner_text()
    other.get_by_role("button", name="Approve").click()
    coordinator.member.organisation.refresh_from_db()
    assert coordinator.member.organisation.vouches_required == 3
