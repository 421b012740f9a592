"""A requester on Tor Browser at "Safest": no JavaScript. In Russian and in English."""

import re
from collections.abc import Callable

import pytest
from django.test import override_settings
from django.utils import timezone

from haven.accounts.models import Organisation
from haven.cases.models import Case
from haven.intake.services import Accepted

pytestmark = pytest.mark.browser

TEXT = {
    "ru": {
        "ask": "Попросить о помощи",
        "send": "Отправить заявку",
        "contact_error": "Укажите хотя бы один способ связи",
        "check": "Проверить мою заявку",
        "open": "Открыть",
        "new": "Волонтёры ещё не смотрели её",
        "busy": "Попробуйте через минуту",
        "again": "Отправить заявку ещё раз",
    },
    "en": {
        "ask": "Ask for help",
        "send": "Send my request",
        "contact_error": "Give one way to reach you",
        "check": "Check my request",
        "open": "Open",
        "new": "Volunteers have not looked at it yet",
        "busy": "Try again in a minute",
        "again": "Send my request again",
    },
}


@pytest.mark.parametrize("language", ["ru", "en"])
def test_requester_asks_for_help_and_comes_back_with_the_codename(
    visit: Callable[..., object], organisation: Organisation, language: str
) -> None:
    text = TEXT[language]
    session = visit(javascript=False, locale=f"{language}-{language.upper()}")
    page = session.page  # type: ignore[attr-defined]
    page.goto(f"{session.origin}/{language}/")  # type: ignore[attr-defined]
    page.get_by_role("link", name=text["ask"]).click()
    page.wait_for_url(re.compile(r"/help/ark/$"))

    page.locator("input[name=needs][value=shelter]").check()
    place = "Уральск" if language == "ru" else "Oral"
    page.locator("select[name=place]").select_option(label=place)
    page.locator("details.more > summary").click()  # the optional part opens without script
    page.locator("input[name=group_size]").fill("3")
    page.locator("input[name=urgency][value='5']").check()
    page.locator("textarea[name=story]").fill("Нас трое, ночевать негде.")
    page.get_by_role("button", name=text["send"]).first.click()

    # Forgot the contact: the error is summed up at the top, linked to the field, and stands
    # beside it; nothing typed is lost.
    summary = page.locator(".error-summary")
    assert text["contact_error"] in summary.get_by_role("link").inner_text()
    assert summary.get_by_role("link").get_attribute("href") == "#id_contact"
    assert text["contact_error"] in page.locator("#id_contact_error").inner_text()
    assert page.locator("textarea[name=story]").input_value() == "Нас трое, ночевать негде."
    # A city's name is its option's value: the form stays light (see RequestForm's PlaceField).
    assert page.locator("select[name=place]").input_value() == place
    page.locator("input[name=contact]").fill("@three_of_us")
    page.get_by_role("button", name=text["send"]).first.click()

    codename = page.locator("#codename").inner_text().strip()
    assert len(codename.split()) == 7
    case = Case.objects.get()
    assert (case.place, case.group_size, case.urgency, case.date_from) == (
        "kz-oral",
        3,
        5,
        timezone.localdate(),
    )

    page.get_by_role("link", name=text["check"]).click()
    page.locator("input[name=codename]").fill(codename.upper())
    page.get_by_role("button", name=text["open"]).click()
    assert text["new"] in page.locator("main").inner_text()

    assert session.foreign() == []  # type: ignore[attr-defined]
    assert not any(url.endswith(".js") for url in session.requests)  # type: ignore[attr-defined]


