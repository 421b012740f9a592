"""The knowledge pages: requester-safe reading and screening, counselors' detail, coordinators'
editing with revisions, compare and revert, and stale facts marked and listed."""

import re

from django.test import Client
from django.utils import timezone

from haven.knowledge.models import Fact, FactRevision
from haven.knowledge.queries import fact
from tests.conftest import Persona, login
from tests.knowledge.factories import NEW_SOURCE, edit_kazakh_stay

EDIT_URL = "/en/knowledge/edit/kz/visa_free_days/"
COUNSEL_KZ = "/en/knowledge/counsel/kz/"


def _section(html: str, field: str) -> str:
    """The part of a country page that shows one field."""
    match = re.search(rf'<section id="{field}".*?</section>', html, flags=re.S)
    assert match, field
    return match.group(0)


def _edit_form(**overrides: str) -> dict[str, str]:
    form = {
        "value_en": "At most 30 days in any 180.",
        "value_ru": "Не больше 30 дней из любых 180.",
        "sources": f"{NEW_SOURCE.url} | {NEW_SOURCE.title} | {NEW_SOURCE.date}",
        "known": "on",
        "days": "30",
        "visa": "none",
        "note": "New rule.",
    }
    form.update(overrides)
    return form


# --- requester-safe pages -------------------------------------------------------------------------


def test_requester_reads_a_country_in_russian_with_sources_and_dates(db: None) -> None:
    response = Client().get("/ru/knowledge/kz/")
    assert response.status_code == 200
    html = response.content.decode()
    stay = _section(html, "visa_free_days")
    assert "Не больше 90 дней из любых 180" in stay
    assert "Kazakhstan amends immigration rules" in stay  # the newest source, named
    assert '<time datetime="2023-01-19">' in stay
    sources = Client().get("/ru/knowledge/kz/sources/").content.decode()
    assert "astanatimes.com" in sources  # every address, on the country's sources page
    assert 'href="/exit/"' in html  # quick exit
    assert "/edit/" not in html and "/counsel/" not in html
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'none'" in policy


def test_an_unknown_country_is_not_found(db: None) -> None:
    assert Client().get("/en/knowledge/xx/").status_code == 404


def test_requester_screens_in_plain_words_and_nothing_is_stored(db: None) -> None:
    revisions, facts = FactRevision.objects.count(), list(Fact.objects.values())
    response = Client().post(
        "/ru/knowledge/screener/",
        {"status": "not_called_up", "documents": ["internal_passport"], "current_country": "RU"},
    )
    assert response.status_code == 200
    text = response.content.decode()
    # A man without a call-up paper reads Kazakhstan's danger for him first (medium in 2026),
    # never "it looks possible"; Georgia does not take the internal passport.
    assert "Казахстан: опасно для вас" in text
    assert "Реальная опасность." in text
    assert "Грузия: сейчас нельзя: нужен загранпаспорт" in text
    assert "status=" not in response.get("Location", "")
    assert FactRevision.objects.count() == revisions and list(Fact.objects.values()) == facts


def test_the_web_screening_shows_the_age_and_grounds_the_api_gives(db: None) -> None:
    answers = {"status": "deserter", "documents": ["internal_passport"], "current_country": "KZ"}
    html = Client().post("/en/knowledge/screener/", answers).content.decode()
    assert "You are at risk where you are" in html
    assert html.index("You are at risk where you are") < html.index("What we found")
    assert "Kazakhstan: Danger for deserters: not checked since" in html
    api = Client().post("/api/v1/screener", answers, content_type="application/json").json()
    grounds = {g for o in api["options"] for line in o["grounds"] for g in line["facts"]}
    assert "unhcr_gip_10" in grounds
    assert "Grounds that may protect you" in html and "UNHCR Guidelines" in html


