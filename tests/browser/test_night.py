"""The surge night from login to check-out: filter, open, take, triage, reveal the contact,
write, propose a bed, run the optimiser for the country, confirm a reviewed pair, the host
accepts, checks the guests in and out, and the coordinator resolves the case."""

from collections.abc import Callable

import pytest

from haven.cases.models import Case
from haven.volunteers.models import Decision, Placement
from tests.browser.night import Tally, log_in, night
from tests.conftest import Persona

pytestmark = pytest.mark.browser


def test_the_night_from_login_to_check_out(
    visit: Callable[..., object],
    coordinator: Persona,
    host: Persona,
    make_request: Callable[..., object],
) -> None:
    accepted = night(host, make_request)
    case = accepted.case  # type: ignore[attr-defined]
    desk = visit(locale="en-GB")
    page = desk.page  # type: ignore[attr-defined]
    origin = desk.origin  # type: ignore[attr-defined]
    tally = Tally()
    log_in(page, origin, coordinator, tally)
    tally.choose(page.locator("select[name=country]"), value="KZ")
    tally.choose(page.locator("select[name=urgency]"), value="5")
    tally.click(page.get_by_role("button", name="Filter"))
    tally.click(page.locator(f"a[href$='/desk/{case.pk}/']"))
    tally.click(page.get_by_role("button", name="Take this case"))
    assert "You have this case now." in page.locator("main").inner_text()
    tally.check(page.get_by_label("Take it on"))
    tally.click(page.get_by_role("button", name="Triage"))
    # The reveal comes first on the page and opens only what a placement needs.
    tally.check(page.locator("input[name=scope][value=placement]"))
    tally.fill(page.locator("input[name=reason]"), "placing them tonight")
    tally.click(page.get_by_role("button", name="Reveal"))
    sealed = page.locator("#sealed").inner_text()
    assert "@telegram_handle" in sealed and "повестку" not in sealed
    tally.fill(page.locator("#messages textarea[name=text]"), "We have a bed for you tonight.")
    tally.click(page.get_by_role("button", name="Send"))
    tally.click(page.get_by_role("button", name="Propose to this host").first)
    assert "Proposed to the host in Almaty" in page.locator("main").inner_text()
    tally.click(page.get_by_role("link", name="All requests"))
    tally.click(page.get_by_role("link", name="Match beds across a country"))
    tally.choose(page.locator("select[name=country]"), value="KZ")
    tally.click(page.get_by_role("button", name="Propose placements"))
    boxes = page.locator("input[name=pair]")
    assert boxes.count() >= 1 and not any(boxes.nth(i).is_checked() for i in range(boxes.count()))
    tally.check(boxes.first)
    tally.click(page.get_by_role("button", name="Confirm the ticked placements"))
    assert "1 placement confirmed" in page.locator("main").inner_text()

    # The host accepts, then records the guests' arrival and leaving (counted apart).
    hosting = visit(locale="en-GB")
    host_tally = Tally()
    host_page = hosting.page  # type: ignore[attr-defined]
    log_in(host_page, hosting.origin, host, host_tally)  # type: ignore[attr-defined]
    host_page.goto(f"{hosting.origin}/en/network/proposals/")  # type: ignore[attr-defined]
    row = host_page.locator(f"#placement-{Placement.objects.get(case=case).pk}")
    host_tally.click(row.get_by_role("button", name="Accept"))
    host_tally.click(row.get_by_role("button", name="They arrived: check in"))
    host_tally.click(row.get_by_role("button", name="They left: check out"))
    assert "Checked out" in row.inner_text()

    # The coordinator finds the case again and resolves it.
    tally.click(page.get_by_role("link", name="All requests"))
    tally.click(page.locator(f"a[href$='/desk/{case.pk}/']"))
    assert "recorded that the guests left" in page.locator("#history").inner_text()
    tally.choose(page.locator("select[name=status]"), value="resolved")
    tally.click(page.get_by_role("button", name="Move"))
    assert Case.objects.get(pk=case.pk).status == "resolved"
    assert Placement.objects.get(case=case).decision == Decision.CHECKED_OUT
    assert desk.foreign() == [] and hosting.foreign() == []  # type: ignore[attr-defined]
    print(
        f"\nNIGHT-AFTER coordinator clicks={tally.clicks} entries={tally.entries} "
        f"seconds={tally.seconds():.1f}; host clicks={host_tally.clicks} "
        f"entries={host_tally.entries}"
    )
