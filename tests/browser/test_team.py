"""The pages around the team: a new coordinator sets up a second factor, a member reports
someone, a coordinator reads the member's page and suspends them."""

from collections.abc import Callable

import pyotp
import pytest

from haven.accounts.models import Member, Role
from haven.volunteers.models import MemberReport
from tests.browser.test_network import _log_in
from tests.conftest import Persona, invite_member

pytestmark = pytest.mark.browser


def test_invite_second_factor_report_and_suspend(
    visit: Callable[..., object], coordinator: Persona, host: Persona
) -> None:
    # Invited while anna is the organisation's only coordinator, so the invite works at once.
    reporter = invite_member(coordinator, "watchful", Role.COUNSELOR)
    desk = visit(javascript=False, locale="en-GB")
    _log_in(desk, coordinator)
    page = desk.page  # type: ignore[attr-defined]
    page.get_by_role("link", name="Team").click()
    assert "This organisation has a single coordinator" in page.locator("main").inner_text()
    page.locator("select[name=role]").select_option("coordinator")
    page.get_by_role("button", name="Make an invite code").click()
    code = page.locator("p.codename").inner_text().strip()

    newcomer = visit(javascript=False, locale="en-GB")
    fresh = newcomer.page  # type: ignore[attr-defined]
    fresh.goto(f"{newcomer.origin}/en/accounts/join/")  # type: ignore[attr-defined]
    fresh.locator("input[name=code]").fill(code)
    fresh.locator("input[name=handle]").fill("second-coordinator")
    fresh.locator("input[name=passphrase]").fill("a second long passphrase")
    fresh.locator("input[name=passphrase_again]").fill("a second long passphrase")
    fresh.get_by_role("button", name="Join").click()
    fresh.get_by_role("link", name="Log in").click()
    fresh.locator("input[name=handle]").fill("second-coordinator")
    fresh.locator("input[name=passphrase]").fill("a second long passphrase")
    fresh.get_by_role("button", name="Log in").click()
    # A coordinator cannot reach the desk before turning on a second factor.
    assert fresh.url.endswith("/en/accounts/second-factor/")
    assert fresh.locator(".qr svg").count() == 1
    secret = fresh.locator("p.codename").inner_text().replace(" ", "")
    fresh.locator("input[name=code]").fill(pyotp.TOTP(secret).now())
    fresh.get_by_role("button", name="Turn on").click()
    assert fresh.url.endswith("/en/desk/")
    assert Member.objects.get(handle="second-coordinator").has_second_factor

    worried = visit(javascript=False, locale="en-GB")
    _log_in(worried, reporter)
    report_page = worried.page  # type: ignore[attr-defined]
    report_page.goto(f"{worried.origin}/en/accounts/")  # type: ignore[attr-defined]
    report_page.get_by_role("link", name="Report a member").click()
    report_page.locator("input[name=handle]").fill(host.member.handle)
    report_page.locator("textarea[name=text]").fill("Asked a guest for their passport number.")
    report_page.get_by_role("button", name="Send to the coordinators").click()
    assert "Only the coordinators can read it" in report_page.locator("main").inner_text()
    assert MemberReport.objects.filter(subject=host.member).count() == 1

    page.goto(f"{desk.origin}/en/accounts/team/")  # type: ignore[attr-defined]
    page.get_by_role("link", name=host.member.handle).click()
    assert "From watchful" in page.locator("main").inner_text()
    # The report's words open only with a reason, recorded like any reveal.
    assert "passport number" not in page.locator("main").inner_text()
    page.locator("#reports_reason").fill("looking into the report")
    page.get_by_role("button", name="Read the reports (recorded)").click()
    assert "Asked a guest for their passport number." in page.locator("#reports").inner_text()
    page.locator("#id_reason").fill("Asked guests for passport numbers")
    page.get_by_role("button", name="Suspend").click()
    assert "Suspended" in page.locator("main").inner_text()
    assert not Member.objects.get(pk=host.member.pk).is_active
    for session in (desk, newcomer, worried):
        assert session.foreign() == []  # type: ignore[attr-defined]
