"""Two coordinators in a real browser, script off: one asks to shred a case early, the other
reads the reason on the approvals page and approves it."""

from collections.abc import Callable

import pytest

from haven.accounts.models import Role
from haven.cases.lifecycle import case_triage
from haven.cases.models import Case
from haven.intake.services import Accepted
from tests.browser.test_network import _log_in
from tests.conftest import Persona, invite_member

pytestmark = pytest.mark.browser


def test_one_coordinator_asks_to_shred_and_another_approves(
    visit: Callable[..., object], coordinator: Persona, make_request: Callable[..., Accepted]
) -> None:
    bea = invite_member(coordinator, "bea", Role.COORDINATOR, established=True)
    case = make_request().case
    case_triage(actor=coordinator.member, case=case, decision="accept")

    asking = visit(javascript=False, locale="en-GB")
    _log_in(asking, coordinator)
    page = asking.page  # type: ignore[attr-defined]
    page.goto(f"{asking.origin}/en/desk/{case.pk}/")  # type: ignore[attr-defined]
    page.locator("input[name=confirm]").check()
    page.locator("input[name=why]").fill("the requester's phone was seized")
    page.get_by_role("button", name="Shred").click()
    assert "when a second coordinator approves" in page.locator("main").inner_text()
    assert not Case.objects.get(pk=case.pk).shredded

    approving = visit(javascript=False, locale="en-GB")
    _log_in(approving, bea)
    other = approving.page  # type: ignore[attr-defined]
    assert "1 act waits" in other.locator("main").inner_text()
    other.get_by_role("link", name="1 act waits for a second coordinator's approval.").click()
    assert "the requester's phone was seized" in other.locator("main").inner_text()
    other.get_by_role("button", name="Approve").click()
    assert "Approved; it has been done." in other.locator("main").inner_text()
    assert Case.objects.get(pk=case.pk).shredded
