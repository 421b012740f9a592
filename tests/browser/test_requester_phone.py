"""The requester's pages on a 360-pixel phone with JavaScript off, in Russian and in English: a
request with only the essentials is sent within two screens, errors are summed up at the top,
and no page has an accessibility fault axe-core can find or an id reference that leads nowhere."""

from collections.abc import Callable

import pytest
from django.utils import timezone

from haven.accounts.models import Organisation
from haven.cases.models import Case
from haven.intake.services import Accepted
from tests.browser.conftest import PHONE

pytestmark = pytest.mark.browser

SEND = {"ru": "Отправить заявку", "en": "Send my request"}
PLACE = {"ru": "Уральск", "en": "Oral"}


def _screens(page: object, selector: str) -> float:
    """How many phone screens down the bottom of the first element matching `selector` lies."""
    box = page.locator(selector).first.bounding_box()  # type: ignore[attr-defined]
    assert box is not None
    return float(box["y"] + box["height"]) / PHONE["height"]


@pytest.mark.parametrize("language", ["ru", "en"])
def test_a_request_with_only_the_essentials_is_sent_within_two_phone_screens(
    visit: Callable[..., object], organisation: Organisation, language: str
) -> None:
    session = visit(javascript=False, locale=f"{language}-{language.upper()}", phone=True)
    page = session.page  # type: ignore[attr-defined]
    page.goto(f"{session.origin}/{language}/help/ark/")  # type: ignore[attr-defined]
    send = f"button:has-text('{SEND[language]}')"
    whole, button = _screens(page, "body"), _screens(page, send)
    page.locator("details.more > summary").click()
    opened = _screens(page, "body")
    page.locator("details.more > summary").click()
    print(
        f"\n{language}: form {whole:.1f} phone screens long ({opened:.1f} with the optional part "
        f"open), first Send at {button:.1f}"
    )
    assert button <= 2.0
    page.locator("input[name=needs][value=shelter]").check()
    page.locator("select[name=place]").select_option(label=PLACE[language])
    page.locator("input[name=contact]").fill("@only_the_essentials")
    page.locator(send).first.click()
    assert len(page.locator("#codename").inner_text().split()) == 7
    case = Case.objects.get()
    assert (case.place, case.group_size, case.date_from) == ("kz-oral", 1, timezone.localdate())


def _colours(locator: object) -> tuple[str, str, str]:
    return locator.evaluate(  # type: ignore[attr-defined]
        "e => { const s = getComputedStyle(e); return [s.color, s.backgroundColor, s.borderColor] }"
    )


@pytest.mark.parametrize("language", ["ru", "en"])
def test_forgetting_a_request_is_a_button_that_looks_destructive(
    visit: Callable[..., object], make_request: Callable[..., Accepted], language: str
) -> None:
    codename = make_request().codename
    session = visit(javascript=False, locale=f"{language}-{language.upper()}", phone=True)
    page = session.page  # type: ignore[attr-defined]
    origin = f"{session.origin}/{language}"  # type: ignore[attr-defined]
    page.goto(origin + "/status/")
    page.locator("input[name=codename]").fill(codename)
    page.locator("main form button[type=submit]").click()
    page.goto(origin + "/status/forget/")
    forget = page.locator("button.danger")
    ordinary = page.locator("button.secondary, button:not([class])")
    assert page.locator("button.danger").count() == 1
    bad = "rgb(165, 29, 45)"  # --bad
    colour, background, border = _colours(forget)
    assert (colour, border) == (bad, bad) and background == "rgb(255, 255, 255)"
    assert forget.evaluate("e => getComputedStyle(e, '::before').content") == '"⚠ "'

    # Unlike every other button, and unlike Quick exit (filled red)
    assert _colours(page.locator("a.quick-exit"))[1] == bad
    for index in range(ordinary.count()):
        assert _colours(ordinary.nth(index))[0] != bad
    assert _screens(page, "button.danger") <= 2.0
