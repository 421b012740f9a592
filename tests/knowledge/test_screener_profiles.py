"""Thirty people the screener must answer rightly, against the shipped content.

Each profile is a status, the documents held and where the person is now. For the countries that
matter to them it pins the verdict, the risk lines (by the ids of the facts they rest on: the
danger fact of the person's own status first), the legal grounds (by id), whether the person is
told "you are at risk where you are" (and on which facts) and the lines that hold whatever the
country. Assertions are on verdicts, levels and ids, never on the content's prose, which its
editors rewrite; the screener's own words are checked only where a reviewer's finding is pinned.

=====================  ===========================  ===========  ==================================
profile                documents                    now in       what it pins
=====================  ===========================  ===========  ==================================
evader_ru_internal     internal passport            Russia       called-up man: KZ AM KG risky on
                                                                 their called-up danger (medium)
deserter_kz_asylum     internal passport, mil. ID   Kazakhstan   at risk here on KZ.danger_deserter
                                                                 and return cases; asylum poor
mobilised_am           intl passport, call-up       Armenia      at risk here (high); GE TR risky;
                                                                 French proof held, no visa
activist_ge            intl passport                Georgia      at risk here on GE.danger_activist;
                                                                 Serbia risky; no ground applies
objector_de            intl passport, visa          Germany      at risk here (medium, refusals);
                                                                 Bayatyan and EU grounds
contract_kg            intl passport, mil. ID       Kyrgyzstan   contract soldier reads the
                                                                 deserters' danger: at risk here
family_rs_no_money     intl passport                Serbia       evader, children, no money: stay
                                                                 unknown, Serbia's returns concern
                                                                 activists, nothing found on his
visa_ru                intl passport, visa, call-up Russia       EE LV PL risky on danger before
                                                                 the border; France's proof held
us_bound_evader        intl passport                Russia       US closed to asylum seekers, yet
                                                                 its high danger is still said
belarus_transit        intl passport, call-up       Belarus      at risk here on its called-up
                                                                 danger and return cases: no refuge
deserter_no_papers     none                         Russia       only France, risky: proof missing
                                                                 outranks the one-time exception
mobilised_ru_internal  internal passport, call-up   Russia       AM KG KZ risky on high danger
activist_rs            intl passport                Serbia       at risk here on RS.danger_activist
activist_ru_visa       intl passport, visa          Russia       Baltics and Poland risky on the
                                                                 border (danger low); France silent
called_up_kz           internal passport            Kazakhstan   the reviewer's case: at risk here,
                                                                 never "staying looks possible"
not_called_up_kz       intl passport                Kazakhstan   evader's danger (medium): at risk
called_up_tr           intl passport                Turkey       danger low there: staying possible
deserter_tr            intl passport, mil. ID       Turkey       danger medium for him: at risk
objector_am            internal passport            Armenia      danger not found, but Armenia
                                                                 sends others back: unknown, never
                                                                 possible; Bayatyan applies
called_up_fi           intl passport, visa          Finland      at risk here (medium); Migri ground
mobilised_fr           intl passport, visa, call-up France       danger low, asylum favourable: stay
deserter_de            intl passport, visa, mil. ID Germany      danger low, BAMF practice: stay
contract_ru_internal   internal passport, mil. ID   Russia       deserters' danger in AM KG KZ
called_up_us           intl passport, call-up       USA          at risk here on danger and return
evader_ge_health       intl passport                Georgia      low danger: stay; health line
called_up_il           intl passport                Israel       nothing found: stay, not "safe"
deserter_mn            internal passport            Mongolia     in, danger not found: stay; KZ AM
                                                                 KG risky around him
activist_lt            intl passport, visa          Lithuania    danger low, but asylum poor with
                                                                 no visa-free stay: risky, not at
                                                                 risk here
objector_fi            intl passport, visa          Finland      return cases concern objectors:
                                                                 risky, though danger not found
objector_ru_internal   internal passport            Russia       every danger unknown in reach:
                                                                 AM BY KG KZ unknown, as they send
                                                                 others back; never "possible"
=====================  ===========================  ===========  ==================================

Regressions from the review: no profile reads "United States: we do not know the visa rules"
without the risk first; a called-up evader in Kazakhstan is not told staying looks possible;
Kazakhstan's, Armenia's and Kyrgyzstan's risks reach called-up men and evaders; Georgia's and
Serbia's reach activists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest

from haven.knowledge import screener_text as words
from haven.knowledge.content import Constraint, Document, RiskLevel, Status, load_content
from haven.knowledge.screener import screen
from haven.knowledge.screening import Answers, Screening, Verdict

FACTS = load_content()
TODAY = date(2026, 12, 4)
EU = frozenset({"cjeu_ez", "cjeu_shepherd", "eu_qd_art_9_2_e", "unhcr_gip_10"})
UNHCR = frozenset({"unhcr_gip_10"})
DANGEROUS = (RiskLevel.HIGH, RiskLevel.MEDIUM)

INTERNAL = Document.INTERNAL_PASSPORT
PASSPORT = Document.INTERNATIONAL_PASSPORT
VISA = Document.SCHENGEN_VISA
CALL_UP = Document.CALL_UP_PAPER
MILITARY_ID = Document.MILITARY_ID


def verdicts(risky="", possible="", unknown="", not_possible="") -> dict[str, Verdict]:
    """Verdicts of the countries that matter, as space-separated codes per verdict."""
    given = {
        Verdict.RISKY: risky,
        Verdict.POSSIBLE: possible,
        Verdict.UNKNOWN: unknown,
        Verdict.NOT_POSSIBLE: not_possible,
    }
    return {iso: verdict for verdict, codes in given.items() for iso in codes.split()}


@dataclass(frozen=True)
class Profile:
    name: str
    status: Status
    documents: tuple[Document, ...]
    where: str
    verdicts: dict[str, Verdict]
    warnings: dict[str, set[str]] = field(default_factory=dict)  # iso2 -> facts of risk lines
    grounds: dict[str, frozenset[str]] = field(default_factory=dict)  # iso2 -> ground ids
    at_risk_here: tuple[str, ...] | None = None  # facts of "you are at risk where you are"
    constraints: tuple[Constraint, ...] = ()
    general: tuple[str, ...] = ()  # keys of words.GENERAL the person must read

    def screening(self) -> Screening:
        answers = Answers(
            self.status, frozenset(self.documents), self.where, frozenset(self.constraints)
        )
        return screen(answers, FACTS, today=TODAY)


PROFILES = [
    Profile(
        "evader_ru_internal",
        Status.CALLED_UP,
        (INTERNAL,),
        "RU",
        verdicts(risky="AM BY KG KZ", not_possible="GE ME MN TR US"),
        warnings={
            "KZ": {"KZ.danger_called_up", "KZ.return_risk"},
            "AM": {"AM.danger_called_up", "AM.asylum_practice"},
            "KG": {"KG.danger_called_up"},
        },
        grounds={"KZ": UNHCR, "AM": UNHCR},
        general=("russia",),
    ),
    Profile(
        "deserter_kz_asylum",
        Status.DESERTER,
        (INTERNAL, MILITARY_ID),
        "KZ",
        verdicts(risky="AM KG KZ", not_possible="GE ME MN UZ"),
        warnings={
            "KZ": {"KZ.danger_deserter", "KZ.return_risk", "KZ.asylum_practice"},
            "AM": {"AM.danger_deserter"},
            "KG": {"KG.danger_deserter"},
        },
        grounds={"KZ": UNHCR},
        at_risk_here=("KZ.danger_deserter", "KZ.return_risk"),
    ),
    Profile(
        "mobilised_am",
        Status.MOBILISED,
        (PASSPORT, CALL_UP),
        "AM",
        verdicts(
            risky="AM GE KG KZ TR",
            possible="IL ME MN UZ",
            unknown="RS",
            not_possible="DE FI FR PL US",
        ),
        warnings={
            "AM": {"AM.danger_mobilised", "AM.return_risk"},
            "GE": {"GE.danger_mobilised"},
            "TR": {"TR.danger_mobilised"},
        },
        grounds={"FR": EU | {"fr_cnda_2023"}, "DE": EU | {"de_bamf_practice"}},
        at_risk_here=("AM.danger_mobilised", "AM.return_risk"),
    ),
    Profile(
        "activist_ge",
        Status.ACTIVIST,
        (PASSPORT,),
        "GE",
        verdicts(risky="AM GE KG KZ RS TR", possible="IL ME MN UZ", not_possible="DE EE US"),
        warnings={"GE": {"GE.danger_activist"}, "RS": {"RS.danger_activist"}},
        grounds={"GE": frozenset(), "DE": frozenset(), "RS": frozenset()},
        at_risk_here=("GE.danger_activist", "GE.return_risk"),
    ),
    Profile(
        "objector_de",
        Status.CONSCIENTIOUS_OBJECTOR,
        (PASSPORT, VISA),
        "DE",
        verdicts(risky="DE EE", unknown="AM FR GE KZ", not_possible="FI US"),
        warnings={"DE": {"DE.danger_objector"}, "EE": {"EE.border_status"}},
        grounds={
            "DE": frozenset({"cjeu_ez", "ecthr_bayatyan", "eu_qd_art_9_2_e", "unhcr_gip_10"}),
            "AM": frozenset({"ecthr_bayatyan", "unhcr_gip_10"}),
        },
        at_risk_here=("DE.danger_objector",),
    ),
    Profile(
        "contract_kg",
        Status.CONTRACT_SOLDIER,
        (PASSPORT, MILITARY_ID),
        "KG",
        verdicts(risky="AM GE KG KZ TR", possible="UZ", unknown="RS", not_possible="DE FR US"),
        warnings={"KG": {"KG.danger_deserter", "KG.return_risk"}, "GE": {"GE.danger_deserter"}},
        grounds={"KG": UNHCR, "DE": EU - {"cjeu_ez"} | {"de_bamf_practice"}},
        at_risk_here=("KG.danger_deserter", "KG.return_risk"),
    ),
    Profile(
        "family_rs_no_money",
        Status.NOT_CALLED_UP,
        (PASSPORT,),
        "RS",
        verdicts(risky="AM KG KZ", possible="GE TR", unknown="RS", not_possible="DE FR US"),
        warnings={"KZ": {"KZ.danger_evader"}, "US": {"US.danger_evader", "US.return_risk"}},
        grounds={"RS": UNHCR, "FR": UNHCR},
        constraints=(Constraint.FAMILY_WITH_CHILDREN, Constraint.NO_MONEY),
        general=(Constraint.FAMILY_WITH_CHILDREN, Constraint.NO_MONEY),
    ),
    Profile(
        "visa_ru",
        Status.CALLED_UP,
        (PASSPORT, VISA, CALL_UP),
        "RU",
        verdicts(risky="DE EE FR LT LV PL", possible="GE TR", not_possible="FI US"),
        warnings={
            "EE": {"EE.danger_called_up", "EE.border_status"},
            "FR": {"FR.danger_called_up", "eu_visa_guidelines_2022"},
            "DE": {"DE.danger_called_up", "DE.asylum_practice"},
        },
        grounds={"FR": EU | {"fr_cnda_2023"}, "DE": EU, "FI": EU | {"fi_migri_practice"}},
        general=("russia",),
    ),
    Profile(
        "us_bound_evader",
        Status.NOT_CALLED_UP,
        (PASSPORT,),
        "RU",
        verdicts(risky="AM KG KZ", possible="GE IL TR", not_possible="DE FR US"),
        warnings={"US": {"US.danger_evader", "US.return_risk"}},
        grounds={"US": UNHCR},
        general=("russia",),
    ),
    Profile(
        "belarus_transit",
        Status.CALLED_UP,
        (PASSPORT, CALL_UP),
        "BY",
        verdicts(risky="AM BY KG KZ", possible="GE TR", not_possible="DE EE FI LT LV PL US"),
        warnings={"KZ": {"KZ.danger_called_up"}, "US": {"US.danger_called_up"}},
        grounds={"FR": EU | {"fr_cnda_2023"}},
        at_risk_here=("BY.danger_called_up", "BY.return_risk"),
    ),
    Profile(
        "deserter_no_papers",
        Status.DESERTER,
        (Document.NONE,),
        "RU",
        verdicts(risky="FR", not_possible="AM DE GE KG KZ ME MN RS TR US"),
        warnings={
            "FR": {"fr_cnda_2023"},
            "KZ": {"KZ.danger_deserter"},  # not possible, yet the danger is still a risk line
        },
        grounds={"FR": EU | {"fr_cnda_2023"}},
        general=("russia",),
    ),
    Profile(
        "mobilised_ru_internal",
        Status.MOBILISED,
        (INTERNAL, CALL_UP),
        "RU",
        verdicts(risky="AM KG KZ", not_possible="FR GE ME MN US"),
        warnings={"KZ": {"KZ.danger_mobilised", "KZ.asylum_practice"}},
        grounds={"AM": UNHCR, "FR": EU | {"fr_cnda_2023"}},
        general=("russia",),
    ),
    Profile(
        "activist_rs",
        Status.ACTIVIST,
        (PASSPORT,),
        "RS",
        verdicts(risky="GE KG KZ RS", possible="IL ME MN UZ", not_possible="DE US"),
        warnings={"RS": {"RS.danger_activist"}},
        grounds={"RS": frozenset()},
        at_risk_here=("RS.danger_activist", "RS.return_risk"),
    ),
    Profile(
        "activist_ru_visa",
        Status.ACTIVIST,
        (PASSPORT, VISA),
        "RU",
        verdicts(
            risky="DE EE GE KG KZ LT LV PL RS",
            possible="IL ME MN UZ",
            unknown="FR",
            not_possible="FI US",
        ),
        warnings={
            "EE": {"EE.border_status"},
            "DE": {"DE.danger_activist"},
            "GE": {"GE.danger_activist"},
        },
        grounds={"DE": frozenset(), "FR": frozenset()},
        general=("russia",),
    ),
    Profile(
        "called_up_kz",
        Status.CALLED_UP,
        (INTERNAL,),
        "KZ",
        verdicts(risky="AM KG KZ", not_possible="GE ME MN US"),
        warnings={"KZ": {"KZ.danger_called_up", "KZ.return_risk"}},
        grounds={"KZ": UNHCR},
        at_risk_here=("KZ.danger_called_up", "KZ.return_risk"),
    ),
    Profile(
        "not_called_up_kz",
        Status.NOT_CALLED_UP,
        (PASSPORT,),
        "KZ",
        verdicts(risky="AM KG KZ", possible="GE TR", not_possible="DE US"),
        warnings={"KZ": {"KZ.danger_evader"}},
        grounds={"KZ": UNHCR},
        at_risk_here=("KZ.danger_evader", "KZ.return_risk"),
    ),
    Profile(
        "called_up_tr",
        Status.CALLED_UP,
        (PASSPORT,),
        "TR",
        verdicts(risky="AM KG KZ", possible="GE TR", not_possible="DE FR US"),
        warnings={"TR": {"TR.return_risk"}},
        grounds={"TR": UNHCR},
    ),
    Profile(
        "deserter_tr",
        Status.DESERTER,
        (PASSPORT, MILITARY_ID),
        "TR",
        verdicts(risky="AM FR GE KG KZ TR", possible="UZ", unknown="RS", not_possible="DE US"),
        warnings={"TR": {"TR.danger_deserter"}, "FR": {"fr_cnda_2023"}},
        grounds={"TR": UNHCR, "DE": EU | {"de_bamf_practice"}},
        at_risk_here=("TR.danger_deserter", "TR.return_risk"),
    ),
    Profile(
        "objector_am",
        Status.CONSCIENTIOUS_OBJECTOR,
        (INTERNAL,),
        "AM",
        verdicts(unknown="AM KG KZ", not_possible="GE ME MN US"),
        warnings={"AM": {"AM.asylum_practice"}},
        grounds={"AM": frozenset({"ecthr_bayatyan", "unhcr_gip_10"}), "KZ": UNHCR},
    ),
    Profile(
        "called_up_fi",
        Status.CALLED_UP,
        (PASSPORT, VISA),
        "FI",
        verdicts(risky="DE EE FI FR", possible="GE TR", not_possible="US"),
        warnings={"FI": {"FI.danger_called_up", "FI.return_risk", "FI.asylum_practice"}},
        grounds={"FI": EU | {"fi_migri_practice"}},
        at_risk_here=("FI.danger_called_up", "FI.return_risk"),
    ),
    Profile(
        "mobilised_fr",
        Status.MOBILISED,
        (PASSPORT, VISA, CALL_UP),
        "FR",
        verdicts(risky="DE GE KZ", possible="FR UZ", unknown="RS", not_possible="FI US"),
        warnings={"DE": {"DE.danger_mobilised"}, "GE": {"GE.danger_mobilised"}},
        grounds={"FR": EU | {"fr_cnda_2023"}},
    ),
    Profile(
        "deserter_de",
        Status.DESERTER,
        (PASSPORT, VISA, MILITARY_ID),
        "DE",
        verdicts(risky="AM FR GE KZ TR", possible="DE", unknown="RS", not_possible="FI US"),
        warnings={"FR": {"fr_cnda_2023"}, "GE": {"GE.danger_deserter"}},
        grounds={"DE": EU | {"de_bamf_practice"}},
    ),
    Profile(
        "contract_ru_internal",
        Status.CONTRACT_SOLDIER,
        (INTERNAL, MILITARY_ID),
        "RU",
        verdicts(risky="AM KG KZ", not_possible="FR GE ME MN US"),
        warnings={"AM": {"AM.danger_deserter"}, "KZ": {"KZ.danger_deserter"}},
        grounds={"KZ": UNHCR, "FR": EU - {"cjeu_ez"}},
        general=("russia",),
    ),
    Profile(
        "called_up_us",
        Status.CALLED_UP,
        (PASSPORT, CALL_UP),
        "US",
        verdicts(risky="US AM KG KZ", possible="GE TR", not_possible="DE"),
        warnings={"US": {"US.danger_called_up", "US.return_risk"}},
        grounds={"US": UNHCR},
        at_risk_here=("US.danger_called_up", "US.return_risk"),
    ),
    Profile(
        "evader_ge_health",
        Status.NOT_CALLED_UP,
        (PASSPORT,),
        "GE",
        verdicts(risky="AM KG KZ", possible="GE TR", not_possible="DE US"),
        warnings={"KZ": {"KZ.danger_evader"}},
        grounds={"GE": UNHCR},
        constraints=(Constraint.HEALTH_NEEDS,),
        general=(Constraint.HEALTH_NEEDS,),
    ),
    Profile(
        "called_up_il",
        Status.CALLED_UP,
        (PASSPORT,),
        "IL",
        verdicts(risky="AM KG KZ", possible="GE IL", not_possible="DE US"),
        grounds={"IL": UNHCR},
    ),
    Profile(
        "deserter_mn",
        Status.DESERTER,
        (INTERNAL,),
        "MN",
        verdicts(risky="AM FR KG KZ", possible="MN", not_possible="GE ME US"),
        warnings={"KZ": {"KZ.danger_deserter", "KZ.return_risk"}},
        grounds={"MN": UNHCR},
    ),
    Profile(
        "activist_lt",
        Status.ACTIVIST,
        (PASSPORT, VISA),
        "LT",
        verdicts(risky="DE GE LT RS", possible="IL ME", unknown="FR", not_possible="FI US"),
        warnings={"LT": {"LT.asylum_practice"}, "RS": {"RS.danger_activist"}},
        grounds={"LT": frozenset()},
    ),
    Profile(
        "objector_fi",
        Status.CONSCIENTIOUS_OBJECTOR,
        (PASSPORT, VISA),
        "FI",
        verdicts(risky="DE FI", unknown="AM FR KZ", not_possible="US"),
        warnings={"FI": {"FI.return_risk", "FI.asylum_practice"}},
        grounds={"FI": frozenset({"cjeu_ez", "ecthr_bayatyan", "eu_qd_art_9_2_e", "unhcr_gip_10"})},
    ),
    Profile(
        "objector_ru_internal",
        Status.CONSCIENTIOUS_OBJECTOR,
        (INTERNAL,),
        "RU",
        verdicts(unknown="AM BY KG KZ", not_possible="GE ME MN US"),
        grounds={"AM": frozenset({"ecthr_bayatyan", "unhcr_gip_10"})},
        general=("russia",),
    ),
]
BY_NAME = {profile.name: profile for profile in PROFILES}
each_profile = pytest.mark.parametrize("profile", PROFILES, ids=[p.name for p in PROFILES])


def risk_facts(screening: Screening, iso2: str) -> set[str]:
    return {fact for line in screening.option(iso2).risks for fact in line.facts}


# --- what each profile pins ------------------------------------------------------------------


@each_profile
def test_verdicts_of_the_countries_that_matter(profile: Profile) -> None:
    s = profile.screening()
    assert {iso: s.option(iso).verdict for iso in profile.verdicts} == profile.verdicts


@each_profile
def test_warnings_rest_on_the_facts_named(profile: Profile) -> None:
    s = profile.screening()
    for iso, expected in profile.warnings.items():
        assert expected <= risk_facts(s, iso), iso


@each_profile
def test_the_danger_of_the_persons_own_status_leads_the_risks(profile: Profile) -> None:
    s = profile.screening()
    for country in FACTS.countries:
        danger = country.danger_for(profile.status)
        option = s.option(country.iso2)
        assert option.danger_fact == danger.id
        if danger.level in DANGEROUS:
            assert option.risks[0].facts == (danger.id,), country.iso2
            assert option.verdict in (Verdict.RISKY, Verdict.NOT_POSSIBLE), country.iso2
            # Said in plain words even where the documents shut the door for now.
            assert words.DANGER_WHY[(danger.level, option.here)].en in option.plain.en


@each_profile
def test_grounds_that_may_apply(profile: Profile) -> None:
    s = profile.screening()
    for iso, expected in profile.grounds.items():
        assert set(s.option(iso).ground_ids) == expected, iso


@each_profile
def test_at_risk_where_they_are_is_said_first_with_what_to_do(profile: Profile) -> None:
    s = profile.screening()
    if FACTS.country(profile.where) is None:  # Russia, or a country the content does not cover
        assert s.at_risk_here is None
        if profile.where != "RU":
            elsewhere = words.fmt(words.GENERAL["elsewhere"], country=profile.where)
            assert s.unknowns[0].text == elsewhere
        return
    if profile.at_risk_here is None:
        assert s.at_risk_here is None
        here = s.option(profile.where)
        assert not here.at_risk_here
        return
    assert s.at_risk_here is not None
    assert s.at_risk_here.facts[0] == profile.at_risk_here[0]
    assert set(profile.at_risk_here) <= set(s.at_risk_here.facts)
    assert s.options[0].country == profile.where and s.options[0].at_risk_here
    assert s.plain.en.startswith(s.at_risk_here.text.en)
    assert s.plain.ru.startswith(s.at_risk_here.text.ru)
    for text in (s.plain.en, s.options[0].plain.en, s.at_risk_here.text.en):
        assert "staying looks possible" not in text
        assert "counselor" in text


@each_profile
def test_lines_that_hold_whatever_the_country(profile: Profile) -> None:
    s = profile.screening()
    general = [line.text for line in s.unknowns]
    for key in profile.general:
        assert words.GENERAL[key] in general, key
    assert (words.GENERAL["russia"] in general) is (profile.where == "RU")


@each_profile
def test_every_fact_named_exists_with_its_sources(profile: Profile) -> None:
    s = profile.screening()
    for fact_id in s.facts:
        fact = FACTS.fact(fact_id)
        assert fact is not None, fact_id
        assert fact.sources or not fact.known, fact_id


# --- the reviewer's findings, as regressions ---------------------------------------------------


@each_profile
def test_no_one_reads_that_the_visa_rule_is_unknown_before_the_risk(profile: Profile) -> None:
    s = profile.screening()
    for option in s.options:
        plain = option.plain.en
        if "we do not know the visa rules" not in plain:
            continue
        if option.danger in DANGEROUS:
            danger = words.DANGER_WHY[(option.danger, option.here)].en
            assert plain.index(danger) < plain.index("we do not know the visa rules"), plain
        assert not plain.startswith(f"{option.name.en}: we do not know"), plain
    united_states = s.option("US")
    if united_states.verdict is not Verdict.NOT_POSSIBLE:
        assert united_states.verdict is Verdict.RISKY
        assert united_states.plain.en.startswith(
            (
                "United States: risky for you: you can be handed back to Russia from there",
                "United States: you are at risk where you are: you can be handed back",
            )
        )


def test_a_called_up_evader_in_kazakhstan_is_not_told_staying_looks_possible() -> None:
    s = BY_NAME["called_up_kz"].screening()
    kazakhstan = s.option("KZ")
    assert kazakhstan.verdict is Verdict.RISKY and kazakhstan.at_risk_here
    assert kazakhstan.plain.en.startswith("Kazakhstan: you are at risk where you are: ")
    assert kazakhstan.plain.ru.startswith("Казахстан: вы в опасности там, где вы сейчас: ")
    assert s.at_risk_here is not None
    assert s.at_risk_here.text.en.startswith("You are at risk where you are. Kazakhstan: ")


def test_central_asian_and_caucasian_risks_reach_called_up_men_and_evaders() -> None:
    for name in ("evader_ru_internal", "us_bound_evader"):
        profile = BY_NAME[name]
        s = profile.screening()
        for country in FACTS.countries:
            if country.iso2 not in ("KZ", "AM", "KG"):
                continue
            iso, danger = country.iso2, country.danger_for(profile.status)
            assert danger.level is RiskLevel.MEDIUM
            assert s.option(iso).verdict is Verdict.RISKY
            assert s.option(iso).risks[0].facts == (danger.id,)


def test_georgian_and_serbian_risks_reach_activists() -> None:
    s = BY_NAME["activist_ru_visa"].screening()
    for iso in ("GE", "RS"):
        assert s.option(iso).verdict is Verdict.RISKY
        assert s.option(iso).risks[0].facts == (f"{iso}.danger_activist",)
        assert s.option(iso).danger is RiskLevel.HIGH


def test_the_profiles_span_statuses_documents_and_places() -> None:
    assert len(PROFILES) >= 24
    assert len(BY_NAME) == len(PROFILES)  # names are unique
    assert {p.status for p in PROFILES} == set(Status)
    assert {d for p in PROFILES for d in p.documents} == set(Document)
    places = {p.where for p in PROFILES}
    assert "RU" in places and len(places - {"RU"}) >= 12
    assert sum(p.at_risk_here is not None for p in PROFILES) >= 10
    assert sum(p.at_risk_here is None and p.where != "RU" for p in PROFILES) >= 6


def test_the_table_above_lists_every_profile_once() -> None:
    assert __doc__ is not None
    rows = [line.split()[0] for line in __doc__.splitlines() if line[:1].isalpha()]
    tabled = [name for name in rows if name in BY_NAME]
    assert tabled == [p.name for p in PROFILES]
    assert __doc__.startswith("Thirty people") and len(PROFILES) == 30
