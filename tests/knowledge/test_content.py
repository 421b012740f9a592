import dataclasses
import json
import re
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from haven.knowledge import content
from haven.knowledge.content import (
    CONTENT_DIR,
    Content,
    ContentError,
    Status,
    Text,
    load_content,
    validate,
)
from haven.knowledge.facts import DANGER_KEY_OF, Source, earliest_day

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO.parent / "shared" / "reference" / "countries.json"
PLACEHOLDER = "Сведения готовятся"
ALL_STATUSES = set(Status)
CYRILLIC = re.compile(r"[А-Яа-яЁё]")
PARTIAL_DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")
ISSUE_GROUNDS = {
    "unhcr_gip_10",
    "eu_qd_art_9_2_e",
    "cjeu_shepherd",
    "cjeu_ez",
    "ecthr_bayatyan",
    "de_bamf_practice",
    "fr_cnda_2023",
    "fi_migri_practice",
}
ISSUE_CHECKLISTS = {
    "generic": None,
    "de_asylum": "DE",
    "fr_asylum": "FR",
    "kz_stay": "KZ",
    "am_stay": "AM",
    "ge_stay": "GE",
    "rs_stay": "RS",
    "mn_crossing": "MN",
}


@pytest.fixture(scope="module")
def shipped() -> Content:
    return load_content()


@pytest.fixture(scope="module")
def reference() -> dict[str, dict]:
    """The reference countries by ISO code, where ../shared/reference is beside this checkout."""
    if not REFERENCE.exists():
        pytest.skip("../shared/reference is not beside this checkout")
    return {entry["iso2"]: entry for entry in json.loads(REFERENCE.read_text(encoding="utf-8"))}


def shipped_urls(country) -> set[str]:
    return {source.url for fact in country.all_facts() for source in fact.sources}


def texts(shipped: Content):
    """Every piece of text a counselor or requester may read, with where it lives."""
    for country in shipped.countries:
        yield f"{country.iso2}.name", country.name
        for fact in country.all_facts():
            yield fact.id, fact.value
    for ground in shipped.grounds:
        yield f"{ground.id}.title", ground.title
        yield f"{ground.id}.summary", ground.summary
    for checklist in shipped.checklists:
        yield f"{checklist.id}.title", checklist.title
        for item in checklist.items:
            yield f"{checklist.id}.{item.id}", item.text


def test_shipped_content_keeps_every_rule(shipped):
    assert validate(shipped) == []


def test_no_fact_without_a_source(shipped):
    facts = [fact for country in shipped.countries for fact in country.all_facts()]
    for item in [*facts, *shipped.grounds]:
        assert item.sources or not item.known, f"{item.id} states a fact without a source"
    for checklist in shipped.checklists:
        for item in checklist.items:
            assert item.advice or shipped.item_sources(item), f"{checklist.id}.{item.id}"


def test_unsourced_facts_say_so_and_claim_nothing(shipped):
    unknown = [f for c in shipped.countries for f in c.facts() if not f.known]
    assert unknown, "the reference leaves gaps; they must show as unknown"
    for fact in unknown:
        assert fact.uncertain
        assert fact.verified is None
        assert re.search(r"not found|not named|no group", fact.value.en, re.IGNORECASE), fact.id


def test_every_text_has_english_and_russian(shipped):
    for where, text in texts(shipped):
        assert text.en.strip(), f"{where}: English missing"
        assert text.ru.strip(), f"{where}: Russian missing"
        assert not CYRILLIC.search(text.en), f"{where}: English text holds Cyrillic"
        assert CYRILLIC.search(text.ru), f"{where}: Russian text is not in Russian"


def test_every_date_in_the_files_parses():
    today = datetime.now(tz=UTC).date()
    for name in ("countries.json", "grounds.json", "checklists.json"):
        stack = [json.loads((CONTENT_DIR / name).read_text(encoding="utf-8"))]
        while stack:
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(node)
            elif isinstance(node, dict):
                stack.extend(node.values())
                for key in ("date", "verified"):
                    value = node.get(key)
                    if value is None:
                        continue
                    assert PARTIAL_DATE.fullmatch(value), f"{name}: {key} {value!r}"
                    assert earliest_day(value) <= today, f"{name}: {value} is in the future"
                if "verified" in node and node["verified"] is not None:
                    assert date.fromisoformat(node["verified"])


