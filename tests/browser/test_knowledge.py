"""The knowledge base in a real browser: an editor edits a fact, sees it with its source and age,
finds the change in the revision list and reverts it, and verifies facts from the review queue; a
requester with JavaScript off on a 360-px phone starts from their situation, reads a dangerous
country's first screen in both languages, and screens their options in Russian."""

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from haven.knowledge.models import FactRevision
from tests.conftest import Persona, totp_code

pytestmark = pytest.mark.browser

SOURCE_TITLE = "Migration Service of Kazakhstan: rules for EAEU citizens"
SOURCE_LINE = f"https://www.gov.kz/memleket/entities/migration | {SOURCE_TITLE} | 2026-11-20"


def test_coordinator_edits_a_fact_sees_it_in_the_revisions_and_reverts_it(
    visit: Callable[..., object], coordinator: Persona
) -> None:
    session = visit(locale="en-GB")
    page = session.page  # type: ignore[attr-defined]
    origin = session.origin  # type: ignore[attr-defined]
    page.goto(f"{origin}/en/accounts/login/?next=/en/knowledge/counsel/kz/")
    page.locator("input[name=handle]").fill(coordinator.member.handle)
    page.locator("input[name=passphrase]").fill(coordinator.passphrase)
    page.get_by_role("button", name="Log in").click()
    page.locator("input[name=code]").fill(totp_code(coordinator))
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/en/knowledge/counsel/kz/$"))

    stay = page.locator("section#visa_free_days")
    assert "At most 90 days in any 180" in stay.inner_text()
    stay.get_by_role("link", name="Edit or verify").click()

    # Without a source the edit is refused beside the field, and what was typed stays.
    page.locator("textarea[name=value_en]").fill("At most 30 days in any 180 for EAEU citizens.")
    page.locator("textarea[name=value_ru]").fill("Не больше 30 дней из любых 180 для граждан ЕАЭС.")
    page.locator("input[name=days]").fill("30")
    page.locator("textarea[name=sources]").fill("")
    page.get_by_role("button", name="Save").click()
    assert "without a source" in page.locator("#id_sources_error").inner_text()
    assert page.locator("input[name=days]").input_value() == "30"

    page.locator("textarea[name=sources]").fill(SOURCE_LINE)
    page.locator("#id_note").fill("The Migration Service shortened the stay.")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/en/knowledge/counsel/kz/#visa_free_days$"))
    stay = page.locator("section#visa_free_days")
    stay.locator("details.sources summary").click()  # the sources fold away until asked for
    shown = stay.inner_text()
    assert "At most 30 days in any 180 for EAEU citizens." in shown
    assert SOURCE_TITLE in shown
    assert "Not checked since 20 November 2026" in shown

    stay.get_by_role("link", name="History").click()
    revision = FactRevision.objects.get()
    row = page.locator(f"tr#revision-{revision.pk}")
    assert "The Migration Service shortened the stay." in row.inner_text()
    assert coordinator.member.handle in row.inner_text()
    row.get_by_role("link", name=f"Compare #{revision.pk}").click()
    assert "At most 90 days in any 180" in page.locator("td.old").first.inner_text()
    assert "At most 30 days in any 180" in page.locator("td.new").first.inner_text()

    page.get_by_role("button", name=re.compile("^Revert")).click()
    page.wait_for_url(re.compile(r"/en/knowledge/counsel/kz/#visa_free_days$"))
    page.locator("section#visa_free_days details.sources summary").click()
    shown = page.locator("section#visa_free_days").inner_text()
    assert "At most 90 days in any 180" in shown
    assert "Kazakhstan amends immigration rules" in shown
    assert SOURCE_TITLE not in shown
    assert FactRevision.objects.count() == 2
    assert session.foreign() == []  # type: ignore[attr-defined]


def test_requester_reads_a_country_and_screens_options_without_javascript_in_russian(
    visit: Callable[..., object], db: None
) -> None:
    session = visit(javascript=False, locale="ru-RU")
    page = session.page  # type: ignore[attr-defined]
    page.goto(f"{session.origin}/ru/knowledge/countries/")  # type: ignore[attr-defined]
    assert page.locator("a.quick-exit").count() == 1
    page.get_by_role("link", name="Казахстан", exact=True).click()
    page.wait_for_url(re.compile(r"/ru/knowledge/kz/$"))
    stay = page.locator("section#visa_free_days").inner_text()
    assert "Не больше 90 дней из любых 180" in stay
    assert "Kazakhstan amends immigration rules" in stay  # the source, as it is titled
    assert "19 января 2023" in stay  # the newest source's day, in Russian

    page.goto(f"{session.origin}/ru/knowledge/screener/")  # type: ignore[attr-defined]
    page.locator("input[name=status][value=not_called_up]").check()
    page.locator("input[name=documents][value=internal_passport]").check()
    page.locator("select[name=current_country]").select_option("RU")
    page.locator("form button[type=submit]").click()
    results = page.locator("#results").inner_text()
    assert "Казахстан: опасно для вас" in results  # the danger before anything else
    assert "Грузия: сейчас нельзя: нужен загранпаспорт" in results
    assert "status=" not in page.url  # the answers stay out of the address bar and history
    assert page.locator("input[name=status][value=not_called_up]").is_checked()

    assert session.foreign() == []  # type: ignore[attr-defined]
    assert not any(url.endswith(".js") for url in session.requests)  # type: ignore[attr-defined]


