"""Pinned answers of the screener for realistic people, plus properties that hold for anyone.

Each persona's expected verdicts list all 18 countries, so a change in content or rules that moves
any country shows up here and has to be looked at by a person.
"""

import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haven.knowledge.content import Constraint, Document, Status, load_content
from haven.knowledge.screener import Answers, Screening, Verdict, screen

FACTS = load_content()
TODAY = date(2026, 11, 27)
EU_GROUNDS = {"cjeu_ez", "cjeu_shepherd", "eu_qd_art_9_2_e", "unhcr_gip_10"}


def screen_for(status, *documents, where="RU", constraints=()) -> Screening:
    answers = Answers(status, frozenset(documents), where, frozenset(constraints))
    return screen(answers, FACTS, today=TODAY)


def grouped(screening: Screening) -> dict[str, str]:
    """Countries per verdict, as space-separated sorted codes (easy to read in a failure)."""
    return {
        verdict.value: " ".join(
            sorted(o.country for o in screening.options if o.verdict is verdict)
        )
        for verdict in Verdict
    }


def expect(possible="", risky="", unknown="", not_possible="") -> dict[str, str]:
    return {"possible": possible, "risky": risky, "unknown": unknown, "not_possible": not_possible}


def facts_of(screening, iso2, kind) -> set[str]:
    return {fact for line in getattr(screening.option(iso2), kind) for fact in line.facts}


# --- personas ------------------------------------------------------------------------------------


def test_deserter_with_internal_passport_only_is_confined_to_internal_passport_countries():
    s = screen_for(Status.DESERTER, Document.INTERNAL_PASSPORT)
    assert grouped(s) == expect(
        risky="AM KG KZ",
        unknown="FR ME MN",
        not_possible="DE EE FI GE IL LT LV PL RS TR US UZ",
    )
    for iso in ("AM", "KG", "KZ"):
        assert f"{iso}.return_risk" in facts_of(s, iso, "risks")
        assert s.option(iso).ground_ids == ("unhcr_gip_10",)
    assert "MN.entry_documents" in facts_of(s, "MN", "unknowns")
    # France once admitted deserters without passports: unknown, not a flat no.
    assert "FR.entry_documents" in facts_of(s, "FR", "unknowns")


def test_mobilised_man_with_passport_and_call_up_paper_gets_eu_grounds_and_french_proof():
    s = screen_for(Status.MOBILISED, Document.INTERNATIONAL_PASSPORT, Document.CALL_UP_PAPER)
    assert grouped(s) == expect(
        possible="GE IL ME MN RS TR UZ",
        risky="AM KG KZ",
        unknown="US",
        not_possible="DE EE FI FR LT LV PL",
    )
    france = s.option("FR")
    assert set(france.ground_ids) == EU_GROUNDS | {"fr_cnda_2023"}
    proof = [line for line in france.reasons if line.facts == ("fr_cnda_2023",)]
    assert proof and "call-up paper" in proof[0].text.en
    assert "FR.visa_free_days" in facts_of(s, "FR", "reasons")  # no visa: why not possible
    assert set(s.option("DE").ground_ids) == EU_GROUNDS | {"de_bamf_practice"}


def test_mobilised_man_with_schengen_visa_can_claim_asylum_in_france():
    s = screen_for(
        Status.MOBILISED,
        Document.INTERNATIONAL_PASSPORT,
        Document.CALL_UP_PAPER,
        Document.SCHENGEN_VISA,
    )
    assert grouped(s) == expect(
        possible="FR GE IL ME MN RS TR UZ",
        risky="AM DE EE KG KZ LT LV PL",
        unknown="US",
        not_possible="FI",
    )
    assert "FI.border_status" in facts_of(s, "FI", "reasons")
    assert "DE.asylum_practice" in facts_of(s, "DE", "risks")
    assert "EE.border_status" in facts_of(s, "EE", "risks")
    assert "eu_visa_guidelines_2022" in facts_of(s, "FR", "risks")


def test_man_not_yet_called_up_with_internal_passport():
    s = screen_for(Status.NOT_CALLED_UP, Document.INTERNAL_PASSPORT)
    assert grouped(s) == expect(
        possible="AM KG KZ",
        unknown="ME MN",
        not_possible="DE EE FI FR GE IL LT LV PL RS TR US UZ",
    )
    kazakhstan = s.option("KZ")
    assert kazakhstan.plain.en == (
        "Kazakhstan: looks possible with your documents (up to 90 days without a visa)."
    )
    assert kazakhstan.plain.ru == (
        "Казахстан: похоже, можно с вашими документами (без визы до 90 дней)."
    )
    # The documented returns concern deserters: listed, but not held against him.
    assert "KZ.return_risk" in facts_of(s, "KZ", "risks")
    assert kazakhstan.checklists == ("kz_stay",)


