"""Screener: where a person refusing military service could go, on which grounds, at what risk.

``screen`` is a pure function of the knowledge base and the person's answers. Every line it
writes carries the ids of the facts it used ("KZ.return_risk", "cjeu_ez"), so a counselor can open
each one with its sources and age; what the facts do not cover gets its own line instead of a
guess. Code here states no fact: what it says about a country comes from the content or is derived
from it. The words live in ``screener_text``.

Verdict per country, first match wins:
1. not possible: the documents held do not let the person in, or the border is closed;
2. unknown: the facts do not say whether the documents held let the person in;
3. risky: a documented risk applies to this person: return or extradition of people of this
   status, a border that admits only exceptions, asylum rarely granted where only asylum would let
   them stay, or a proof that a ground asks for and they lack;
4. unknown: only asylum would let them stay, and nothing is recorded on claims like theirs;
5. possible.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from haven.knowledge import screener_text as words
from haven.knowledge.content import (
    DEFAULT_STALE_AFTER_DAYS,
    BorderState,
    Constraint,
    Content,
    Country,
    Document,
    GroundKind,
    Outlook,
    RiskLevel,
    Sourced,
    Status,
    Text,
    Visa,
)

__all__ = [
    "Answers",
    "Constraint",
    "Document",
    "Facts",
    "Line",
    "Option",
    "Screening",
    "Status",
    "Verdict",
    "screen",
]

Facts = Content

_ISO2 = re.compile(r"[A-Z]{2}")


class Verdict(StrEnum):
    POSSIBLE = "possible"
    RISKY = "risky"
    UNKNOWN = "unknown"
    NOT_POSSIBLE = "not_possible"


_RANK = {verdict: rank for rank, verdict in enumerate(Verdict)}


@dataclass(frozen=True, slots=True)
class Answers:
    """What the person told a counselor (or the intake form): nothing that identifies them."""

    status: Status
    documents: frozenset[Document]
    current_country: str  # ISO 3166 alpha-2; "RU" while still in Russia
    constraints: frozenset[Constraint] = frozenset()

    def __post_init__(self) -> None:
        if not _ISO2.fullmatch(self.current_country):
            raise ValueError(
                f"current_country must be two capital letters, not {self.current_country!r}"
            )
        if Document.NONE in self.documents and len(self.documents) > 1:
            raise ValueError("documents: 'none' cannot be combined with other documents")


@dataclass(frozen=True, slots=True)
class Line:
    """One statement for a counselor, with the facts it rests on."""

    text: Text
    facts: tuple[str, ...]
    uncertain: bool = False  # a fact it uses is marked uncertain
    stale: bool = False  # a fact it uses is older than the threshold


@dataclass(frozen=True, slots=True)
class Option:
    country: str
    name: Text
    here: bool  # the person is already in this country
    verdict: Verdict
    reasons: tuple[Line, ...]
    risks: tuple[Line, ...]
    grounds: tuple[Line, ...]
    unknowns: tuple[Line, ...]
    plain: Text  # for the requester
    checklists: tuple[str, ...]

    @property
    def ground_ids(self) -> tuple[str, ...]:
        return tuple(fact for line in self.grounds for fact in line.facts)

    @property
    def lines(self) -> tuple[Line, ...]:
        return self.reasons + self.risks + self.grounds + self.unknowns

    @property
    def facts(self) -> tuple[str, ...]:
        return tuple(sorted({fact for line in self.lines for fact in line.facts}))


@dataclass(frozen=True, slots=True)
class Screening:
    answers: Answers
    options: tuple[Option, ...]  # by verdict (possible first), then country code
    unknowns: tuple[Line, ...]  # what the facts do not cover for this person, whatever the country
    plain: Text
    stale_facts: tuple[str, ...]

    def option(self, iso2: str) -> Option:
        return next(option for option in self.options if option.country == iso2)

    def verdicts(self) -> dict[str, Verdict]:
        return {option.country: option.verdict for option in self.options}


# --- screening ---------------------------------------------------------------------------------


@dataclass
class _Notes:
    """Lines being gathered for one country, and what they imply for the verdict."""

    today: date
    stale_after_days: int
    reasons: list[Line] = field(default_factory=list)
    risks: list[Line] = field(default_factory=list)
    grounds: list[Line] = field(default_factory=list)
    unknowns: list[Line] = field(default_factory=list)
    why: dict[str, list[str]] = field(default_factory=dict)  # verdict step -> plain reasons

    def line(self, text: Text, *used: Sourced) -> Line:
        return Line(
            text=text,
            facts=tuple(sorted({fact.id for fact in used})),
            uncertain=any(fact.uncertain for fact in used),
            stale=any(fact.is_stale(self.today, self.stale_after_days) for fact in used),
        )

    def mark(self, step: str, reason: str) -> None:
        self.why.setdefault(step, []).append(reason)


def screen(
    answers: Answers,
    facts: Facts,
    *,
    today: date,
    stale_after_days: int = DEFAULT_STALE_AFTER_DAYS,
) -> Screening:
    """List every country in the facts with a verdict for this person, each line traced to facts."""
    options = sorted(
        (
            _assess(country, answers, facts, _Notes(today, stale_after_days))
            for country in facts.countries
        ),
        key=lambda option: (_RANK[option.verdict], option.country),
    )
    stale = {
        fact
        for option in options
        for fact in option.facts
        if (item := facts.fact(fact)) is not None and item.is_stale(today, stale_after_days)
    }
    return Screening(
        answers=answers,
        options=tuple(options),
        unknowns=_general_unknowns(answers, facts),
        plain=_plain_summary(options),
        stale_facts=tuple(sorted(stale)),
    )


def _assess(country: Country, answers: Answers, facts: Facts, notes: _Notes) -> Option:
    here = answers.current_country == country.iso2
    if not here:
        _check_entry(country, answers, notes)
    needs_asylum = _check_stay(country, notes)
    _check_return(country, answers, notes)
    _check_asylum(country, answers, needs_asylum, notes)
    _check_grounds(country, answers, facts, here, needs_asylum, notes)
    _check_help(country, answers, notes)
    verdict = next(
        (v for step, v in _STEPS if step in notes.why),
        Verdict.POSSIBLE,
    )
    return Option(
        country=country.iso2,
        name=country.name,
        here=here,
        verdict=verdict,
        reasons=tuple(notes.reasons),
        risks=tuple(notes.risks),
        grounds=tuple(notes.grounds),
        unknowns=tuple(notes.unknowns),
        plain=_plain_option(country, verdict, here, notes),
        checklists=tuple(c.id for c in facts.checklists if c.country == country.iso2),
    )


_STEPS = (
    ("blocked", Verdict.NOT_POSSIBLE),
    ("entry_unknown", Verdict.UNKNOWN),
    ("risky", Verdict.RISKY),
    ("stay_unknown", Verdict.UNKNOWN),
)


def _check_entry(country: Country, answers: Answers, notes: _Notes) -> None:
    entry, visa, border = country.entry_documents, country.visa_free_days, country.border_status
    docs = answers.documents
    if Document.INTERNATIONAL_PASSPORT in docs:
        passport: bool | None = True
        held = Document.INTERNATIONAL_PASSPORT
    elif Document.INTERNAL_PASSPORT in docs:
        passport, held = entry.internal_passport_ok, Document.INTERNAL_PASSPORT
    else:
        passport, held = False, Document.NONE  # no passport: nothing to name as accepted
    lacking = "visa"  # what the requester is told is missing, if anything is
    visa_ok = visa.visa is Visa.NONE or (
        visa.visa is Visa.SCHENGEN and Document.SCHENGEN_VISA in docs
    )
    missing_docs = passport is False or (visa.visa is Visa.SCHENGEN and not visa_ok)

    if passport is False:
        lacking = "passport" if entry.internal_passport_ok else "international"
        needs = words.NEEDS_PASSPORT if entry.internal_passport_ok else words.NEEDS_INTERNATIONAL
        notes.reasons.append(notes.line(needs, entry))
    elif passport is None:
        notes.unknowns.append(notes.line(words.INTERNAL_UNCONFIRMED, entry))
        notes.mark("entry_unknown", "internal")
    elif visa.visa is Visa.SCHENGEN and not visa_ok:
        notes.reasons.append(notes.line(words.NEEDS_SCHENGEN, visa))
    elif visa.visa in (Visa.NATIONAL, Visa.UNKNOWN):
        notes.unknowns.append(notes.line(words.VISA_UNRECORDED, visa))
        notes.mark("entry_unknown", "visa_rule")
    elif visa.visa is Visa.SCHENGEN:
        notes.reasons.append(notes.line(words.ENTRY_VISA_OK, entry, visa))
    else:
        notes.reasons.append(notes.line(words.fmt(words.ENTRY_OK, doc=words.DOC[held]), entry))

    if missing_docs:
        if answers.status in entry.exceptional_entry:
            notes.unknowns.append(notes.line(words.EXCEPTION_ONCE, entry))
            notes.mark("entry_unknown", "exception")
        else:
            notes.mark("blocked", lacking)

    if border.state is BorderState.CLOSED:
        notes.reasons.append(notes.line(words.quote(words.BORDER, border.value), border))
        notes.mark("blocked", "closed")
    elif border.state is BorderState.RESTRICTED:
        notes.risks.append(notes.line(words.quote(words.BORDER, border.value), border))
        notes.mark("risky", "restricted")
    elif border.state is BorderState.UNKNOWN:
        notes.unknowns.append(notes.line(words.quote(words.BORDER, border.value), border))


def _check_stay(country: Country, notes: _Notes) -> bool:
    """Note how long the person may stay; True when only asylum would let them stay on."""
    visa = country.visa_free_days
    if visa.days:
        notes.reasons.append(
            notes.line(words.fmt(words.STAY_DAYS, days=words.days_text(visa.days)), visa)
        )
    elif visa.days == 0:
        notes.reasons.append(notes.line(words.STAY_NONE, visa))
    else:
        notes.unknowns.append(notes.line(words.STAY_UNCLEAR, visa))
    return visa.days == 0


def _check_return(country: Country, answers: Answers, notes: _Notes) -> None:
    risk = country.return_risk
    label = words.fmt(words.RETURN, level=words.LEVEL[risk.level])
    line = notes.line(words.quote(label, risk.value), risk)
    (notes.risks if risk.known else notes.unknowns).append(line)
    if risk.level in (RiskLevel.HIGH, RiskLevel.MEDIUM) and answers.status in risk.affects:
        notes.mark("risky", "return")


def _check_asylum(country: Country, answers: Answers, needs_asylum: bool, notes: _Notes) -> None:
    asylum = country.asylum_practice
    outlook = asylum.outlook_for(answers.status)
    if not asylum.known or outlook is Outlook.UNKNOWN:
        label = words.ASYLUM if not asylum.known else words.ASYLUM_SILENT
        notes.unknowns.append(notes.line(words.quote(label, asylum.value), asylum))
        if needs_asylum:
            notes.mark("stay_unknown", "asylum_silent")
    elif outlook is Outlook.FAVOURABLE:
        notes.reasons.append(notes.line(words.quote(words.ASYLUM, asylum.value), asylum))
    else:
        notes.risks.append(notes.line(words.quote(words.ASYLUM, asylum.value), asylum))
        if needs_asylum:
            notes.mark("risky", "asylum")


def _check_grounds(
    country: Country, answers: Answers, facts: Facts, here: bool, needs_asylum: bool, notes: _Notes
) -> None:
    for ground in sorted(facts.grounds, key=lambda g: g.id):
        if not ground.applies_when.covers(answers.status, country.iso2):
            continue
        if ground.kind is GroundKind.POLICY:
            if not here and country.visa_free_days.visa is Visa.SCHENGEN:
                notes.risks.append(
                    notes.line(words.fmt(words.VISA_POLICY, title=ground.title), ground)
                )
            continue
        notes.grounds.append(
            notes.line(
                words.fmt(words.GROUND, title=ground.title, citation=ground.citation), ground
            )
        )
        proof = ground.applies_when.proof_documents
        if not proof:
            continue
        held = sorted(proof & answers.documents)
        asked = words.join([words.DOC[d] for d in sorted(proof)], " / ")
        if held:
            text = words.fmt(words.PROOF_HELD, title=ground.title, doc=words.DOC[held[0]])
            notes.reasons.append(notes.line(text, ground))
            continue
        notes.risks.append(
            notes.line(words.fmt(words.PROOF_MISSING, title=ground.title, doc=asked), ground)
        )
        if needs_asylum:
            notes.mark("risky", "proof")
        if Document.MILITARY_ID in answers.documents:
            text = words.fmt(
                words.PROOF_OTHER, title=ground.title, doc=words.DOC[Document.MILITARY_ID]
            )
            notes.unknowns.append(notes.line(text, ground))


def _check_help(country: Country, answers: Answers, notes: _Notes) -> None:
    groups = country.help_groups
    if groups.known:
        notes.reasons.append(notes.line(words.quote(words.HELP, groups.value), groups))
    else:
        notes.unknowns.append(notes.line(words.quote(words.HELP, groups.value), groups))
    if Constraint.NO_MONEY in answers.constraints and not groups.shelter:
        notes.unknowns.append(notes.line(words.NO_SHELTER, groups))


def _plain_option(country: Country, verdict: Verdict, here: bool, notes: _Notes) -> Text:
    days = country.visa_free_days.days
    stay = words.fmt(words.PLAIN_STAY, days=words.days_text(days)) if days else Text("", "")
    if verdict is Verdict.POSSIBLE:
        return words.fmt(
            words.PLAIN_HERE if here else words.PLAIN[verdict.value], name=country.name, stay=stay
        )
    step = next(step for step, v in _STEPS if v is verdict and step in notes.why)
    why = words.join([words.WHY[reason] for reason in dict.fromkeys(notes.why[step])])
    return words.fmt(words.PLAIN[verdict.value], name=country.name, why=why)


def _plain_summary(options: list[Option]) -> Text:
    parts = []
    for verdict in Verdict:
        names = [option.name for option in options if option.verdict is verdict]
        if names:
            listed = Text(*(", ".join(sorted(n.get(lang) for n in names)) for lang in ("en", "ru")))
            parts.append(words.fmt(words.PLAIN_GROUP[verdict.value], names=listed))
    return words.join([*parts, words.PLAIN_END], " ")


def _general_unknowns(answers: Answers, facts: Facts) -> tuple[Line, ...]:
    lines = []
    if answers.current_country == "RU":
        lines.append(Line(words.GENERAL["russia"], ()))
    elif facts.country(answers.current_country) is None:
        lines.append(
            Line(words.fmt(words.GENERAL["elsewhere"], country=answers.current_country), ())
        )
    lines += [Line(words.GENERAL[c], ()) for c in sorted(answers.constraints)]
    lines.append(Line(words.fmt(words.GENERAL["coverage"], count=len(facts.countries)), ()))
    return tuple(lines)