def test_the_shipped_files_claim_no_verification_by_anyone(shipped):
    for country in shipped.countries:
        for fact in country.all_facts():
            assert fact.verified is None, fact.id
    for ground in shipped.grounds:
        assert ground.verified is None, ground.id
    for name in ("countries.json", "grounds.json"):
        assert '"verified"' not in (CONTENT_DIR / name).read_text(encoding="utf-8"), name


def test_source_dates_keep_their_precision(shipped):
    fergana = next(
        s for s in shipped.country("KZ").danger["deserter"].sources if "fergana" in s.url
    )
    assert (fergana.date, fergana.approximate) == ("2026-02-05", True)
    years = [s for c in shipped.countries for f in c.all_facts() for s in f.sources]
    assert any(s.date is not None and len(s.date) == 4 for s in years), "a year-only date"
    assert any(s.date is not None and len(s.date) == 7 for s in years), "a month-only date"


def test_every_reference_country_is_present(shipped, reference):
    ours = {country.iso2 for country in shipped.countries}
    assert set(reference) <= ours
    assert len(ours) >= 19


def test_every_reference_danger_level_is_shipped_with_its_sources(shipped, reference):
    for iso, entry in reference.items():
        country = shipped.country(iso)
        for key, danger in entry["danger_for"].items():
            fact = country.danger[key]
            assert fact.level == danger["level"], fact.id
            assert set(danger["sources"]) <= {s.url for s in fact.sources}, fact.id


def test_danger_sources_carry_the_reference_dates(shipped, reference):
    for iso, entry in reference.items():
        dates = {source["url"]: source["date"] or "" for source in entry["sources"]}
        for fact in shipped.country(iso).danger_facts():
            for source in fact.sources:
                if source.url in dates and source.date is not None:
                    assert source.date in dates[source.url], (fact.id, source.url)


def test_every_change_since_2023_is_in_the_shipped_content(shipped, reference):
    missing = [
        (iso, change["date"], url)
        for iso, entry in reference.items()
        for change in entry["changed_since_2023"]
        for url in change["sources"]
        if url not in shipped_urls(shipped.country(iso))
    ]
    assert missing == []


def test_each_country_has_all_six_fields_and_structured_values(shipped):
    for country in shipped.countries:
        assert [f.id for f in country.facts()] == [
            f"{country.iso2}.{name}" for name in content.COUNTRY_FIELDS
        ]
        assert [f.id for f in country.danger_facts()] == [
            f"{country.iso2}.{name}" for name in content.DANGER_FIELDS
        ]
    by_iso = {country.iso2: country for country in shipped.countries}
    internal = {iso for iso, c in by_iso.items() if c.entry_documents.internal_passport_ok}
    assert internal == {"KZ", "AM", "KG", "BY"}
    assert by_iso["MN"].entry_documents.internal_passport_ok is False
    assert by_iso["ME"].entry_documents.internal_passport_ok is False
    assert by_iso["KZ"].visa_free_days.days == 90
    assert by_iso["GE"].visa_free_days.days == 365
    assert by_iso["FI"].border_status.state == "closed"
    assert {iso for iso, c in by_iso.items() if c.return_risk.level == "high"} == {
        "KZ",
        "AM",
        "KG",
        "US",
        "GE",
        "RS",
        "BY",
    }


def test_the_dangerous_stale_facts_are_fixed(shipped):
    kz = shipped.country("KZ")
    assert "no longer protects" in kz.asylum_practice.value.en
    assert "suspended their extradition" not in kz.asylum_practice.value.en
    assert "Bazhukov" in kz.danger["deserter"].value.en
    us = shipped.country("US")
    assert us.border_status.state == "closed"
    assert "20 January 2025" in us.border_status.value.en
    assert us.return_risk.level == "high" and us.return_risk.affects == ALL_STATUSES
    assert {d.level for d in us.danger_facts()} == {"high"}
    me = shipped.country("ME")
    assert me.visa_free_days.uncertain and "September 2026" in me.visa_free_days.value.en
    tr = shipped.country("TR").visa_free_days
    assert tr.days == 60 and "90 days in any 180" in tr.value.en
    assert "1 January 2026" in shipped.country("GE").entry_documents.value.en
    assert "until further notice" in shipped.country("FI").border_status.value.en
    assert "27 March 2025" in shipped.country("PL").border_status.value.en
    assert "ETA-IL" in shipped.country("IL").entry_documents.value.en