def test_called_up_man_with_international_passport_only():
    s = screen_for(Status.CALLED_UP, Document.INTERNATIONAL_PASSPORT)
    assert grouped(s) == expect(
        possible="AM GE IL KG KZ ME MN RS TR UZ",
        unknown="US",
        not_possible="DE EE FI FR LT LV PL",
    )
    assert "US.visa_free_days" in facts_of(s, "US", "unknowns")


def test_called_up_man_with_paper_and_visa_is_better_placed_in_france_than_germany():
    s = screen_for(
        Status.CALLED_UP,
        Document.INTERNATIONAL_PASSPORT,
        Document.CALL_UP_PAPER,
        Document.SCHENGEN_VISA,
    )
    assert grouped(s) == expect(
        possible="AM FR GE IL KG KZ ME MN RS TR UZ",
        risky="DE EE LT LV PL",
        unknown="US",
        not_possible="FI",
    )
    assert set(s.option("FR").ground_ids) == EU_GROUNDS | {"fr_cnda_2023"}
    assert set(s.option("DE").ground_ids) == EU_GROUNDS  # BAMF practice covers deserters
    assert s.option("DE").plain.en.startswith("Germany: possible, but risky: asylum is rarely")


def test_called_up_man_without_the_paper_lacks_the_proof_france_asks_for():
    s = screen_for(Status.CALLED_UP, Document.INTERNATIONAL_PASSPORT, Document.SCHENGEN_VISA)
    assert grouped(s) == expect(
        possible="AM GE IL KG KZ ME MN RS TR UZ",
        risky="DE EE FR LT LV PL",
        unknown="US",
        not_possible="FI",
    )
    missing = [line for line in s.option("FR").risks if line.facts == ("fr_cnda_2023",)]
    assert len(missing) == 1
    assert "asks for proof (call-up paper); the answers show none" in missing[0].text.en
    assert "proof of your call-up" in s.option("FR").plain.en


def test_conscientious_objector_with_visa_meets_silence_on_asylum_in_germany_and_france():
    s = screen_for(
        Status.CONSCIENTIOUS_OBJECTOR, Document.INTERNATIONAL_PASSPORT, Document.SCHENGEN_VISA
    )
    assert grouped(s) == expect(
        possible="AM GE IL KG KZ ME MN RS TR UZ",
        risky="EE LT LV PL",
        unknown="DE FR US",
        not_possible="FI",
    )
    assert set(s.option("DE").ground_ids) == {
        "cjeu_ez",
        "ecthr_bayatyan",
        "eu_qd_art_9_2_e",
        "unhcr_gip_10",
    }
    assert set(s.option("AM").ground_ids) == {"ecthr_bayatyan", "unhcr_gip_10"}
    assert "DE.asylum_practice" in facts_of(s, "DE", "unknowns")


def test_deserter_already_in_kazakhstan_is_told_the_extradition_risk_where_he_is():
    s = screen_for(
        Status.DESERTER, Document.INTERNATIONAL_PASSPORT, Document.MILITARY_ID, where="KZ"
    )
    assert grouped(s) == expect(
        possible="GE IL ME MN RS TR UZ",
        risky="AM KG KZ",
        unknown="FR US",
        not_possible="DE EE FI LT LV PL",
    )
    here = s.option("KZ")
    assert here.here
    assert "KZ.entry_documents" not in here.facts  # already in: entry is not the question
    assert {"KZ.return_risk", "KZ.asylum_practice"} <= facts_of(s, "KZ", "risks")
    assert not any("Leaving Russia" in line.text.en for line in s.unknowns)


def test_deserter_without_any_document_has_only_the_french_exception_to_ask_about():
    s = screen_for(Status.DESERTER, Document.NONE)
    assert grouped(s) == expect(
        unknown="FR",
        not_possible="AM DE EE FI GE IL KG KZ LT LV ME MN PL RS TR US UZ",
    )
    assert s.option("AM").reasons[0].text.en.startswith("Entry needs the internal or an")


def test_contract_soldier_with_visa():
    s = screen_for(
        Status.CONTRACT_SOLDIER,
        Document.INTERNATIONAL_PASSPORT,
        Document.MILITARY_ID,
        Document.SCHENGEN_VISA,
    )
    assert grouped(s) == expect(
        possible="GE IL ME MN RS TR UZ",
        risky="AM DE EE KG KZ LT LV PL",
        unknown="FR US",
        not_possible="FI",
    )
    assert set(s.option("DE").ground_ids) == {
        "cjeu_shepherd",
        "de_bamf_practice",
        "eu_qd_art_9_2_e",
        "unhcr_gip_10",
    }
    assert "fr_cnda_2023" not in s.option("FR").ground_ids


