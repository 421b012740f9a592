"""The knowledge pages: requester-safe reading and screening, counselors' detail, coordinators'
editing with revisions, compare and revert, and stale facts marked and listed."""

import re
from datetime import timedelta

from django.test import Client, override_settings
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
    assert "Kazakhstan amends immigration rules" in stay
    assert "astanatimes.com" in stay
    assert '<time datetime="2023-01-19">' in stay
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
    assert "Казахстан: похоже, можно с вашими документами (без визы до 90 дней)." in text
    assert "посоветуйтесь с консультантом" in text
    assert FactRevision.objects.count() == revisions and list(Fact.objects.values()) == facts


def test_a_screener_answer_left_out_is_named_and_the_rest_kept(db: None) -> None:
    response = Client().post(
        "/en/knowledge/screener/",
        {"documents": ["international_passport"], "current_country": "GE"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_status_error"' in html
    assert re.search(r'value="international_passport"[^>]*checked', html)
    assert re.search(r'<option value="GE" selected>', html)


# --- stale facts ----------------------------------------------------------------------------------


def test_facts_past_the_threshold_are_marked_stale(db: None) -> None:
    html = Client().get("/en/knowledge/kz/").content.decode()
    assert "Stale" in _section(html, "visa_free_days")  # verified 2023-01-19


def test_a_fact_verified_within_the_threshold_is_not_stale(coordinator: Persona) -> None:
    edit_kazakh_stay(coordinator.member, day=timezone.localdate() - timedelta(days=10))
    html = Client().get("/en/knowledge/kz/").content.decode()
    assert "Stale" not in _section(html, "visa_free_days")
    assert "Stale" in _section(html, "border_status")
    with override_settings(HAVEN_KNOWLEDGE_STALE_DAYS=5):
        html = Client().get("/en/knowledge/kz/").content.decode()
        assert "Stale" in _section(html, "visa_free_days")


def test_coordinators_see_stale_facts_listed_oldest_first(coordinator: Persona) -> None:
    edit_kazakh_stay(coordinator.member, day=timezone.localdate())
    html = login(Client(), coordinator).get("/en/knowledge/stale/").content.decode()
    rows = re.findall(r'href="/en/knowledge/edit/([a-z]{2})/([a-z_]+)/"', html)
    assert ("kz", "visa_free_days") not in rows
    assert ("kz", "border_status") in rows
    never = fact("RS", "help_groups")  # shipped without a source: never verified
    assert never is not None and never.verified is None
    assert rows[0][1] in {"asylum_practice", "return_risk", "help_groups"}


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
    assert client.get("/en/knowledge/stale/").status_code == 403
    assert FactRevision.objects.count() == 1


def test_anonymous_visitors_are_sent_to_log_in(db: None) -> None:
    for path in (EDIT_URL, COUNSEL_KZ, "/en/knowledge/revisions/", "/en/knowledge/stale/"):
        response = Client().get(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_knowledge_base_is_shared_by_every_organisation_on_the_install(
    coordinator: Persona, outsider: Persona
) -> None:
    """Countries and laws are the same for every group: a coordinator of any organisation keeps
    them current, and sees who changed what."""
    revision = edit_kazakh_stay(coordinator.member)
    client = login(Client(), outsider)
    assert client.get(f"/en/knowledge/revisions/{revision.pk}/").status_code == 200
    assert client.post(f"/en/knowledge/revisions/{revision.pk}/revert/").status_code == 302
    assert FactRevision.objects.latest("at").author == outsider.member
