"""From a request to a bed: suggestion, confirmation, the host's yes, the requester's address."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from haven.volunteers.models import Placement
from haven.volunteers.offering import bed_offer_save
from tests.browser.test_network import _log_in
from tests.conftest import Persona

pytestmark = pytest.mark.browser


def test_request_suggestion_confirm_accept_and_the_requester_sees_the_place(
    visit: Callable[..., object],
    coordinator: Persona,
    host: Persona,
    make_request: Callable[..., object],
) -> None:
    accepted = make_request(place="ge-batumi", urgency=5, group_size=2)
    today = timezone.localdate()
    bed_offer_save(
        actor=host.member,
        offer=None,
        place="ge-batumi",
        capacity=3,
        available_from=today,
        available_until=today + timedelta(days=10),
        languages=["ru", "ka"],
        accepts=[],
        address="Батуми, ул. Руставели 10",
        contact="@batumi_host",
        rules="",
    )

    desk = visit(locale="en-GB")
    _log_in(desk, coordinator)
    page = desk.page  # type: ignore[attr-defined]
    page.locator("tbody tr a").first.click()
    suggestion = page.locator("table.suggestions tbody tr").first
    assert "Batumi" in suggestion.inner_text() and "0 km" in suggestion.inner_text()
    suggestion.get_by_role("button", name="Propose to this host").click()
    assert "Waiting for the host" in page.locator("main").inner_text()

    requester = visit(javascript=False, locale="ru-RU")
    status = requester.page  # type: ignore[attr-defined]
    status.goto(f"{requester.origin}/ru/status/")  # type: ignore[attr-defined]
    status.locator("input[name=codename]").fill(accepted.codename)  # type: ignore[attr-defined]
    status.get_by_role("button", name="Открыть").click()
    shown = status.locator("main").inner_text()
    assert "Батуми" in shown and "Руставели" not in shown

    hosting = visit(javascript=False, locale="en-GB")
    _log_in(hosting, host)
    host_page = hosting.page  # type: ignore[attr-defined]
    host_page.goto(f"{hosting.origin}/en/network/proposals/")  # type: ignore[attr-defined]
    host_page.get_by_role("button", name="Accept").click()

    status.reload()
    assert "Батуми, ул. Руставели 10" in status.locator("#escrowed").inner_text()
    page.reload()
    assert "Accepted by the host" in page.locator("main").inner_text()


def test_match_beds_proposes_and_confirms_only_what_is_ticked(
    visit: Callable[..., object],
    coordinator: Persona,
    host: Persona,
    make_request: Callable[..., object],
) -> None:
    today = timezone.localdate()
    bed_offer_save(
        actor=host.member,
        offer=None,
        place="am-yerevan",
        capacity=4,
        available_from=today,
        available_until=today + timedelta(days=10),
        languages=["ru"],
        accepts=[],
        address="Ереван, ул. Абовяна 5",
        contact="@yerevan_host",
        rules="",
    )
    urgent = make_request(place="am-yerevan", urgency=5)
    make_request(place="am-yerevan", urgency=2)
    desk = visit(javascript=False, locale="en-GB")
    _log_in(desk, coordinator)
    page = desk.page  # type: ignore[attr-defined]
    page.get_by_role("link", name="Match beds across a country").click()
    page.locator("select[name=country]").select_option("AM")
    page.get_by_role("button", name="Propose placements").click()
    boxes = page.locator("input[name=pair]")
    assert boxes.count() == 2
    # Nothing is ticked in advance; each pair names its request, host, distance and nights.
    assert [boxes.nth(i).is_checked() for i in range(2)] == [False, False]
    plan = page.locator("table.plan tbody tr").first.inner_text()
    assert host.member.handle in plan and "0 km" in plan and "Yerevan" in plan
    boxes.nth(0).check()
    page.get_by_role("button", name="Confirm the ticked placements").click()
    assert "1 placement confirmed" in page.locator("main").inner_text()
    assert [p.case_id for p in Placement.objects.all()] == [urgent.case.pk]  # type: ignore[attr-defined]
    assert desk.foreign() == []  # type: ignore[attr-defined]
