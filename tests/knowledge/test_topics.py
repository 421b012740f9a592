import json
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from haven.knowledge.content import CONTENT_DIR, ContentError
from haven.knowledge.topics import (
    SectionId,
    SituationId,
    Topics,
    load_situations,
    load_topics,
    shipped_situations,
    shipped_topics,
    validate_topics,
)

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO.parent / "shared" / "reference" / "topics.json"
CYRILLIC = re.compile(r"[А-Яа-яЁё]")
REFERENCE_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?!\d))?(?:-(\d{2})(?!\d))?")
TODAY = date(2026, 12, 4)

Json = list[dict[str, Any]]


@pytest.fixture(scope="module")
def topics() -> Topics:
    return load_topics()


@pytest.fixture(scope="module")
def situations():
    return load_situations()


def shipped_json(name: str) -> Json:
    return json.loads((CONTENT_DIR / name).read_text(encoding="utf-8"))


def write(tmp_path: Path, name: str, data: Json) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def item_json(data: Json, item_id: str) -> dict[str, Any]:
    return next(item for s in data for item in s["items"] if item["id"] == item_id)


def texts(topics: Topics, situations):
    for section in topics.sections:
        yield f"{section.id}.title", section.title
        for item in section.items:
            yield f"{section.id}.{item.id}", item.text
            if item.uncertain_reason:
                yield f"{section.id}.{item.id}.uncertain_reason", item.uncertain_reason
    for situation in situations:
        yield f"{situation.id}.title", situation.title
        yield f"{situation.id}.next_step", situation.next_step


# --- the shipped files ---------------------------------------------------------------------


def test_shipped_topics_and_situations_keep_every_rule(topics, situations):
    assert validate_topics(topics, situations) == []


def test_each_section_and_situation_appears_once_in_reading_order(topics, situations):
    assert [s.id for s in topics.sections] == list(SectionId)
    assert [s.id for s in situations] == list(SituationId)
    assert all(section.items for section in topics.sections)


def test_every_fact_is_sourced_and_only_advice_goes_without(topics):
    for section, item in topics.items():
        assert item.sources or item.advice, f"{section.id}.{item.id} states a fact unsourced"
    assert any(item.advice for _, item in topics.items()), "no advice item to check the rule"


def test_every_text_is_in_english_and_in_russian(topics, situations):
    for where, text in texts(topics, situations):
        assert text.en.strip(), f"{where}: English missing"
        assert not CYRILLIC.search(text.en), f"{where}: English text holds Cyrillic"
        assert CYRILLIC.search(text.ru), f"{where}: Russian text is not in Russian"


def test_an_items_date_is_its_newest_sources_date_with_that_precision(topics):
    items = {item.id: item for _, item in topics.items()}
    assert items["exit_ban_from_summons"].date == "2024-09-18"
    assert items["lawyer_number_before"].date == "2026"
    assert items["lawyer_number_before"].newest_source.approximate
    assert items["feminist_anti_war_resistance"].date is None
    for item in items.values():
        newest = item.newest_source
        assert item.date == (newest.date if newest else None), item.id


def test_uncertain_items_say_why_in_both_languages(topics):
    uncertain = [item for _, item in topics.items() if item.uncertain]
    assert len(uncertain) >= 10
    for item in uncertain:
        assert item.uncertain_reason is not None, item.id
        assert item.uncertain_reason.en.strip() and CYRILLIC.search(item.uncertain_reason.ru)


def test_before_any_move_warning_reaches_every_requester(topics, situations):
    item = topics.item("check_before_any_move")
    assert item is not None and item.warning and not item.advice
    assert item.applies_to is None
    assert "transit" in item.text.en.lower() or "changing planes" in item.text.en
    urls = {source.url for source in item.sources}
    assert any("navalny-volunteer-arrested-at-kazakhstan-airport" in url for url in urls)
    assert any("removed-from-flights" in url for url in urls)
    by_id = {situation.id: situation for situation in situations}
    assert by_id[SituationId.IN_RUSSIA].items[0] == "check_before_any_move"


