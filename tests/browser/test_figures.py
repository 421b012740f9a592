"""The figures in a real browser with JavaScript off: a coordinator publishes them, and a funder
reads the public page in Russian on a phone, chart and tables, with nothing from another origin."""

import re
from collections.abc import Callable
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from haven.cases.models import Case
from haven.intake.services import Accepted
from haven.reports.release import week_of
from tests.conftest import Persona, totp_code

pytestmark = pytest.mark.browser


def test_coordinator_publishes_the_figures_and_a_funder_reads_them_on_a_phone(
    visit: Callable[..., object], coordinator: Persona, make_request: Callable[..., Accepted]
) -> None:
    week = week_of(timezone.localdate()) - timedelta(weeks=1)
    cases = [make_request(place="kz-almaty").case for _ in range(30)]
    hour = timezone.make_aware(datetime.combine(week + timedelta(days=1), time(9)))
    Case.objects.filter(pk__in=[case.pk for case in cases]).update(created_hour=hour)

    desk = visit(javascript=False, locale="en-GB")
    staff = desk.page  # type: ignore[attr-defined]
    origin = desk.origin  # type: ignore[attr-defined]
    staff.goto(f"{origin}/en/accounts/login/?next=/en/figures/")
    staff.locator("input[name=handle]").fill(coordinator.member.handle)
    staff.locator("input[name=passphrase]").fill(coordinator.passphrase)
    staff.get_by_role("button", name="Log in").click()
    staff.locator("input[name=code]").fill(totp_code(coordinator))
    staff.get_by_role("button", name="Log in").click()
    staff.wait_for_url(re.compile(r"/en/figures/$"))
    assert "Privacy ledger" in staff.locator("main").inner_text()
    staff.get_by_label("Publish these figures on a public page for funders").check()
    staff.get_by_role("button", name="Save").click()
    staff.wait_for_url(re.compile(r"/en/figures/$"))
    assert staff.get_by_label("Publish these figures on a public page for funders").is_checked()

    funder = visit(javascript=False, locale="ru-RU", phone=True)
    page = funder.page  # type: ignore[attr-defined]
    page.goto(f"{origin}/ru/figures/org/ark/")
    assert "Цифры" in page.locator("h1").inner_text()
    chart = page.locator("svg.weekly")
    assert chart.is_visible()
    assert "Заявки по неделям" in (chart.get_attribute("aria-label") or "")
    assert chart.bounding_box()["width"] <= 360
    assert "Казахстан" in page.locator("main").inner_text()
    # The page itself does not scroll sideways; only the wide tables do, inside their frame.
    width = page.evaluate("document.documentElement.scrollWidth")  # evaluated by Playwright
    assert width <= 360
    assert funder.foreign() == []  # type: ignore[attr-defined]
