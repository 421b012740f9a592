"""Pinned answers of the screener for realistic people, plus properties that hold for anyone.

Each persona's expected verdicts list all 18 countries, so a change in content or rules that moves
any country shows up here and has to be looked at by a person. The rules themselves (a danger
outranks what is not known; the danger fact of the person's own status counts; a person at risk
where they are is told so first) are tested on content changed in one place, so each test fails
for its own reason. More people, with the table of what each pins: ``test_screener_profiles``.
"""

import dataclasses
import re
from datetime import date
from types import MappingProxyType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haven.knowledge import screener_text as words
from haven.knowledge.content import (
    DANGER_KEY_OF,
    Constraint,
    Content,
    Document,
    RiskLevel,
    Status,
    Visa,
    load_content,
)
from haven.knowledge.screener import screen
from haven.knowledge.screening import SEVERITY, Answers, Screening, Verdict

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


def expect(risky="", possible="", unknown="", not_possible="") -> dict[str, str]:
    return {"risky": risky, "possible": possible, "unknown": unknown, "not_possible": not_possible}


def facts_of(screening, iso2, kind) -> set[str]:
    return {fact for line in getattr(screening.option(iso2), kind) for fact in line.facts}


# --- personas ------------------------------------------------------------------------------------


def test_deserter_with_internal_passport_only_is_confined_to_internal_passport_countries():
    s = screen_for(Status.DESERTER, Document.INTERNAL_PASSPORT)
    assert grouped(s) == expect(
        risky="AM BY FR KG KZ",
        not_possible="DE EE FI GE IL LT LV ME MN PL RS TR US UZ",
    )
    for iso in ("AM", "KG", "KZ"):
        assert s.option(iso).risks[0].facts == (f"{iso}.danger_deserter",)
        assert f"{iso}.return_risk" in facts_of(s, iso, "risks")
        assert s.option(iso).ground_ids == ("unhcr_gip_10",)
    assert "MN.entry_documents" in facts_of(s, "MN", "reasons")  # the international passport
    # France once admitted deserters without passports: not a flat no, but the proof its
    # asylum practice asks for is missing, and that known risk outranks the open question.
    assert "FR.entry_documents" in facts_of(s, "FR", "unknowns")
    assert "fr_cnda_2023" in facts_of(s, "FR", "risks")


def test_mobilised_man_with_passport_and_call_up_paper_gets_eu_grounds_and_french_proof():
    s = screen_for(Status.MOBILISED, Document.INTERNATIONAL_PASSPORT, Document.CALL_UP_PAPER)
    assert grouped(s) == expect(
        risky="AM BY GE KG KZ TR",
        possible="IL ME MN UZ",
        unknown="RS",
        not_possible="DE EE FI FR LT LV PL US",
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
        risky="AM BY DE EE GE KG KZ LT LV PL TR",
        possible="FR IL ME MN UZ",
        unknown="RS",
        not_possible="FI US",
    )
    assert "FR.danger_mobilised" in facts_of(s, "FR", "reasons")  # low: said, not held against
    assert "FI.border_status" in facts_of(s, "FI", "reasons")
    assert "DE.asylum_practice" in facts_of(s, "DE", "risks")
    assert "EE.border_status" in facts_of(s, "EE", "risks")
    assert "eu_visa_guidelines_2022" in facts_of(s, "FR", "risks")


def test_man_not_yet_called_up_with_internal_passport_reads_the_evaders_danger():
    s = screen_for(Status.NOT_CALLED_UP, Document.INTERNAL_PASSPORT)
    assert grouped(s) == expect(
        risky="AM BY KG KZ",
        not_possible="DE EE FI FR GE IL LT LV ME MN PL RS TR US UZ",
    )
    kazakhstan = s.option("KZ")
    assert kazakhstan.danger is RiskLevel.MEDIUM
    assert kazakhstan.risks[0].facts == ("KZ.danger_evader",)
    assert kazakhstan.plain.en == (
        "Kazakhstan: risky for you: you may be refused protection or sent back from there. "
        "Talk to a counselor first."
    )
    assert kazakhstan.plain.ru == (
        "Казахстан: опасно для вас: там вам могут отказать в защите или выслать. "
        "Сначала поговорите с консультантом."
    )
    # The return cases in words still concern deserters: a supporting line, not the reason.
    assert "KZ.return_risk" in facts_of(s, "KZ", "risks")
    assert kazakhstan.checklists == ("kz_stay",)