PHONE = {"width": 360, "height": 740}


def test_requester_starts_from_where_they_are_on_a_phone_without_javascript(
    visit: Callable[..., object], db: None
) -> None:
    session = visit(javascript=False, locale="ru-RU")
    page = session.page  # type: ignore[attr-defined]
    page.set_viewport_size(PHONE)
    page.goto(f"{session.origin}/ru/knowledge/")  # type: ignore[attr-defined]
    assert page.locator("a.quick-exit").count() == 1
    situations = page.locator("ul.situations li")
    assert situations.count() == 4
    # Every situation is on the first screen, above the fold of a small phone.
    assert situations.last.bounding_box()["y"] < PHONE["height"] * 2
    page.locator('a[href="/ru/knowledge/now/detained/"]').click()
    page.wait_for_url(re.compile(r"/ru/knowledge/now/detained/$"))
    step = page.locator(".next-step")
    assert step.bounding_box()["y"] < PHONE["height"]  # the next step is on the first screen
    assert "Обратиться к консультанту" in step.inner_text()
    assert page.locator("ul.topic-items li").count() >= 3
    # Sources fold away: a long address never pushes the facts off the screen.
    assert page.locator("details.sources").first.evaluate("d => d.open") is False
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.locator('a[href="/ru/knowledge/topic/detained_abroad/"]').first.click()
    page.wait_for_url(re.compile(r"/ru/knowledge/topic/detained_abroad/$"))
    assert page.locator("ul.topic-items li").count() >= 5
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert session.foreign() == []  # type: ignore[attr-defined]
    assert not any(url.endswith(".js") for url in session.requests)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("language", "question", "at_risk"),
    [
        ("en", "Can you be handed back to Russia from here?", "You are at risk where you are"),
        ("ru", "Могут ли вас выдать России отсюда?", "Вы в опасности там, где вы сейчас"),
    ],
)
def test_a_dangerous_countrys_first_screen_says_the_danger_on_a_phone(
    visit: Callable[..., object],
    db: None,
    language: str,
    question: str,
    at_risk: str,
    tmp_path: Path,
) -> None:
    session = visit(javascript=False, locale=f"{language}-GB" if language == "en" else "ru-RU")
    page = session.page  # type: ignore[attr-defined]
    page.set_viewport_size(PHONE)
    origin = session.origin  # type: ignore[attr-defined]
    page.goto(f"{origin}/{language}/knowledge/countries/")
    page.locator("select[name=status]").select_option("deserter")
    page.locator("select[name=here]").select_option("kz")
    page.locator("form.choose button[type=submit]").click()
    high = page.locator("section.level-group.danger-high")
    assert high.bounding_box()["y"] < PHONE["height"] * 2
    page.locator(f'section.level-group.danger-high a[href^="/{language}/knowledge/kz/"]').click()
    page.wait_for_url(re.compile(rf"/{language}/knowledge/kz/\?status=deserter&here=kz$"))
    warning = page.locator(".at-risk")
    assert at_risk in warning.inner_text()
    assert warning.bounding_box()["y"] < PHONE["height"]  # first screen
    danger = page.locator("section#danger")
    assert question in danger.inner_text()
    assert danger.bounding_box()["y"] < PHONE["height"] * 1.5
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(tmp_path / f"kz-{language}.png"))
    # Each part names its newest source; every source, with its address, is one click away.
    danger.locator('a[href$="/sources/#danger_deserter"]').click()
    page.wait_for_url(re.compile(rf"/{language}/knowledge/kz/sources/#danger_deserter$"))
    assert page.locator("#danger_deserter").count() == 1
    assert "https://" in page.locator("main ol").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert session.foreign() == []  # type: ignore[attr-defined]


def test_editor_verifies_the_most_dangerous_fact_first_from_the_review_queue(
    visit: Callable[..., object], coordinator: Persona
) -> None:
    session = visit(locale="en-GB")
    page = session.page  # type: ignore[attr-defined]
    origin = session.origin  # type: ignore[attr-defined]
    page.goto(f"{origin}/en/accounts/login/?next=/en/knowledge/review/")
    page.locator("input[name=handle]").fill(coordinator.member.handle)
    page.locator("input[name=passphrase]").fill(coordinator.passphrase)
    page.get_by_role("button", name="Log in").click()
    page.locator("input[name=code]").fill(totp_code(coordinator))
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/en/knowledge/review/$"))
    first = page.locator("section.review-item").first
    assert "danger-high" in (first.get_attribute("class") or "")
    # Verifying without ticking a source is refused, and says what to do.
    with_sources = page.locator("section.review-item:has(input[name=against])").first
    ident = with_sources.get_attribute("id")
    with_sources.get_by_role("button", name=re.compile("^Verified")).click()
    assert "Tick the sources you read the fact in again." in page.locator("main").inner_text()
    page.goto(f"{origin}/en/knowledge/review/")
    item = page.locator(f"section#{ident}")
    for box in item.locator("input[name=against]").all():
        box.check()
    item.get_by_role("button", name=re.compile("^Verified")).click()
    page.wait_for_url(re.compile(r"/en/knowledge/review/"))
    assert page.locator(f"section#{ident}").count() == 0
    assert FactRevision.objects.get().kind == "verify"
    assert session.foreign() == []  # type: ignore[attr-defined]