def test_belarus_reads_as_a_danger_not_a_refuge(shipped):
    by = shipped.country("BY")
    assert by.entry_documents.internal_passport_ok is True
    assert by.return_risk.level == "high"
    assert {Status.DESERTER, Status.CALLED_UP, Status.ACTIVIST} <= by.return_risk.affects
    assert by.danger_for(Status.DESERTER).level == "high"
    assert "unified migration space" in by.border_status.value.en
    assert "Minsk" in by.return_risk.value.en and "layovers" in by.return_risk.value.en
    assert not by.help_groups.shelter


def test_a_return_risk_reaches_every_status_in_high_danger(shipped):
    for country in shipped.countries:
        for status, key in DANGER_KEY_OF.items():
            if country.danger[key].level == "high":
                assert status in country.return_risk.affects, (country.iso2, status)


def test_handovers_in_central_asia_and_armenia_reach_men_who_only_left_the_draft(shipped):
    for iso in ("KZ", "AM", "KG"):
        affects = shipped.country(iso).return_risk.affects
        assert {Status.CALLED_UP, Status.NOT_CALLED_UP, Status.ACTIVIST} <= affects, iso
    for iso in ("GE", "RS"):
        assert Status.ACTIVIST in shipped.country(iso).return_risk.affects, iso


def test_no_placeholder_text_is_left():
    for name in ("countries.json", "grounds.json", "checklists.json"):
        assert PLACEHOLDER not in (CONTENT_DIR / name).read_text(encoding="utf-8"), name


def test_a_low_or_unknown_danger_never_reads_as_safe(shipped):
    for country in shipped.countries:
        for fact in country.danger_facts():
            if fact.level in ("low", "unknown"):
                assert not re.search(r"\bsafe\b", fact.value.en, re.IGNORECASE), fact.id
                assert not re.search(r"\bбезопасн(о|а|ы|ый|ая|ое|ые)\b", fact.value.ru), fact.id
            if fact.level == "unknown":
                assert "not a sign of safety" in fact.value.en, fact.id
                assert "не признак безопасности" in fact.value.ru, fact.id
            if fact.level == "low":
                assert "guarantee" in fact.value.en, fact.id
                assert "гаранти" in fact.value.ru, fact.id


def test_no_checklist_presents_kazakh_asylum_seeker_status_as_protection(shipped):
    kz = next(c for c in shipped.checklists if c.id == "kz_stay")
    status_items = [i for i in kz.items if "asylum-seeker status" in i.text.en.lower()]
    assert status_items and all(i.kind == "warning" for i in status_items)
    assert all("does not protect" in i.text.en for i in status_items)
    generic = next(c for c in shipped.checklists if c.id == "generic")
    assert any("BY.return_risk" in i.facts for i in generic.items)
    exit_ban = next(i for i in generic.items if i.id == "exit_ban")
    assert exit_ban.kind == "warning" and "11 September 2025" in exit_ban.text.en
    assert exit_ban.sources and not exit_ban.advice


def test_the_issue_grounds_are_there_with_citation_and_link(shipped):
    grounds = {ground.id: ground for ground in shipped.grounds}
    assert set(grounds) >= ISSUE_GROUNDS
    assert "C-472/13" in grounds["cjeu_shepherd"].citation
    assert "C-238/19" in grounds["cjeu_ez"].citation
    assert "23459/03" in grounds["ecthr_bayatyan"].citation
    assert "2011/95/EU" in grounds["eu_qd_art_9_2_e"].citation
    assert grounds["fr_cnda_2023"].applies_when.proof_documents == {"call_up_paper"}
    assert grounds["ecthr_bayatyan"].applies_when.statuses == {Status.CONSCIENTIOUS_OBJECTOR}
    for ground in grounds.values():
        assert ground.urls and all(url.startswith("http") for url in ground.urls)


def test_the_issue_checklists_are_there(shipped):
    found = {checklist.id: checklist.country for checklist in shipped.checklists}
    assert ISSUE_CHECKLISTS.items() <= found.items()
    kz = next(c for c in shipped.checklists if c.id == "kz_stay")
    assert any(item.kind == "deadline" and "KZ.visa_free_days" in item.facts for item in kz.items)


def test_a_fact_that_loses_its_sources_is_reported(shipped):
    kz = shipped.country("KZ")
    bare = dataclasses.replace(kz.return_risk, sources=())
    broken = dataclasses.replace(
        shipped, countries=(dataclasses.replace(kz, return_risk=bare), *shipped.countries[1:])
    )
    problems = validate(broken)
    assert any("KZ.return_risk: states a fact without a source" in p for p in problems)