def test_called_up_man_with_international_passport_only():
    s = screen_for(Status.CALLED_UP, Document.INTERNATIONAL_PASSPORT)
    assert grouped(s) == expect(
        risky="AM BY KG KZ",
        possible="GE IL ME MN TR UZ",
        unknown="RS",
        not_possible="DE EE FI FR LT LV PL US",
    )
    assert "US.visa_free_days" in facts_of(s, "US", "unknowns")
    assert s.option("US").risks[0].facts == ("US.danger_called_up",)


def test_called_up_man_with_paper_and_visa_is_better_placed_in_france_than_germany():
    s = screen_for(
        Status.CALLED_UP,
        Document.INTERNATIONAL_PASSPORT,
        Document.CALL_UP_PAPER,
        Document.SCHENGEN_VISA,
    )
    assert grouped(s) == expect(
        risky="AM BY DE EE FR KG KZ LT LV PL",
        possible="GE IL ME MN TR UZ",
        unknown="RS",
        not_possible="FI US",
    )
    assert set(s.option("FR").ground_ids) == EU_GROUNDS | {"fr_cnda_2023"}
    assert set(s.option("DE").ground_ids) == EU_GROUNDS  # BAMF practice covers deserters
    # France asks for the paper he holds; its danger for called-up men is still medium.
    assert "fr_cnda_2023" in facts_of(s, "FR", "reasons")
    assert s.option("FR").risks[0].facts == ("FR.danger_called_up",)
    assert s.option("DE").plain.en == (
        "Germany: risky for you: you may be refused protection or sent back from there; asylum "
        "is rarely or unevenly granted there. Talk to a counselor first."
    )


def test_called_up_man_without_the_paper_lacks_the_proof_france_asks_for():
    s = screen_for(Status.CALLED_UP, Document.INTERNATIONAL_PASSPORT, Document.SCHENGEN_VISA)
    assert grouped(s) == expect(
        risky="AM BY DE EE FR KG KZ LT LV PL",
        possible="GE IL ME MN TR UZ",
        unknown="RS",
        not_possible="FI US",
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
        risky="DE EE LT LV PL",
        possible="IL ME MN UZ",
        unknown="AM BY FR GE KG KZ RS TR",
        not_possible="FI US",
    )
    assert "DE.danger_objector" in facts_of(s, "DE", "risks")  # medium: refusals reported
    assert "FR.danger_objector" in facts_of(s, "FR", "unknowns")
    assert set(s.option("DE").ground_ids) == {
        "cjeu_ez",
        "ecthr_bayatyan",
        "eu_qd_art_9_2_e",
        "unhcr_gip_10",
    }
    assert set(s.option("AM").ground_ids) == {"ecthr_bayatyan", "unhcr_gip_10"}
    assert "DE.asylum_practice" in facts_of(s, "DE", "risks")  # BAMF refuses objectors


def test_deserter_already_in_kazakhstan_is_told_he_is_at_risk_where_he_is():
    s = screen_for(
        Status.DESERTER, Document.INTERNATIONAL_PASSPORT, Document.MILITARY_ID, where="KZ"
    )
    assert grouped(s) == expect(
        risky="AM BY FR GE KG KZ TR",
        possible="IL ME MN UZ",
        unknown="RS",
        not_possible="DE EE FI LT LV PL US",
    )
    here = s.option("KZ")
    assert here.here and here.at_risk_here
    assert s.options[0] is here
    assert "KZ.entry_documents" not in here.facts  # already in: entry is not the question
    assert {"KZ.danger_deserter", "KZ.return_risk", "KZ.asylum_practice"} <= facts_of(
        s, "KZ", "risks"
    )
    assert s.at_risk_here is not None
    assert s.at_risk_here.facts == ("KZ.danger_deserter", "KZ.return_risk")
    assert s.plain.en.startswith("You are at risk where you are. Kazakhstan: you can be handed")
    assert here.plain.en.startswith("Kazakhstan: you are at risk where you are: you can be handed")
    assert not any("Leaving Russia" in line.text.en for line in s.unknowns)