def test_protective_items_are_marked_as_warnings(topics):
    warnings = {item.id for _, item in topics.items() if item.warning}
    assert {
        "exit_ban_from_summons",
        "transit_is_a_border",
        "kazakhstan_asylum_seeker_status",
        "deportation_within_hours",
        "cross_only_at_checkpoints",
    } <= warnings
    assert not warnings & {"israel_eta", "visa_mastercard_stopped", "foredi"}


def test_no_text_calls_anywhere_safe(topics, situations):
    for where, text in texts(topics, situations):
        for sentence in re.split(r"(?<=[.:;])\s", text.en):
            if re.search(r"\bsafe", sentence, re.IGNORECASE):
                assert re.search(r"\b(not|never|no)\b", sentence), f"{where}: {sentence}"
        for sentence in re.split(r"(?<=[.:;])\s", text.ru):
            if re.search(r"безопасн", sentence, re.IGNORECASE):
                assert re.search(r"\bне\b", sentence), f"{where}: {sentence}"


def test_no_unchecked_phone_number_is_shown(topics):
    connection = topics.item("connection_ev")
    assert connection is not None and connection.uncertain
    for section, item in topics.items():
        for text in (item.text.en, item.text.ru):
            assert not re.search(r"\+?\d[\d ]{8,}\d", text), f"{section.id}.{item.id}"


def test_situations_start_with_a_next_step_and_point_at_real_items(topics, situations):
    for situation in situations:
        assert situation.ask_counselor
        assert 3 <= len(situation.items) <= 6
        assert all(topics.item(item_id) for item_id in situation.items), situation.id
    crossed = next(s for s in situations if s.id is SituationId.CROSSED_INTERNAL_PASSPORT)
    assert set(crossed.countries) == {"KZ", "AM", "KG", "BY"}
    assert "safe" in crossed.next_step.en


def test_a_situation_lists_its_items_in_its_own_order(topics, situations):
    detained = next(s for s in situations if s.id is SituationId.DETAINED)
    assert [item.id for item in topics.items_for(detained)] == list(detained.items)
    assert shipped_topics() is shipped_topics()
    assert shipped_situations() == situations


def test_country_items_are_found_by_country(topics):
    kazakhstan = {item.id for item in topics.for_country("KZ")}
    assert {"kazakhstan_asylum_seeker_status", "kazakhstan_cards", "kibhr"} <= kazakhstan
    assert "exit_ban_from_summons" not in kazakhstan
    assert topics.item("exit_ban_from_summons").applies_in("KZ")
    assert not topics.item("israel_eta").applies_in("KZ")


# --- broken files are refused, naming the place ----------------------------------------------


def _drop_ru(data: Json) -> None:
    del item_json(data, "hand_in_passport")["text"]["ru"]


def _bad_source_date(data: Json) -> None:
    item_json(data, "israel_eta")["sources"][1]["date"] = "2024-13-01"


def _reference_style_date(data: Json) -> None:
    item_json(data, "israel_eta")["sources"][0]["date"] = "c. 2024-07"


def _section_unknown(data: Json) -> None:
    data[2]["id"] = "visas"


def _applies_to_word(data: Json) -> None:
    item_json(data, "israel_eta")["applies_to"] = "IL"


def _sources_not_objects(data: Json) -> None:
    item_json(data, "israel_eta")["sources"] = ["https://example.org"]


@pytest.mark.parametrize(
    ("breaks", "place"),
    [
        (_drop_ru, "topics.json: leaving_russia.hand_in_passport.text.ru: missing"),
        (_bad_source_date, "topics.json: at_the_border.israel_eta.sources[1].date: '2024-13-01'"),
        (_reference_style_date, "at_the_border.israel_eta.sources[0].date: 'c. 2024-07'"),
        (_section_unknown, "topics.json: visas.id: 'visas' is not one of leaving_russia"),
        (_applies_to_word, 'at_the_border.israel_eta.applies_to: expected "all"'),
        (_sources_not_objects, "at_the_border.israel_eta.sources[0]: expected an object"),
    ],
)
def test_malformed_topics_are_refused_naming_the_place(tmp_path, breaks, place):
    data = shipped_json("topics.json")
    breaks(data)
    with pytest.raises(ContentError) as refused:
        load_topics(write(tmp_path, "topics.json", data))
    assert place in str(refused.value)