def test_deserter_in_georgia_with_visa_and_military_id():
    s = screen_for(
        Status.DESERTER,
        Document.INTERNATIONAL_PASSPORT,
        Document.SCHENGEN_VISA,
        Document.MILITARY_ID,
        where="GE",
    )
    assert grouped(s) == expect(
        possible="DE GE IL ME MN RS TR UZ",
        risky="AM EE FR KG KZ LT LV PL",
        unknown="US",
        not_possible="FI",
    )
    assert "DE.asylum_practice" in facts_of(s, "DE", "reasons")
    proof = [line.text.en for line in s.option("FR").unknowns if line.facts == ("fr_cnda_2023",)]
    assert proof == [
        "France: CNDA grand formation on Russians fleeing mobilisation: whether a military ID "
        "counts as the proof asked for is not in the facts."
    ]
    assert "eu_visa_guidelines_2022" in facts_of(s, "FR", "risks")  # applying from outside Russia


def test_family_without_money_in_armenia_hears_about_shelters_and_what_is_not_known():
    s = screen_for(
        Status.NOT_CALLED_UP,
        Document.INTERNATIONAL_PASSPORT,
        where="AM",
        constraints=(Constraint.FAMILY_WITH_CHILDREN, Constraint.NO_MONEY),
    )
    assert grouped(s) == expect(
        possible="AM GE IL KG KZ ME MN RS TR UZ",
        unknown="US",
        not_possible="DE EE FI FR LT LV PL",
    )
    assert "AM.help_groups" in facts_of(s, "AM", "reasons")
    assert "GE.help_groups" in facts_of(s, "GE", "unknowns")  # no shelter recorded there
    general = " ".join(line.text.en for line in s.unknowns)
    assert "families with children" in general
    assert "no costs of travel" in general
    assert s.option("AM").plain.en == (
        "Armenia: you are there now; staying looks possible (up to 180 days without a visa)."
    )


def test_mobilised_man_with_internal_passport_and_health_needs():
    s = screen_for(
        Status.MOBILISED,
        Document.INTERNAL_PASSPORT,
        Document.CALL_UP_PAPER,
        constraints=(Constraint.HEALTH_NEEDS,),
    )
    assert grouped(s) == expect(
        risky="AM KG KZ",
        unknown="ME MN",
        not_possible="DE EE FI FR GE IL LT LV PL RS TR US UZ",
    )
    assert any("health care" in line.text.en for line in s.unknowns)


def test_deserter_who_reached_finland_before_the_closure():
    s = screen_for(
        Status.DESERTER, Document.INTERNATIONAL_PASSPORT, Document.SCHENGEN_VISA, where="FI"
    )
    assert grouped(s) == expect(
        possible="DE GE IL ME MN RS TR UZ",
        risky="AM EE FI FR KG KZ LT LV PL",
        unknown="US",
    )
    finland = s.option("FI")
    assert {"FI.asylum_practice", "FI.return_risk"} <= facts_of(s, "FI", "risks")
    assert set(finland.ground_ids) == EU_GROUNDS | {"fi_migri_practice"}


def test_conscientious_objector_with_internal_passport():
    s = screen_for(Status.CONSCIENTIOUS_OBJECTOR, Document.INTERNAL_PASSPORT)
    assert grouped(s) == expect(
        possible="AM KG KZ",
        unknown="ME MN",
        not_possible="DE EE FI FR GE IL LT LV PL RS TR US UZ",
    )
    assert set(s.option("AM").ground_ids) == {"ecthr_bayatyan", "unhcr_gip_10"}


def test_man_not_yet_called_up_with_visa_has_poor_asylum_chances_in_the_eu():
    s = screen_for(Status.NOT_CALLED_UP, Document.INTERNATIONAL_PASSPORT, Document.SCHENGEN_VISA)
    assert grouped(s) == expect(
        possible="AM GE IL KG KZ ME MN RS TR UZ",
        risky="DE EE FR LT LV PL",
        unknown="US",
        not_possible="FI",
    )
    assert s.option("FR").ground_ids == ("unhcr_gip_10",)


def test_called_up_man_already_in_the_united_states_faces_deportation_risk():
    s = screen_for(
        Status.CALLED_UP, Document.INTERNATIONAL_PASSPORT, Document.CALL_UP_PAPER, where="US"
    )
    assert grouped(s) == expect(
        possible="AM GE IL KG KZ ME MN RS TR UZ",
        risky="US",
        not_possible="DE EE FI FR LT LV PL",
    )
    assert "US.asylum_practice" in facts_of(s, "US", "reasons")
    assert "US.return_risk" in facts_of(s, "US", "risks")