def test_a_screener_answer_left_out_is_named_and_the_rest_kept(db: None) -> None:
    response = Client().post(
        "/en/knowledge/screener/",
        {"documents": ["international_passport"], "current_country": "GE"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_status_error"' in html
    assert re.search(r"value=international_passport[^>]*checked", html)
    assert re.search(r'<option value="GE" selected>', html)


# --- danger first, age in words -------------------------------------------------------------------


def test_a_country_page_opens_with_the_danger_for_the_readers_status(db: None) -> None:
    html = Client().get("/en/knowledge/kz/?status=not_called_up").content.decode()
    danger = re.search(r'<section id="danger".*?</section>', html, flags=re.S)
    assert danger, "the danger section"
    assert "Can you be handed back to Russia from here?" in danger.group(0)
    assert "danger-medium" in danger.group(0)  # a man without a call-up paper: medium in 2026
    # It comes before the entry rules and every other fact.
    assert html.index('id="danger"') < html.index('id="entry_documents"')
    assert html.index('id="return_risk"') < html.index('id="entry_documents"')
    deserter = Client().get("/en/knowledge/kz/?status=deserter").content.decode()
    assert "High danger" in deserter


def test_without_a_status_the_page_shows_the_danger_for_every_status(db: None) -> None:
    html = Client().get("/en/knowledge/kz/").content.decode()
    table = re.search(r'<table class="danger-table">.*?</table>', html, flags=re.S)
    assert table
    assert table.group(0).count("<tr>") == 7  # every status the reader can choose
    assert "High danger" in table.group(0)


def test_a_reader_in_a_dangerous_country_is_told_they_are_at_risk_there(db: None) -> None:
    html = Client().get("/en/knowledge/kz/?status=deserter&here=kz").content.decode()
    assert "You are at risk where you are" in html
    assert html.index("You are at risk where you are") < html.index('id="danger"')
    assert "staying looks possible" not in html.lower()
    elsewhere = Client().get("/en/knowledge/kz/?status=deserter").content.decode()
    assert "You are at risk where you are" not in elsewhere


def test_the_country_list_puts_the_dangerous_countries_first(db: None) -> None:
    html = Client().get("/en/knowledge/countries/?status=deserter&here=kz").content.decode()
    groups = re.findall(r'<section class="level-group danger-([a-z]+)">', html)
    assert groups[0] == "high"
    high = re.search(r'<section class="level-group danger-high">.*?</section>', html, re.S)
    assert high
    for name in ("Kazakhstan", "Armenia", "Kyrgyzstan", "Belarus", "United States"):
        assert name in high.group(0), name
    assert "You are at risk where you are" in html
    assert 'href="/en/knowledge/kz/?status=deserter&amp;here=kz"' in html


def test_age_is_said_in_words_and_a_year_is_not_a_day(db: None) -> None:
    html = Client().get("/en/knowledge/kz/").content.decode()
    stay = _section(html, "visa_free_days")
    assert "Not checked since 19 January 2023" in stay
    # A source dated by its year alone reads as the year, never as its first day.
    israel = _section(Client().get("/en/knowledge/il/").content.decode(), "entry_documents")
    assert '<time datetime="2024">2024</time>' in israel
    assert "1 January 2024" not in israel
    assert "Stale" not in html


def test_only_an_old_fact_about_a_danger_is_marked_loudly(db: None) -> None:
    html = Client().get("/en/knowledge/ge/?status=deserter").content.decode()
    loud = html.count("Old and about a danger")
    assert loud < 4, "a wall of identical warnings"
    for field in ("visa_free_days", "help_groups"):
        assert "Old and about a danger" not in _section(html, field)


def test_a_check_by_an_editor_reads_as_checked(coordinator: Persona) -> None:
    found = fact("KZ", "visa_free_days")
    assert found is not None
    client = login(Client(), coordinator)
    response = client.post(
        "/en/knowledge/verify/kz/visa_free_days/", {"against": [found.source_list[0].url]}
    )
    assert response.status_code == 302
    stay = _section(Client().get("/en/knowledge/kz/").content.decode(), "visa_free_days")
    assert "Checked today" in stay


def test_russian_pages_say_the_age_in_russian(db: None) -> None:
    html = Client().get("/ru/knowledge/kz/").content.decode()
    assert "Не проверялось с 19 января 2023" in _section(html, "visa_free_days")
    assert "Могут ли вас выдать России отсюда?" in html


# --- what to do tonight ---------------------------------------------------------------------------


def test_the_knowledge_home_starts_from_the_readers_situation(db: None) -> None:
    html = Client().get("/en/knowledge/").content.decode()
    for slug in ("in_russia", "at_the_border", "crossed_internal_passport", "detained"):
        assert f'href="/en/knowledge/now/{slug}/"' in html
    assert 'href="/en/intake/"' in html or 'href="/en/"' in html  # ask a counselor
    situation = Client().get("/en/knowledge/now/detained/")
    assert situation.status_code == 200
    page = situation.content.decode()
    assert "What to do next" in page and "Ask a counselor" in page
    assert "script-src 'none'" in situation.headers["Content-Security-Policy"]
    assert Client().get("/en/knowledge/now/nowhere/").status_code == 404


def test_every_cross_border_section_has_its_page_in_both_languages(db: None) -> None:
    for slug in ("leaving_russia", "at_the_border", "money", "detained_abroad", "help_groups"):
        for language in ("en", "ru"):
            response = Client().get(f"/{language}/knowledge/topic/{slug}/")
            assert response.status_code == 200, (slug, language)
            assert "<details" in response.content.decode()  # its sources, folded
    assert Client().get("/en/knowledge/topic/elsewhere/").status_code == 404


def test_the_before_any_move_warning_reaches_requesters(db: None) -> None:
    html = Client().get("/en/knowledge/now/in_russia/").content.decode()
    assert 'id="check_before_any_move"' in html


# --- the review queue -----------------------------------------------------------------------------


def test_editors_review_the_most_dangerous_facts_first(coordinator: Persona) -> None:
    html = login(Client(), coordinator).get("/en/knowledge/review/").content.decode()
    levels = re.findall(r'<section class="review-item danger-([a-z]+)"', html)
    order = ["high", "medium", "unknown", "low"]
    assert levels and levels == sorted(levels, key=order.index)
    assert levels[0] == "high"


def test_a_verified_fact_leaves_the_queue(coordinator: Persona) -> None:
    client = login(Client(), coordinator)
    first = re.search(
        r'<section class="review-item danger-[a-z]+" id="([A-Z]{2})-([a-z_]+)">',
        client.get("/en/knowledge/review/").content.decode(),
    )
    assert first
    iso2, field = first.groups()
    found = fact(iso2, field)
    assert found is not None
    urls = [source.url for source in found.source_list]
    response = client.post(f"/en/knowledge/verify/{iso2.lower()}/{field}/", {"against": urls})
    assert response.status_code == 302
    after = client.get("/en/knowledge/review/").content.decode()
    assert f'id="{iso2}-{field}"' not in after
    found.refresh_from_db()
    assert found.verified == timezone.localdate()
    assert found.verified_by == coordinator.member
    assert found.verified_against == urls


def test_verifying_without_ticking_a_source_is_refused_and_said(coordinator: Persona) -> None:
    response = login(Client(), coordinator).post("/en/knowledge/verify/kz/visa_free_days/", {})
    assert response.status_code == 400
    assert "Tick the sources you read the fact in again." in response.content.decode()


# --- counselors -----------------------------------------------------------------------------------


def test_counselor_reads_full_detail_grounds_and_checklists(
    counselor: Persona,
) -> None:
    client = login(Client(), counselor)
    html = client.get("/en/knowledge/counsel/fr/").content.decode()
    assert "Outlook: Deserter" in html  # what the screener reads
    assert "C-472/13" in html  # a ground that applies in France
    assert "checklist-fr_asylum" in html
    assert "/edit/" not in html  # counselors read, coordinators edit
    grounds = client.get("/en/knowledge/counsel/grounds/").content.decode()
    for citation in ("HCR/GIP/13/10", "2011/95/EU", "C-472/13", "C-238/19", "23459/03"):
        assert citation in grounds
    checklists = client.get("/en/knowledge/counsel/checklists/").content.decode()
    assert 'href="/en/knowledge/counsel/kz/#visa_free_days"' in checklists


def test_counselor_screener_traces_every_line_to_its_facts(counselor: Persona) -> None:
    response = login(Client(), counselor).post(
        "/en/knowledge/counsel/screener/",
        {"status": "deserter", "documents": ["internal_passport"], "current_country": "RU"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    kazakhstan = re.search(r'<section class="option" id="option-kz">.*?</section>', html, re.S)
    assert kazakhstan
    assert "Possible but risky" in kazakhstan.group(0)
    assert 'href="/en/knowledge/counsel/kz/#return_risk"' in kazakhstan.group(0)
    assert 'href="/en/knowledge/counsel/grounds/#unhcr_gip_10"' in kazakhstan.group(0)
    assert "Leaving Russia is not covered by these facts" in html


# --- coordinators: edit, history, compare, revert -------------------------------------------------


def test_an_edit_without_a_source_shows_the_error_beside_the_field_and_keeps_the_text(
    coordinator: Persona,
) -> None:
    client = login(Client(), coordinator)
    response = client.post(EDIT_URL, _edit_form(sources=""))
    assert response.status_code == 400
    html = response.content.decode()
    error = re.search(r'<p class="error" id="id_sources_error">(.*?)</p>', html, re.S)
    assert error and "cannot be saved without a source" in error.group(0)
    assert "Не больше 30 дней из любых 180." in html
    assert not FactRevision.objects.exists()


def test_a_source_line_that_cannot_be_read_is_named(coordinator: Persona) -> None:
    response = login(Client(), coordinator).post(
        EDIT_URL, _edit_form(sources="https://gov.kz only an address")
    )
    assert response.status_code == 400
    assert "Source 1: write it as address | title | date." in response.content.decode()


def test_coordinator_edits_compares_and_reverts_through_the_pages(coordinator: Persona) -> None:
    client = login(Client(), coordinator)
    form = client.get(EDIT_URL).content.decode()
    assert "astanatimes.com" in form  # the current sources, ready to change
    response = client.post(EDIT_URL, _edit_form())
    assert response.status_code == 302
    assert response["Location"] == f"{COUNSEL_KZ}#visa_free_days"
    stay = _section(client.get(COUNSEL_KZ).content.decode(), "visa_free_days")
    assert "At most 30 days in any 180." in stay
    assert NEW_SOURCE.title in stay
    assert '<time datetime="2026-11-20">20 November 2026</time>' in stay

    revision = FactRevision.objects.get()
    history = client.get("/en/knowledge/edit/kz/visa_free_days/history/").content.decode()
    assert f"/en/knowledge/revisions/{revision.pk}/" in history
    assert "New rule." in history and coordinator.member.handle in history
    compare = client.get(f"/en/knowledge/revisions/{revision.pk}/").content.decode()
    assert re.search(r'class="old">At most 90 days in any 180', compare)
    assert re.search(r'class="new">At most 30 days in any 180.', compare)

    response = client.post(f"/en/knowledge/revisions/{revision.pk}/revert/")
    assert response.status_code == 302
    stay = _section(client.get(COUNSEL_KZ).content.decode(), "visa_free_days")
    assert "At most 90 days in any 180" in stay and NEW_SOURCE.title not in stay
    again = client.post(f"/en/knowledge/revisions/{revision.pk}/revert/")
    assert again.status_code == 409
    assert "nothing to revert" in again.content.decode()


def test_counselor_can_neither_edit_nor_revert(coordinator: Persona, counselor: Persona) -> None:
    revision = edit_kazakh_stay(coordinator.member)
    client = login(Client(), counselor)
    assert client.get(EDIT_URL).status_code == 403
    assert client.post(EDIT_URL, _edit_form(days="10")).status_code == 403
    assert client.post(f"/en/knowledge/revisions/{revision.pk}/revert/").status_code == 403
    assert client.get("/en/knowledge/review/").status_code == 403
    assert FactRevision.objects.count() == 1


def test_anonymous_visitors_are_sent_to_log_in(db: None) -> None:
    for path in (EDIT_URL, COUNSEL_KZ, "/en/knowledge/revisions/", "/en/knowledge/review/"):
        response = Client().get(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_another_organisation_reads_the_shared_facts_but_neither_rewrites_nor_sees_who_did(
    coordinator: Persona, outsider: Persona
) -> None:
    """Countries and laws are the same for every group; the publishing organisation's editors keep
    them. Another organisation's coordinator reads the changes without the editor's handle or
    note, and can neither edit nor revert what its own requesters read."""
    revision = edit_kazakh_stay(coordinator.member)
    client = login(Client(), outsider)
    page = client.get(f"/en/knowledge/revisions/{revision.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert coordinator.member.handle not in html and "The rule changed." not in html
    assert "By Ark" in html
    listing = client.get("/en/knowledge/revisions/").content.decode()
    assert coordinator.member.handle not in listing and "The rule changed." not in listing
    assert client.post(f"/en/knowledge/revisions/{revision.pk}/revert/").status_code == 403
    assert client.post(EDIT_URL, _edit_form(days="10")).status_code == 403
    assert FactRevision.objects.count() == 1


def test_a_country_page_links_to_its_border_crossings(db: None) -> None:
    georgia = Client().get("/en/knowledge/ge/").content.decode()
    assert 'href="/en/situation/"' in georgia and "Upper Lars" in georgia
    assert 'href="/en/situation/"' not in Client().get("/en/knowledge/de/").content.decode()