def test_malformed_situations_are_refused_naming_the_place(tmp_path):
    data = shipped_json("situations.json")
    del data[1]["next_step"]
    with pytest.raises(ContentError, match=r"situations.json: at_the_border.next_step: missing"):
        load_situations(write(tmp_path, "situations.json", data))
    data = shipped_json("situations.json")
    data[3]["items"] = ["deportation_within_hours", 7]
    with pytest.raises(ContentError, match=r"situations.json: detained.items\[1\]: expected str"):
        load_situations(write(tmp_path, "situations.json", data))


def test_unreadable_file_is_refused_with_its_name(tmp_path):
    path = tmp_path / "topics.json"
    path.write_text("[{", encoding="utf-8")
    with pytest.raises(ContentError, match=r"^topics.json: cannot read"):
        load_topics(path)


def _unsourced_fact(data: Json) -> None:
    item_json(data, "israel_eta")["sources"] = []


def _empty_ru(data: Json) -> None:
    item_json(data, "mir_cards")["text"]["ru"] = " "


def _ru_untranslated(data: Json) -> None:
    item = item_json(data, "mir_cards")
    item["text"]["ru"] = item["text"]["en"]


def _en_in_cyrillic(data: Json) -> None:
    item = item_json(data, "mir_cards")
    item["text"]["en"] = item["text"]["ru"]


def _future_source(data: Json) -> None:
    item = item_json(data, "israel_eta")
    item["sources"][1]["date"] = item["date"] = "2027-01"


def _date_not_newest(data: Json) -> None:
    item_json(data, "exit_ban_from_summons")["date"] = "2023-08-08"


def _date_not_newest_and_untranslated(data: Json) -> None:
    item = item_json(data, "mir_cards")
    item["date"], item["text"]["ru"] = "2022-09", ""


def _repeated_item(data: Json) -> None:
    item_json(data, "mir_cards")["id"] = "visa_mastercard_stopped"


def _uncertain_without_reason(data: Json) -> None:
    item_json(data, "hand_in_passport")["uncertain_reason"] = None


def _bad_country(data: Json) -> None:
    item_json(data, "israel_eta")["applies_to"] = ["Israel"]


def _section_missing(data: Json) -> None:
    del data[2]


def _not_a_web_address(data: Json) -> None:
    item_json(data, "israel_eta")["sources"][0]["url"] = "javascript:alert(1)"


@pytest.mark.parametrize(
    ("breaks", "problem"),
    [
        (_unsourced_fact, "at_the_border.israel_eta: states a fact without a source"),
        (_empty_ru, "money.mir_cards: Russian translation is missing"),
        (_ru_untranslated, "money.mir_cards: Russian text has no Cyrillic letters"),
        (_en_in_cyrillic, "money.mir_cards: English text contains Cyrillic letters"),
        (_future_source, "at_the_border.israel_eta.sources[1]: date 2027-01 is in the future"),
        (_date_not_newest, "exit_ban_from_summons: date is 2023-08-08 but the newest source"),
        (_date_not_newest_and_untranslated, "mir_cards: date is 2022-09 but the newest"),
        (_repeated_item, "topics: item visa_mastercard_stopped appears twice"),
        (_uncertain_without_reason, "hand_in_passport: uncertain, but uncertain_reason"),
        (_bad_country, "israel_eta.applies_to: 'Israel' is not an ISO 3166 alpha-2 code"),
        (_section_missing, "topics: section money is missing"),
        (_not_a_web_address, "israel_eta.sources[0]: URL 'javascript:alert(1)'"),
    ],
)
def test_broken_topics_are_refused_naming_the_place(
    tmp_path, situations, breaks: Callable[[Json], None], problem: str
):
    data = shipped_json("topics.json")
    breaks(data)
    topics = load_topics(write(tmp_path, "topics.json", data))
    problems = validate_topics(topics, situations, today=TODAY)
    assert any(problem in p for p in problems), problems