def test_deserter_without_any_document_has_only_the_french_exception_to_ask_about():
    s = screen_for(Status.DESERTER, Document.NONE)
    assert grouped(s) == expect(
        risky="FR",
        not_possible="AM BY DE EE FI GE IL KG KZ LT LV ME MN PL RS TR US UZ",
    )
    assert s.option("FR").plain.en == (
        "France: risky for you: you would need proof of your call-up; also, people without the "
        "usual documents got in once, but it may not happen again. Talk to a counselor first."
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
        risky="AM BY DE EE GE KG KZ LT LV PL TR",
        possible="IL ME MN UZ",
        unknown="FR RS",
        not_possible="FI US",
    )
    # A contract soldier who left is wanted for desertion: he reads the deserters' danger.
    assert s.option("GE").danger_fact == "GE.danger_deserter"
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
        risky="AM BY EE FR GE KG KZ LT LV PL TR",
        possible="DE IL ME MN UZ",
        unknown="RS",
        not_possible="FI US",
    )
    assert s.option("GE").at_risk_here and s.options[0].country == "GE"
    assert "DE.asylum_practice" in facts_of(s, "DE", "reasons")
    proof = [line.text.en for line in s.option("FR").unknowns if line.facts == ("fr_cnda_2023",)]
    assert proof == [
        "France: CNDA grand formation on Russians fleeing mobilisation: whether a military ID "
        "counts as the proof asked for is not in the facts."
    ]
    assert "eu_visa_guidelines_2022" in facts_of(s, "FR", "risks")  # applying from outside Russia


def test_family_without_money_in_armenia_hears_the_danger_first_then_about_shelters():
    s = screen_for(
        Status.NOT_CALLED_UP,
        Document.INTERNATIONAL_PASSPORT,
        where="AM",
        constraints=(Constraint.FAMILY_WITH_CHILDREN, Constraint.NO_MONEY),
    )
    assert grouped(s) == expect(
        risky="AM BY KG KZ",
        possible="GE IL ME MN TR UZ",
        unknown="RS",
        not_possible="DE EE FI FR LT LV PL US",
    )
    assert "AM.help_groups" in facts_of(s, "AM", "reasons")
    assert "GE.help_groups" in facts_of(s, "GE", "unknowns")  # no shelter recorded there
    general = " ".join(line.text.en for line in s.unknowns)
    assert "families with children" in general
    assert "no costs of travel" in general
    assert s.option("AM").plain.en == (
        "Armenia: you are at risk where you are: you may be refused protection or sent back "
        "from here. Talk to a counselor now, and do not travel through or to another country "
        "that hands people back."
    )
    assert s.at_risk_here is not None
    assert s.at_risk_here.facts == ("AM.danger_evader", "AM.return_risk")


def test_mobilised_man_with_internal_passport_and_health_needs():
    s = screen_for(
        Status.MOBILISED,
        Document.INTERNAL_PASSPORT,
        Document.CALL_UP_PAPER,
        constraints=(Constraint.HEALTH_NEEDS,),
    )
    assert grouped(s) == expect(
        risky="AM BY KG KZ",
        not_possible="DE EE FI FR GE IL LT LV ME MN PL RS TR US UZ",
    )
    assert any("health care" in line.text.en for line in s.unknowns)


