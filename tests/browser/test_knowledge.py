"""The knowledge base in a real browser: a coordinator edits a fact, sees it with its source and
date, finds the change in the revision list and reverts it; a requester with JavaScript off reads
a country and screens their options in Russian."""

import re
from collections.abc import Callable

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
    stay.get_by_role("link", name="Edit").click()

    # Without a source the edit is refused beside the field, and what was typed stays.
    page.locator("textarea[name=value_en]").fill("At most 30 days in any 180 for EAEU citizens.")
    page.locator("textarea[name=value_ru]").fill("Не больше 30 дней из любых 180 для граждан ЕАЭС.")
    page.locator("input[name=days]").fill("30")
    page.locator("textarea[name=sources]").fill("")
    page.get_by_role("button", name="Save").click()
    assert "without a source" in page.locator("#id_sources_error").inner_text()
    assert page.locator("input[name=days]").input_value() == "30"

    page.locator("textarea[name=sources]").fill(SOURCE_LINE)
    page.locator("input[name=note]").fill("The Migration Service shortened the stay.")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/en/knowledge/counsel/kz/#visa_free_days$"))
    stay = page.locator("section#visa_free_days")
    shown = stay.inner_text()
    assert "At most 30 days in any 180 for EAEU citizens." in shown
    assert SOURCE_TITLE in shown
    assert "Last verified: 20 November 2026" in shown

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
    page.goto(f"{session.origin}/ru/knowledge/")  # type: ignore[attr-defined]
    assert page.locator("a.quick-exit").count() == 1
    page.get_by_role("link", name="Казахстан", exact=True).click()
    page.wait_for_url(re.compile(r"/ru/knowledge/kz/$"))
    stay = page.locator("section#visa_free_days").inner_text()
    assert "Не больше 90 дней из любых 180" in stay
    assert "Kazakhstan amends immigration rules" in stay  # the source, as it is titled
    assert "19 января 2023" in stay  # last verified, in Russian

    page.goto(f"{session.origin}/ru/knowledge/screener/")  # type: ignore[attr-defined]
    page.locator("input[name=status][value=not_called_up]").check()
    page.locator("input[name=documents][value=internal_passport]").check()
    page.locator("select[name=current_country]").select_option("RU")
    page.locator("form button[type=submit]").click()
    results = page.locator("#results").inner_text()
    assert "Казахстан: похоже, можно с вашими документами (без визы до 90 дней)." in results
    assert "посоветуйтесь с консультантом" in results
    assert "status=" not in page.url  # the answers stay out of the address bar and history
    assert page.locator("input[name=status][value=not_called_up]").is_checked()

    assert session.foreign() == []  # type: ignore[attr-defined]
    assert not any(url.endswith(".js") for url in session.requests)  # type: ignore[attr-defined]