def test_a_situation_pointing_at_a_missing_item_is_refused(tmp_path, topics):
    data = shipped_json("situations.json")
    data[0]["items"][2] = "leave_through_belarus"
    data[2]["items"] = data[2]["items"][:2]
    del data[3]
    problems = validate_topics(topics, load_situations(write(tmp_path, "situations.json", data)))
    assert "situation in_russia: unknown topic item 'leave_through_belarus'" in problems
    assert "situation crossed_internal_passport: points at 2 items, not 3-6" in problems
    assert "situations: detained is missing" in problems


def test_countries_without_a_page_are_named_when_pages_are_given(topics, situations):
    pages = {"KZ", "AM", "KG", "GE", "MN", "TR", "US", "FI"}
    problems = validate_topics(topics, situations, countries=pages)
    assert "money.turkey_banks.applies_to: country TR has no country page" not in problems
    assert "at_the_border.israel_eta.applies_to: country IL has no country page" in problems
    assert "situation at_the_border.countries: country BY has no country page" in problems


# --- nothing in the reference is dropped -----------------------------------------------------


def reference_date(raw: str | None) -> tuple[str | None, bool]:
    """A reference date ("c. 2025-12", "undated (c. 2022)", "c. 2026-01/02") as shipped."""
    if raw is None:
        return None, False
    text = raw.strip()
    approximate = text.startswith(("c.", "undated"))
    if text.startswith("undated"):
        estimate = re.search(r"\(c\. ", text)
        if not estimate:
            return None, False
        text = text[estimate.end() :]
    elif text.startswith("c."):
        text = text[2:].strip()
    match = REFERENCE_DATE.match(text)
    assert match, f"unreadable reference date {raw!r}"
    parts = [part for part in match.groups() if part]
    if text[match.end() : match.end() + 1] in {"/", "-"}:  # a range keeps what both ends share
        parts, approximate = parts[:-1] or parts, True
    return "-".join(parts), approximate


@pytest.fixture(scope="module")
def reference() -> Json:
    if not REFERENCE.exists():
        pytest.skip("../shared/reference is not beside this checkout")
    return json.loads(REFERENCE.read_text(encoding="utf-8"))


def test_reference_dates_are_read_as_shipped():
    assert reference_date("2025-09-12") == ("2025-09-12", False)
    assert reference_date("c. 2025-12") == ("2025-12", True)
    assert reference_date("c. 2026-01/02") == ("2026", True)
    assert reference_date("c. 2025-2026") == ("2025", True)
    assert reference_date("undated (c. 2022)") == ("2022", True)
    assert reference_date("undated (accessed 2026)") == (None, False)
    assert reference_date("2022-08 (updated 3 Aug 2022)") == ("2022-08", False)


def test_every_reference_claim_is_shipped_with_all_its_sources(topics, reference):
    shipped = [
        (section, item, {(s.url, s.title, s.date, s.approximate) for s in item.sources})
        for section, item in topics.items()
    ]
    for claim in reference:
        wanted = {(s["url"], s["title"], *reference_date(s["date"])) for s in claim["sources"]}
        applies = None if claim["applies_to"] == "all" else tuple(claim["applies_to"])
        carriers = [(section, item) for section, item, got in shipped if wanted <= got]
        assert carriers, f"{claim['id']}: no shipped item carries all its sources"
        assert any(
            section.id == claim["topic"]
            and item.uncertain == claim["uncertain"]
            and item.applies_to == applies
            for section, item in carriers
        ), f"{claim['id']}: carried by {[item.id for _, item in carriers]} with other section, "
        "certainty or countries"


def test_every_reference_topic_has_its_section(topics, reference):
    assert {claim["topic"] for claim in reference} <= {section.id for section in topics.sections}
    counts = {s.id: len(s.items) for s in topics.sections}
    for topic in {claim["topic"] for claim in reference}:
        assert counts[topic] >= sum(claim["topic"] == topic for claim in reference), topic
