"""The volunteer network in a real browser, with JavaScript off for the essential actions."""

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from haven.accounts.models import Organisation
from haven.cases.models import Case
from haven.volunteers.models import BedOffer
from haven.volunteers.offering import bed_offer_save
from haven.volunteers.placements import placement_confirm
from tests.conftest import Persona, totp_code

pytestmark = pytest.mark.browser


def _log_in(session: object, persona: Persona) -> None:
    page = session.page  # type: ignore[attr-defined]
    page.goto(f"{session.origin}/en/accounts/login/")  # type: ignore[attr-defined]
    page.locator("input[name=handle]").fill(persona.member.handle)
    page.locator("input[name=passphrase]").fill(persona.passphrase)
    page.get_by_role("button", name="Log in").click()
    if "/login/code/" in page.url:
        page.locator("input[name=code]").fill(totp_code(persona))
        page.get_by_role("button", name="Log in").click()


def test_apply_vouch_approve_join_offer_pause(
    visit: Callable[..., object],
    organisation: Organisation,
    coordinator: Persona,
    elders: tuple[Persona, Persona],
) -> None:
    applicant = visit(javascript=False, locale="en-GB")
    page = applicant.page  # type: ignore[attr-defined]
    page.goto(f"{applicant.origin}/en/volunteer/")  # type: ignore[attr-defined]
    page.locator("input[name=offerings][value=beds]").check()
    page.locator("select[name=place]").select_option("ge-batumi")
    page.locator("input[name=languages][value=ru]").check()
    page.locator("input[name=name]").fill("Nino")
    page.locator("input[name=contact]").fill("@nino_batumi")
    page.get_by_role("button", name="Send").click()
    code = page.locator("#application-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{5}-[A-Z0-9]{5}", code)

    for elder in elders:
        session = visit(javascript=False, locale="en-GB")
        _log_in(session, elder)
        elder_page = session.page  # type: ignore[attr-defined]
        elder_page.goto(f"{session.origin}/en/network/vouch/")  # type: ignore[attr-defined]
        elder_page.locator("input[name=code]").fill(code)
        elder_page.locator("textarea[name=how_known]").fill("We have known each other for years.")
        elder_page.get_by_role("button", name="Vouch").click()
        assert "Waiting for vouches" in elder_page.locator("main").inner_text()

    desk = visit(javascript=False, locale="en-GB")
    _log_in(desk, coordinator)
    desk_page = desk.page  # type: ignore[attr-defined]
    desk_page.get_by_role("link", name="Applications").click()
    assert "2 / 2" in desk_page.locator("tbody").inner_text()
    desk_page.locator("tbody a").first.click()
    desk_page.locator("select[name=role]").select_option("host")
    desk_page.get_by_role("button", name="Approve").click()
    invite = desk_page.locator("#invite-code").inner_text().strip()

    page.goto(f"{applicant.origin}/en/accounts/join/")  # type: ignore[attr-defined]
    page.locator("input[name=code]").fill(invite)
    page.locator("input[name=handle]").fill("nino")
    page.locator("input[name=passphrase]").fill("nino's passphrase, long")
    page.locator("input[name=passphrase_again]").fill("nino's passphrase, long")
    page.get_by_role("button", name="Join").click()
    page.get_by_role("link", name="Log in").click()
    page.locator("input[name=handle]").fill("nino")
    page.locator("input[name=passphrase]").fill("nino's passphrase, long")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="My offers").click()
    page.get_by_role("link", name="Offer beds").click()
    today = timezone.localdate()
    page.locator("select[name=place]").select_option("ge-batumi")
    page.locator("input[name=capacity]").fill("3")
    page.locator("input[name=available_from]").fill(today.isoformat())
    page.locator("input[name=available_until]").fill((today + timedelta(days=14)).isoformat())
    page.locator("input[name=languages][value=ru]").check()
    page.locator("input[name=address]").fill("Batumi, Rustaveli 1")
    page.locator("input[name=contact]").fill("@nino_batumi")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Pause").click()
    assert "Paused" in page.locator("main").inner_text()
    assert BedOffer.objects.get().paused
    assert applicant.foreign() == []  # type: ignore[attr-defined]


def test_escrowed_address_appears_for_the_requester_after_the_host_accepts(
    visit: Callable[..., object],
    coordinator: Persona,
    host: Persona,
    make_request: Callable[..., object],
) -> None:
    accepted = make_request(group_size=2)
    today = timezone.localdate()
    offer = bed_offer_save(
        actor=host.member,
        offer=None,
        place="kz-almaty",
        capacity=2,
        available_from=today,
        available_until=today + timedelta(days=7),
        languages=["ru"],
        accepts=[],
        address="ул. Абая 150, кв. 12",
        contact="@hana_host",
        rules="",
    )
    placement_confirm(actor=coordinator.member, case=accepted.case, offer=offer)  # type: ignore[attr-defined]

    requester = visit(javascript=False, locale="ru-RU")
    page = requester.page  # type: ignore[attr-defined]
    page.goto(f"{requester.origin}/ru/status/")  # type: ignore[attr-defined]
    page.locator("input[name=codename]").fill(accepted.codename)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Открыть").click()
    text = page.locator("main").inner_text()
    assert "Алматы" in text and "ул. Абая" not in text

    hosting = visit(javascript=False, locale="en-GB")
    _log_in(hosting, host)
    host_page = hosting.page  # type: ignore[attr-defined]
    host_page.goto(f"{hosting.origin}/en/network/proposals/")  # type: ignore[attr-defined]
    assert "@telegram_handle" not in host_page.content()
    host_page.get_by_role("button", name="Accept").click()
    assert "Accepted by the host" in host_page.locator("main").inner_text()

    page.reload()
    assert "ул. Абая 150, кв. 12" in page.locator("#escrowed").inner_text()
    assert Case.objects.get(pk=accepted.case.pk).status == "in_progress"  # type: ignore[attr-defined]
    assert requester.foreign() == []  # type: ignore[attr-defined]