def test_a_missing_translation_is_reported(shipped):
    ge = shipped.country("GE")
    english_only = dataclasses.replace(
        ge.visa_free_days, value=Text(ge.visa_free_days.value.en, ge.visa_free_days.value.en)
    )
    broken = dataclasses.replace(
        shipped,
        countries=tuple(
            dataclasses.replace(c, visa_free_days=english_only) if c.iso2 == "GE" else c
            for c in shipped.countries
        ),
    )
    assert validate(broken) == [
        "GE.visa_free_days.value: Russian text has no Cyrillic letters (not translated?)"
    ]


def test_a_checklist_pointing_at_an_unknown_ground_is_reported(shipped):
    checklist = shipped.checklists[0]
    relies = next(i for i in checklist.items if i.facts and not i.sources and not i.advice)
    item = dataclasses.replace(relies, facts=("cjeu_nobody",))
    items = tuple(item if i is relies else i for i in checklist.items)
    broken = dataclasses.replace(
        shipped,
        checklists=(dataclasses.replace(checklist, items=items), *shipped.checklists[1:]),
    )
    where = f"checklist {checklist.id}.{item.id}"
    assert validate(broken) == [
        f"{where}: unknown ground id 'cjeu_nobody'",
        f"{where}: states a fact without a source (add facts or sources)",
    ]


def test_an_unsourced_fact_cannot_make_a_structured_claim(shipped):
    mn = shipped.country("MN")
    claim = dataclasses.replace(mn.return_risk, level="high")
    broken = dataclasses.replace(
        shipped,
        countries=tuple(
            dataclasses.replace(c, return_risk=claim) if c.iso2 == "MN" else c
            for c in shipped.countries
        ),
    )
    assert validate(broken) == ["MN.return_risk: a fact without sources makes a structured claim"]


def test_a_verified_day_must_be_a_full_date(tmp_path):
    for name in ("countries.json", "grounds.json", "checklists.json"):
        shutil.copy(CONTENT_DIR / name, tmp_path / name)
    data = json.loads((tmp_path / "countries.json").read_text(encoding="utf-8"))
    data[0]["visa_free_days"]["verified"] = "2026-02"
    (tmp_path / "countries.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ContentError, match=re.escape("KZ.visa_free_days.verified: '2026-02'")):
        load_content(tmp_path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d[0]["visa_free_days"].update(verified="2023-13-40"),
            "KZ.visa_free_days.verified",
        ),
        (
            lambda d: d[0]["entry_documents"]["sources"][0].update(date="spring 2024"),
            "sources[0].date",
        ),
        (lambda d: d[0]["return_risk"].update(level="severe"), "KZ.return_risk.level"),
        (lambda d: d[0]["help_groups"].pop("uncertain"), "KZ.help_groups.uncertain: missing"),
    ],
)
def test_a_malformed_file_is_refused_with_the_place_named(tmp_path, change, message):
    for name in ("countries.json", "grounds.json", "checklists.json"):
        shutil.copy(CONTENT_DIR / name, tmp_path / name)
    data = json.loads((tmp_path / "countries.json").read_text(encoding="utf-8"))
    change(data)
    (tmp_path / "countries.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ContentError, match=re.escape(message)):
        load_content(tmp_path)


def test_a_fact_goes_stale_after_the_threshold(shipped):
    fact = shipped.country("KZ").visa_free_days  # newest source 2023-01-19, nobody has checked it
    assert fact.verified is None
    assert not fact.is_stale(date(2023, 4, 19))
    assert fact.is_stale(date(2023, 4, 20))
    assert not fact.is_stale(date(2023, 4, 20), stale_after_days=365)
    checked = dataclasses.replace(fact, verified=date(2026, 11, 1))
    assert not checked.is_stale(date(2026, 12, 1))
    assert checked.is_stale(date(2027, 2, 1))
    year_only = dataclasses.replace(fact, sources=(Source("https://example.org/", "t", "2023"),))
    assert not year_only.is_stale(date(2024, 3, 30))  # "2023" may mean 31 December 2023
    undated = dataclasses.replace(fact, sources=(Source("https://example.org/", "t", None),))
    assert undated.is_stale(date(2000, 1, 1))


def test_facts_are_found_by_id(shipped):
    assert shipped.fact("AM.return_risk") is shipped.country("AM").return_risk
    assert shipped.fact("BY.danger_deserter") is shipped.country("BY").danger["deserter"]
    assert shipped.fact("cjeu_ez") is shipped.ground("cjeu_ez")
    assert shipped.fact("AM.nothing") is None
    assert shipped.fact("XX.return_risk") is None