@pytest.mark.parametrize("language", ["ru", "en"])
def test_a_requester_leaves_a_ping_address_and_switches_it_off_without_script(
    visit: Callable[..., object],
    organisation: Organisation,
    make_request: Callable[..., Accepted],
    language: str,
) -> None:
    from haven.notifications.models import Ping
    from haven.notifications.services import ping_address_of

    words = {
        "ru": ("Присылать сигнал", "Введите адрес электронной почты", "Выключить сигналы"),
        "en": ("Ping me", "Enter an e-mail address", "Switch pings off"),
    }
    ping_me, bad_address, switch_off = words[language]
    accepted = make_request()
    session = visit(javascript=False, locale=f"{language}-{language.upper()}")
    page = session.page  # type: ignore[attr-defined]
    page.goto(f"{session.origin}/{language}/status/")  # type: ignore[attr-defined]
    page.locator("input[name=codename]").fill(accepted.codename)
    page.locator("form button[type=submit]").first.click()
    page.locator("input[name=address]").fill("me at home")
    page.get_by_role("button", name=ping_me).click()
    assert bad_address in page.locator("main").inner_text()
    assert page.locator("input[name=address]").input_value() == "me at home"
    page.locator("input[name=address]").fill("me@example.org")
    page.get_by_role("button", name=ping_me).click()
    assert "me@example.org" not in page.content()
    assert ping_address_of(Ping.objects.get(case=accepted.case)) == "me@example.org"
    page.get_by_role("button", name=switch_off).click()
    assert not Ping.objects.get(case=accepted.case).enabled
    assert not any(url.endswith(".js") for url in session.requests)  # type: ignore[attr-defined]


@pytest.mark.parametrize("language", ["ru", "en"])
def test_a_requester_turned_away_in_a_surge_sends_the_kept_answers_with_one_press(
    visit: Callable[..., object], organisation: Organisation, language: str
) -> None:
    text = TEXT[language]
    session = visit(javascript=False, locale=f"{language}-{language.upper()}")
    page = session.page  # type: ignore[attr-defined]
    story = 'Нас двое, <b>"срочно"</b> & без денег.'
    with override_settings(HAVEN_INTAKE_PER_MINUTE=0):  # this minute's budget is spent
        page.goto(f"{session.origin}/{language}/help/ark/")  # type: ignore[attr-defined]
        page.locator("input[name=needs][value=shelter]").check()
        page.locator("input[name=needs][value=legal]").check()
        page.locator("select[name=place]").select_option(
            label="Тбилиси" if language == "ru" else "Tbilisi"
        )
        page.locator("details.more > summary").click()
        page.locator("input[name=group_size]").fill("2")
        page.locator("input[name=urgency][value='4']").check()
        page.locator("input[name=contact]").fill("@two_of_us")
        page.locator("textarea[name=story]").fill(story)
        page.get_by_role("button", name=text["send"]).first.click()
        assert page.locator("h1").inner_text() == text["busy"]
        # What was typed, markup and quotes included, rides along unchanged.
        assert page.locator("input[name=story]").input_value() == story
        assert page.locator("input[name=contact]").input_value() == "@two_of_us"
        assert Case.objects.count() == 0

    # A minute later, one press sends what was typed.
    page.get_by_role("button", name=text["again"]).click()
    codename = page.locator("#codename").inner_text().strip()
    assert len(codename.split()) == 7
    case = Case.objects.get()
    assert (case.place, case.group_size, case.need_shelter, case.need_legal) == (
        "ge-tbilisi",
        2,
        True,
        True,
    )

    assert session.foreign() == []  # type: ignore[attr-defined]
    assert not any(url.endswith(".js") for url in session.requests)  # type: ignore[attr-defined]


def test_quick_exit_leaves_for_a_neutral_site_and_forgets_the_session(
    visit: Callable[..., object], organisation: Organisation
) -> None:
    session = visit(javascript=False)
    page = session.page  # type: ignore[attr-defined]
    page.goto(f"{session.origin}/ru/help/ark/")  # type: ignore[attr-defined]
    page.locator("a.quick-exit").click()
    page.wait_for_url(re.compile(r"^https://www\.wikipedia\.org/"))
    assert session.context.cookies(session.origin) == []  # type: ignore[attr-defined]