def test_person_somewhere_the_knowledge_base_does_not_cover_is_told_so():
    s = screen_for(Status.MOBILISED, Document.MILITARY_ID, where="BY")
    assert grouped(s) == expect(not_possible=" ".join(sorted(c.iso2 for c in FACTS.countries)))
    assert s.unknowns[0].text.en == "Nothing in the facts covers BY, where the person is now."


def test_requester_summary_is_plain_and_in_both_languages():
    s = screen_for(Status.DESERTER, Document.INTERNAL_PASSPORT)
    assert s.plain.en == (
        "Possible but risky: Armenia, Kazakhstan, Kyrgyzstan. We do not know yet: France, "
        "Mongolia, Montenegro. Not possible now: Estonia, Finland, Georgia, Germany, Israel, "
        "Latvia, Lithuania, Poland, Serbia, Turkey, United States, Uzbekistan. Rules change "
        "often: check with a counselor before you act."
    )
    assert s.plain.ru.startswith("Возможно, но опасно: Армения, Казахстан, Киргизия.")
    assert s.option("KZ").plain.ru == (
        "Казахстан: возможно, но опасно: людей в вашей ситуации там задерживали или высылали. "
        "Сначала поговорите с консультантом."
    )


def test_answers_are_checked():
    with pytest.raises(ValueError, match="two capital letters"):
        Answers(Status.DESERTER, frozenset(), "russia")
    with pytest.raises(ValueError, match="'none' cannot be combined"):
        Answers(Status.DESERTER, frozenset({Document.NONE, Document.MILITARY_ID}), "RU")


def test_stale_facts_are_flagged_against_the_threshold():
    s = screen_for(Status.NOT_CALLED_UP, Document.INTERNAL_PASSPORT)
    assert "KZ.visa_free_days" in s.stale_facts
    fresh = screen(s.answers, FACTS, today=date(2023, 2, 1))
    assert "KZ.visa_free_days" not in fresh.stale_facts
    assert not next(line for line in fresh.option("KZ").reasons if "90" in line.text.en).stale


# --- properties ----------------------------------------------------------------------------------

answers = st.builds(
    Answers,
    status=st.sampled_from(Status),
    documents=st.frozensets(st.sampled_from([d for d in Document if d is not Document.NONE])),
    current_country=st.sampled_from(["RU", "BY", *(c.iso2 for c in FACTS.countries)]),
    constraints=st.frozensets(st.sampled_from(Constraint)),
)
RANK = {verdict: rank for rank, verdict in enumerate(Verdict)}


@settings(max_examples=200, deadline=None)
@given(answers)
def test_every_line_is_traced_to_facts_that_exist(person):
    s = screen(person, FACTS, today=TODAY)
    assert sorted(o.country for o in s.options) == sorted(c.iso2 for c in FACTS.countries)
    assert [(RANK[o.verdict], o.country) for o in s.options] == sorted(
        (RANK[o.verdict], o.country) for o in s.options
    )
    for option in s.options:
        for line in option.reasons + option.risks + option.grounds:
            assert line.facts, f"{option.country}: {line.text.en}"
        for line in option.lines:
            assert all(FACTS.fact(fact) is not None for fact in line.facts)
            assert line.text.en and re.search("[а-я]", line.text.ru)
        assert re.search("[а-я]", option.plain.ru) and option.plain.en


@settings(max_examples=100, deadline=None)
@given(answers)
def test_screening_is_deterministic(person):
    assert screen(person, FACTS, today=TODAY) == screen(person, FACTS, today=TODAY)


@settings(max_examples=200, deadline=None)
@given(answers, st.sampled_from([d for d in Document if d is not Document.NONE]))
def test_holding_one_more_document_never_makes_a_country_worse(person, extra):
    more = Answers(
        person.status, person.documents | {extra}, person.current_country, person.constraints
    )
    before = screen(person, FACTS, today=TODAY).verdicts()
    after = screen(more, FACTS, today=TODAY).verdicts()
    for iso, verdict in before.items():
        assert RANK[after[iso]] <= RANK[verdict], f"{iso}: {verdict} -> {after[iso]} with {extra}"


@settings(max_examples=100, deadline=None)
@given(answers)
def test_a_closed_border_is_never_offered_from_outside(person):
    s = screen(person, FACTS, today=TODAY)
    for country in FACTS.countries:
        if country.border_status.state == "closed" and person.current_country != country.iso2:
            assert s.option(country.iso2).verdict is Verdict.NOT_POSSIBLE
