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
from haven.knowledge.facts import earliest_day

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO.parent / "shared" / "reference" / "countries.json"
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


def texts(shipped: Content):
    """Every piece of text a counselor or requester may read, with where it lives."""
    for country in shipped.countries:
        yield f"{country.iso2}.name", country.name
        for fact in country.facts():
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
    facts = [fact for country in shipped.countries for fact in country.facts()]
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


def test_verified_is_the_date_of_the_newest_source_not_today(shipped):
    for country in shipped.countries:
        for fact in country.facts():
            dated = [s.earliest_day for s in fact.sources if s.earliest_day]
            assert fact.verified == (max(dated) if dated else None), fact.id
    assert shipped.country("KZ").visa_free_days.verified == date(2023, 1, 19)


def test_every_reference_country_is_present(shipped):
    if not REFERENCE.exists():
        pytest.skip("../shared/reference is not beside this checkout")
    reference = {entry["iso2"] for entry in json.loads(REFERENCE.read_text(encoding="utf-8"))}
    ours = {country.iso2 for country in shipped.countries}
    assert reference <= ours
    assert len(ours) >= 18


def test_each_country_has_all_six_fields_and_structured_values(shipped):
    for country in shipped.countries:
        assert [f.id for f in country.facts()] == [
            f"{country.iso2}.{name}" for name in content.COUNTRY_FIELDS
        ]
    by_iso = {country.iso2: country for country in shipped.countries}
    internal = {iso for iso, c in by_iso.items() if c.entry_documents.internal_passport_ok}
    assert internal == {"KZ", "AM", "KG"}
    assert by_iso["MN"].entry_documents.internal_passport_ok is None
    assert by_iso["KZ"].visa_free_days.days == 90
    assert by_iso["GE"].visa_free_days.days == 365
    assert by_iso["FI"].border_status.state == "closed"
    assert {iso for iso, c in by_iso.items() if c.return_risk.level == "high"} == {
        "KZ",
        "AM",
        "KG",
        "US",
    }


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
    item = dataclasses.replace(checklist.items[1], facts=("cjeu_nobody",))
    broken = dataclasses.replace(
        shipped,
        checklists=(
            dataclasses.replace(checklist, items=(item, *checklist.items[2:])),
            *shipped.checklists[1:],
        ),
    )
    where = f"checklist {checklist.id}.{item.id}"
    assert validate(broken) == [
        f"{where}: unknown ground id 'cjeu_nobody'",
        f"{where}: states a fact without a source (add facts or sources)",
    ]


def test_an_unsourced_fact_cannot_make_a_structured_claim(shipped):
    me = shipped.country("ME")
    claim = dataclasses.replace(me.return_risk, level="high")
    broken = dataclasses.replace(
        shipped,
        countries=tuple(
            dataclasses.replace(c, return_risk=claim) if c.iso2 == "ME" else c
            for c in shipped.countries
        ),
    )
    assert validate(broken) == ["ME.return_risk: a fact without sources makes a structured claim"]


def test_a_verified_date_that_disagrees_with_the_sources_is_reported(shipped):
    kz = shipped.country("KZ")
    today = dataclasses.replace(kz.visa_free_days, verified=date(2026, 11, 27))
    broken = dataclasses.replace(
        shipped, countries=(dataclasses.replace(kz, visa_free_days=today), *shipped.countries[1:])
    )
    assert validate(broken) == [
        "KZ.visa_free_days: verified is 2026-11-27 but the newest dated source is 2023-01-19"
    ]


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
    fact = shipped.country("KZ").visa_free_days  # verified 2023-01-19
    assert not fact.is_stale(date(2023, 4, 19))
    assert fact.is_stale(date(2023, 4, 20))
    assert not fact.is_stale(date(2023, 4, 20), stale_after_days=365)
    never_verified = next(f for c in shipped.countries for f in c.facts() if f.verified is None)
    assert never_verified.is_stale(date(2000, 1, 1))


def test_facts_are_found_by_id(shipped):
    assert shipped.fact("AM.return_risk") is shipped.country("AM").return_risk
    assert shipped.fact("cjeu_ez") is shipped.ground("cjeu_ez")
    assert shipped.fact("AM.nothing") is None
    assert shipped.fact("XX.return_risk") is None
