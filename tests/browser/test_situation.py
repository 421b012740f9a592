"""The situation board in a real browser with JavaScript off, in Russian and in English: a
requester reports a crossing without an account and sees it on the board as unconfirmed; a
volunteer confirms it at the desk and the board states it."""

import re
from collections.abc import Callable

import pytest

from haven.situation.models import CrossingReport
from tests.conftest import Persona

pytestmark = pytest.mark.browser

TEXT = {
    "ru": {
        "board": "Пункты пропуска сейчас: очереди, проверки, развороты",
        "report": "Сообщить о пункте пропуска",
        "send": "Отправить сообщение",
        "missing": "Выберите пункт пропуска.",
        "crossing": "Верхний Ларс – Казбеги",
        "when": "2 часа назад",
        "thanks": "Спасибо: сообщение получено",
        "back": "Назад к пунктам пропуска",
        "unconfirmed": "Не подтверждено: в сообщении сказано «Развернули».",
        "evidence": "1 сообщение за последние 3 часа, анонимное.",
        "confirmed": "Развернули — подтверждено волонтёром.",
    },
    "en": {
        "board": "Border crossings now: queues, checks, turn-backs",
        "report": "Report a crossing",
        "send": "Send the report",
        "missing": "Choose the crossing point.",
        "crossing": "Upper Lars – Kazbegi",
        "when": "2 hours ago",
        "thanks": "Thank you: your report is in",
        "back": "Back to the board",
        "unconfirmed": "Unconfirmed: a report says “Turned back”.",
        "evidence": "1 report in the last 3 hours, anonymous.",
        "confirmed": "Turned back — confirmed by a volunteer.",
    },
}


@pytest.mark.parametrize("language", ["ru", "en"])
def test_requester_reports_a_crossing_without_javascript_and_a_volunteer_confirms_it(
    visit: Callable[..., object], counselor: Persona, language: str
) -> None:
    text = TEXT[language]
    session = visit(javascript=False, locale=f"{language}-{language.upper()}")
    page = session.page  # type: ignore[attr-defined]
    origin = session.origin  # type: ignore[attr-defined]
    page.goto(f"{origin}/{language}/")
    page.get_by_role("link", name=text["board"]).click()
    page.wait_for_url(re.compile(rf"/{language}/situation/$"))
    page.get_by_role("link", name=text["report"]).first.click()

    # Forgot the crossing: the error stands beside the field and what was chosen stays.
    page.locator("input[name=outcome][value=turned_back]").check()
    page.locator("input[name=incidents][value=phone_searched]").check()
    page.locator("input[name=queue][value='6h_12h']").check()
    page.locator("select[name=hours_ago]").select_option(label=text["when"])
    page.get_by_role("button", name=text["send"]).click()
    assert text["missing"] in page.locator("#id_crossing_error").inner_text()
    assert page.locator("input[name=outcome][value=turned_back]").is_checked()
    assert page.locator("input[name=incidents][value=phone_searched]").is_checked()

    page.locator("select[name=crossing]").select_option(label=text["crossing"])
    page.get_by_role("button", name=text["send"]).click()
    assert text["thanks"] in page.locator("h1").inner_text()
    page.get_by_role("link", name=text["back"]).click()

    upper_lars = page.locator("#upper-lars-out")
    assert text["unconfirmed"] in upper_lars.inner_text()
    assert text["evidence"] in upper_lars.inner_text()
    assert session.foreign() == []  # type: ignore[attr-defined]
    report = CrossingReport.objects.get()
    assert (report.kind, report.phone_searched) == ("anonymous", True)

    # A volunteer, also without script, confirms it at the desk.
    desk = visit(javascript=False, locale="en-GB")
    staff = desk.page  # type: ignore[attr-defined]
    staff.goto(f"{origin}/en/accounts/login/?next=/en/situation/desk/")
    staff.locator("input[name=handle]").fill(counselor.member.handle)
    staff.locator("input[name=passphrase]").fill(counselor.passphrase)
    staff.get_by_role("button", name="Log in").click()
    staff.wait_for_url(re.compile(r"/en/situation/desk/$"))
    staff.locator(f"#report-{report.pk}").get_by_role("button", name="Confirm").click()
    staff.wait_for_url(re.compile(r"/en/situation/desk/$"))
    assert "Confirmed" in staff.locator(f"#report-{report.pk}").inner_text()

    page.reload()
    assert text["confirmed"] in page.locator("#upper-lars-out").inner_text()