def test_deserter_who_reached_finland_before_the_closure():
    s = screen_for(
        Status.DESERTER, Document.INTERNATIONAL_PASSPORT, Document.SCHENGEN_VISA, where="FI"
    )
    assert grouped(s) == expect(
        risky="AM BY EE FI FR GE KG KZ LT LV PL TR",
        possible="DE IL ME MN UZ",
        unknown="RS",
        not_possible="US",
    )
    assert s.option("FI").at_risk_here  # medium for deserters: refused claims are removed
    finland = s.option("FI")
    assert {"FI.asylum_practice", "FI.return_risk"} <= facts_of(s, "FI", "risks")
    assert set(finland.ground_ids) == EU_GROUNDS | {"fi_migri_practice"}


def test_conscientious_objector_with_internal_passport_is_not_told_nothing_was_found_is_safe():
    s = screen_for(Status.CONSCIENTIOUS_OBJECTOR, Document.INTERNAL_PASSPORT)
    assert grouped(s) == expect(
        unknown="AM BY KG KZ",
        not_possible="DE EE FI FR GE IL LT LV ME MN PL RS TR US UZ",
    )
    assert set(s.option("AM").ground_ids) == {"ecthr_bayatyan", "unhcr_gip_10"}
    assert "KZ.danger_objector" in facts_of(s, "KZ", "unknowns")
    # Kazakhstan sends others back: nothing found on objectors is an open question, not a yes.
    assert s.option("KZ").plain.en == (
        "Kazakhstan: we do not know yet: people in other situations have been detained or sent "
        "away from there, and we found nothing on people in yours. A counselor can check."
    )
    assert s.option("KZ").plain.ru == (
        "Казахстан: пока неизвестно: людей в других ситуациях там задерживали или высылали, а о "
        "людях в вашей ситуации сведений нет. Консультант может это проверить."
    )


def test_man_not_yet_called_up_with_visa_has_poor_asylum_chances_in_the_eu():
    s = screen_for(Status.NOT_CALLED_UP, Document.INTERNATIONAL_PASSPORT, Document.SCHENGEN_VISA)
    assert grouped(s) == expect(
        risky="AM BY DE EE FR KG KZ LT LV PL",
        possible="GE IL ME MN TR UZ",
        unknown="RS",
        not_possible="FI US",
    )
    assert s.option("FR").ground_ids == ("unhcr_gip_10",)


def test_called_up_man_already_in_the_united_states_faces_deportation_risk():
    s = screen_for(
        Status.CALLED_UP, Document.INTERNATIONAL_PASSPORT, Document.CALL_UP_PAPER, where="US"
    )
    assert grouped(s) == expect(
        risky="AM BY KG KZ US",
        possible="GE IL ME MN TR UZ",
        unknown="RS",
        not_possible="DE EE FI FR LT LV PL",
    )
    assert s.options[0].country == "US" and s.at_risk_here is not None
    assert "US.asylum_practice" in facts_of(s, "US", "risks")  # detention, deportations
    assert "US.return_risk" in facts_of(s, "US", "risks")


def test_person_somewhere_the_knowledge_base_does_not_cover_is_told_so():
    s = screen_for(Status.MOBILISED, Document.MILITARY_ID, where="AZ")
    assert grouped(s) == expect(not_possible=" ".join(sorted(c.iso2 for c in FACTS.countries)))
    assert s.unknowns[0].text.en == "Nothing in the facts covers AZ, where the person is now."


def test_requester_summary_is_plain_in_both_languages_and_names_the_danger_first():
    s = screen_for(Status.DESERTER, Document.INTERNAL_PASSPORT)
    assert s.plain.en == (
        "Risky for you: Armenia, Belarus, France, Kazakhstan, Kyrgyzstan. Not possible now: "
        "Estonia, Finland, Georgia, Germany, Israel, Latvia, Lithuania, Mongolia, Montenegro, "
        "Poland, Serbia, Turkey, United States, Uzbekistan. Rules change often: check with a "
        "counselor before you act."
    )
    assert s.plain.ru.startswith("Опасно для вас: Армения, Беларусь, Казахстан, Киргизия, Франция.")
    assert s.option("KZ").plain.ru == (
        "Казахстан: опасно для вас: оттуда вас могут выдать или выслать в Россию. "
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


# --- the rules, each on content changed in one place ---------------------------------------------


def with_danger(iso2: str, key: str, level: RiskLevel, content: Content = FACTS) -> Content:
    """The content with one country's danger fact for one status set to ``level``."""
    countries = []
    for country in content.countries:
        if country.iso2 == iso2:
            danger = dict(country.danger)
            danger[key] = dataclasses.replace(danger[key], level=level)
            country = dataclasses.replace(country, danger=MappingProxyType(danger))
        countries.append(country)
    return dataclasses.replace(content, countries=tuple(countries))


def with_visa_rule_unknown(iso2: str, content: Content = FACTS) -> Content:
    countries = []
    for country in content.countries:
        if country.iso2 == iso2:
            visa = dataclasses.replace(country.visa_free_days, visa=Visa.UNKNOWN)
            country = dataclasses.replace(country, visa_free_days=visa)
        countries.append(country)
    return dataclasses.replace(content, countries=tuple(countries))


def called_up(where: str = "RU", content: Content = FACTS) -> Screening:
    answers = Answers(Status.CALLED_UP, frozenset({Document.INTERNATIONAL_PASSPORT}), where)
    return screen(answers, content, today=TODAY)


def test_a_known_danger_outranks_a_visa_rule_nobody_recorded():
    content = with_visa_rule_unknown("GE", with_danger("GE", "called_up", RiskLevel.HIGH))
    georgia = called_up(content=content).option("GE")
    assert georgia.verdict is Verdict.RISKY
    assert georgia.plain.en == (
        "Georgia: risky for you: you can be handed back to Russia from there; also, we do not "
        "know the visa rules for you. Talk to a counselor first."
    )
    quiet = called_up(content=with_visa_rule_unknown("GE")).option("GE")  # danger low
    assert quiet.verdict is Verdict.UNKNOWN
    assert quiet.plain.en.startswith("Georgia: we do not know yet: we do not know the visa rules")


def test_the_danger_of_the_persons_own_status_decides():
    assert called_up().option("GE").verdict is Verdict.POSSIBLE  # low for called-up men
    # Raising another status's danger changes nothing for him; raising his own does.
    other = called_up(content=with_danger("GE", "deserter", RiskLevel.HIGH)).option("GE")
    assert other.verdict is Verdict.POSSIBLE
    raised = called_up(content=with_danger("GE", "called_up", RiskLevel.MEDIUM)).option("GE")
    assert raised.verdict is Verdict.RISKY
    assert raised.risks[0].facts == ("GE.danger_called_up",)
    assert raised.danger is RiskLevel.MEDIUM


def test_every_status_reads_the_danger_fact_it_maps_to():
    for status, key in DANGER_KEY_OF.items():
        answers = Answers(status, frozenset({Document.INTERNATIONAL_PASSPORT}), "RU")
        kazakhstan = screen(answers, FACTS, today=TODAY).option("KZ")
        assert kazakhstan.danger_fact == f"KZ.danger_{key}"
        assert kazakhstan.danger_fact in kazakhstan.facts
    assert DANGER_KEY_OF[Status.CONTRACT_SOLDIER] == "deserter"
    assert DANGER_KEY_OF[Status.NOT_CALLED_UP] == "evader"


def test_a_low_danger_is_said_and_an_unfound_one_is_never_called_safe():
    s = called_up()
    assert "GE.danger_called_up" in facts_of(s, "GE", "reasons")
    assert "We found nothing" not in s.option("GE").plain.en
    assert "IL.danger_called_up" in facts_of(s, "IL", "unknowns")
    assert s.option("IL").plain.en.endswith(
        "We found nothing on whether people in your situation are handed back to Russia from there."
    )


def with_return_level(iso2: str, level: RiskLevel, content: Content = FACTS) -> Content:
    countries = []
    for country in content.countries:
        if country.iso2 == iso2:
            risk = dataclasses.replace(country.return_risk, level=level)
            country = dataclasses.replace(country, return_risk=risk)
        countries.append(country)
    return dataclasses.replace(content, countries=tuple(countries))


def test_a_country_that_sends_others_back_is_not_possible_for_want_of_a_case_like_yours():
    # Georgia's return cases (high) concern deserters and activists, not called-up men.
    georgia_facts = FACTS.country("GE")
    assert georgia_facts is not None
    assert Status.CALLED_UP not in georgia_facts.return_risk.affects
    unfound = with_danger("GE", "called_up", RiskLevel.UNKNOWN)
    georgia = called_up(content=unfound).option("GE")
    assert georgia.verdict is Verdict.UNKNOWN
    assert georgia.plain.en == (
        "Georgia: we do not know yet: people in other situations have been detained or sent away "
        "from there, and we found nothing on people in yours. A counselor can check."
    )
    here = called_up(where="GE", content=unfound).option("GE")
    assert here.verdict is Verdict.UNKNOWN and not here.at_risk_here
    assert "staying looks possible" not in here.plain.en
    assert "sent away from here, and we found nothing on people in yours" in here.plain.en
    # With no return cases of note, nothing found stays a plain "not found", never "safe".
    quiet = called_up(content=with_return_level("GE", RiskLevel.LOW, unfound)).option("GE")
    assert quiet.verdict is Verdict.POSSIBLE
    assert quiet.plain.en.endswith(words.PLAIN_DANGER_UNFOUND.en)
    # A danger found low for him is his own answer: the others' cases do not override it.
    assert called_up().option("GE").verdict is Verdict.POSSIBLE


def test_belarus_is_never_a_refuge():
    for status in Status:
        for where in ("RU", "BY"):
            answers = Answers(status, frozenset({Document.INTERNAL_PASSPORT}), where)
            belarus = screen(answers, FACTS, today=TODAY).option("BY")
            assert belarus.verdict in (Verdict.RISKY, Verdict.UNKNOWN), (status, where)
            assert "looks possible" not in belarus.plain.en, (status, where)
            if belarus.danger in (RiskLevel.HIGH, RiskLevel.MEDIUM) and where == "BY":
                assert belarus.at_risk_here, status


def test_a_person_where_the_danger_is_medium_or_high_is_told_first_and_what_to_do():
    calm = called_up(where="GE")
    assert calm.at_risk_here is None
    assert calm.option("GE").plain.en.startswith(
        "Georgia: you are there now; staying looks possible"
    )
    s = called_up(where="GE", content=with_danger("GE", "called_up", RiskLevel.MEDIUM))
    georgia = s.options[0]
    assert georgia.country == "GE" and georgia.at_risk_here
    assert s.at_risk_here is not None
    assert s.at_risk_here.facts == ("GE.danger_called_up",)
    assert s.at_risk_here.text.en.startswith(
        "You are at risk where you are. Georgia: you may be refused protection or sent back from "
        "here. "
    )
    assert "talk to a counselor today" in s.at_risk_here.text.en
    assert "do not travel through or to another country that hands people back" in (
        s.at_risk_here.text.en
    )
    assert s.at_risk_here.text.ru.startswith("Вы в опасности там, где вы сейчас. Грузия:")
    assert s.plain.en.startswith(s.at_risk_here.text.en)
    assert "staying looks possible" not in georgia.plain.en
    assert georgia.plain.en.startswith("Georgia: you are at risk where you are:")


def test_options_put_the_danger_where_it_cannot_be_missed():
    s = called_up()
    shown = [option.verdict for option in s.options]
    assert shown == sorted(shown, key=list(Verdict).index)
    assert shown[0] is Verdict.RISKY
    risky = [o for o in s.options if o.verdict is Verdict.RISKY]
    assert risky[0].country == "BY"  # the one high danger before the medium ones
    assert [o.danger for o in risky] == sorted((o.danger for o in risky), key=list(RiskLevel).index)


def test_the_screening_names_every_fact_a_page_must_resolve():
    s = called_up(where="KZ")
    assert s.at_risk_here is not None
    named = set(s.facts)
    assert set(s.at_risk_here.facts) <= named
    for option in s.options:
        assert set(option.facts) <= named
        assert option.danger_fact in named
    assert all(FACTS.fact(fact_id) is not None for fact_id in named)


# --- properties ----------------------------------------------------------------------------------

answers = st.builds(
    Answers,
    status=st.sampled_from(Status),
    documents=st.frozensets(st.sampled_from([d for d in Document if d is not Document.NONE])),
    current_country=st.sampled_from(["RU", "BY", *(c.iso2 for c in FACTS.countries)]),
    constraints=st.frozensets(st.sampled_from(Constraint)),
)
SHOWN = list(Verdict).index
DANGER = list(RiskLevel).index


@settings(max_examples=200, deadline=None)
@given(answers)
def test_every_line_is_traced_to_facts_that_exist(person):
    s = screen(person, FACTS, today=TODAY)
    assert sorted(o.country for o in s.options) == sorted(c.iso2 for c in FACTS.countries)
    rest = [o for o in s.options if not o.at_risk_here]
    assert [(SHOWN(o.verdict), DANGER(o.danger), o.country) for o in rest] == sorted(
        (SHOWN(o.verdict), DANGER(o.danger), o.country) for o in rest
    )
    for option in s.options:
        for line in option.reasons + option.risks + option.grounds:
            assert line.facts, f"{option.country}: {line.text.en}"
        for line in option.lines:
            assert all(FACTS.fact(fact) is not None for fact in line.facts)
            assert line.text.en and re.search("[а-я]", line.text.ru)
        assert re.search("[а-я]", option.plain.ru) and option.plain.en


@settings(max_examples=200, deadline=None)
@given(answers)
def test_a_dangerous_country_is_never_offered_as_possible(person):
    s = screen(person, FACTS, today=TODAY)
    for country in FACTS.countries:
        option = s.option(country.iso2)
        danger = country.danger_for(person.status)
        assert option.danger is danger.level and option.danger_fact == danger.id
        if danger.level in (RiskLevel.HIGH, RiskLevel.MEDIUM):
            assert option.verdict in (Verdict.RISKY, Verdict.NOT_POSSIBLE)
            assert option.risks[0].facts == (danger.id,)
            assert words.DANGER_WHY[(danger.level, option.here)].en in option.plain.en
            if option.verdict is Verdict.RISKY:  # the danger leads whatever is not known
                plain = option.plain.en
                why = words.DANGER_WHY[(danger.level, option.here)].en
                assert plain.startswith(f"{option.name.en}: ") and why in plain
                assert plain.find("we do not know") in (-1, *range(plain.index(why), len(plain)))


@settings(max_examples=200, deadline=None)
@given(answers)
def test_at_risk_where_you_are_exactly_when_the_danger_there_is_medium_or_high(person):
    s = screen(person, FACTS, today=TODAY)
    there = FACTS.country(person.current_country)
    dangerous = there is not None and there.danger_for(person.status).level in (
        RiskLevel.HIGH,
        RiskLevel.MEDIUM,
    )
    assert (s.at_risk_here is not None) is dangerous
    if dangerous:
        assert s.options[0].country == person.current_country
        assert "staying looks possible" not in s.plain.en
        assert "staying looks possible" not in s.options[0].plain.en


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
        assert SEVERITY[after[iso]] <= SEVERITY[verdict], (
            f"{iso}: {verdict} -> {after[iso]} with {extra}"
        )


@settings(max_examples=100, deadline=None)
@given(answers)
def test_a_closed_border_is_never_offered_from_outside(person):
    s = screen(person, FACTS, today=TODAY)
    for country in FACTS.countries:
        if country.border_status.state == "closed" and person.current_country != country.iso2:
            assert s.option(country.iso2).verdict is Verdict.NOT_POSSIBLE
