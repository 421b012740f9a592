"""Screener: where a person refusing military service could go, on which grounds, at what risk.

``screen`` is a pure function of the knowledge base and the person's answers. Every line it
writes carries the ids of the facts it used ("KZ.danger_called_up", "cjeu_ez"), so a counselor or a
page can open each one with its sources, dates and age; what the facts do not cover gets its own
line instead of a guess. Code here states no fact: what it says about a country comes from the
content or is derived from it. The words live in ``screener_text``.

Verdict per country, first match wins (a known danger outranks what we do not know):
1. not possible: the documents held do not let the person in, or the border is closed;
2. risky: a documented risk applies to this person: the country's danger for their status is high
   or medium, its return cases concern their status, the border admits only exceptions, asylum is
   rarely granted where only asylum would let them stay, or a ground asks for a proof they lack;
3. unknown: the facts do not say whether the documents held let the person in, only asylum would
   let them stay and nothing is recorded on claims like theirs, or nothing was found on the danger
   for their status while the country's return cases (high or medium) concern other statuses: a
   country that hands people back is never "possible" for want of a case like theirs;
4. possible.

Where the person is already in a country whose danger for their status is high or medium, the
screening says so first (``Screening.at_risk_here``) with what to do now, and that country's
option leads the list. Otherwise options come in ``Verdict`` order (risky first, so danger is read
before hope), the higher danger first within a verdict, then by country code. A requester's plain
words for a country lead with its danger, before anything the facts do not say.

What a screening holds (the answers, and a verdict and traced lines per country) lives in
``screening``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from haven.knowledge import screener_text as words
from haven.knowledge.content import (
    DEFAULT_STALE_AFTER_DAYS,
    BorderState,
    Constraint,
    Content,
    Country,
    Danger,
    Document,
    GroundKind,
    Outlook,
    RiskLevel,
    Sourced,
    Text,
    Visa,
)
from haven.knowledge.screening import DANGEROUS, Answers, Line, Option, Screening, Verdict

Facts = Content

_SHOWN = {verdict: rank for rank, verdict in enumerate(Verdict)}
_DANGER_RANK = {level: rank for rank, level in enumerate(RiskLevel)}  # high first, unknown last


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
    assessed = [
        (country, _assess(country, answers, facts, _Notes(today, stale_after_days)))
        for country in facts.countries
    ]
    at_risk = next(
        (
            _at_risk_here(country, answers, _Notes(today, stale_after_days))
            for country, option in assessed
            if option.at_risk_here
        ),
        None,
    )
    options = sorted(
        (option for _, option in assessed),
        key=lambda o: (not o.at_risk_here, _SHOWN[o.verdict], _DANGER_RANK[o.danger], o.country),
    )
    stale = {
        fact
        for option in options
        for fact in option.facts
        if (item := facts.fact(fact)) is not None and item.is_stale(today, stale_after_days)
    }
    return Screening(
        answers=answers,
        at_risk_here=at_risk,
        options=tuple(options),
        unknowns=_general_unknowns(answers, facts),
        plain=_plain_summary(at_risk, options),
        stale_facts=tuple(sorted(stale)),
    )


def _assess(country: Country, answers: Answers, facts: Facts, notes: _Notes) -> Option:
    here = answers.current_country == country.iso2
    danger = country.danger_for(answers.status)
    _check_danger(danger, notes)
    if not here:
        _check_entry(country, answers, notes)
    needs_asylum = _check_stay(country, notes)
    _check_return(country, answers, _level(danger), notes)
    _check_asylum(country, answers, needs_asylum, notes)
    _check_grounds(country, answers, facts, here, needs_asylum, notes)
    _check_help(country, answers, notes)
    verdict = next((v for step, v in _STEPS if step in notes.why), Verdict.POSSIBLE)
    return Option(
        country=country.iso2,
        name=country.name,
        here=here,
        verdict=verdict,
        danger=_level(danger),
        danger_fact=danger.id,
        reasons=tuple(notes.reasons),
        risks=tuple(notes.risks),
        grounds=tuple(notes.grounds),
        unknowns=tuple(notes.unknowns),
        plain=_plain_option(country, verdict, here, _level(danger), notes),
        checklists=tuple(c.id for c in facts.checklists if c.country == country.iso2),
    )


_STEPS = (
    ("blocked", Verdict.NOT_POSSIBLE),
    ("risky", Verdict.RISKY),
    ("unknown", Verdict.UNKNOWN),
)


def _level(danger: Danger) -> RiskLevel:
    """The danger's level, unknown when nobody could source it."""
    return danger.level if danger.known else RiskLevel.UNKNOWN


def _check_danger(danger: Danger, notes: _Notes) -> None:
    level = _level(danger)
    label = words.fmt(words.DANGER, level=words.LEVEL[level])
    line = notes.line(words.quote(label, danger.value), danger)
    if level in DANGEROUS:
        notes.risks.append(line)
        notes.mark("risky", f"danger_{level.value}")
    elif level is RiskLevel.LOW:
        notes.reasons.append(line)
    else:
        notes.unknowns.append(line)


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
        notes.mark("unknown", "internal")
    elif visa.visa is Visa.SCHENGEN and not visa_ok:
        notes.reasons.append(notes.line(words.NEEDS_SCHENGEN, visa))
    elif visa.visa in (Visa.NATIONAL, Visa.UNKNOWN):
        notes.unknowns.append(notes.line(words.VISA_UNRECORDED, visa))
        notes.mark("unknown", "visa_rule")
    elif visa.visa is Visa.SCHENGEN:
        notes.reasons.append(notes.line(words.ENTRY_VISA_OK, entry, visa))
    else:
        notes.reasons.append(notes.line(words.fmt(words.ENTRY_OK, doc=words.DOC[held]), entry))

    if missing_docs:
        if answers.status in entry.exceptional_entry:
            notes.unknowns.append(notes.line(words.EXCEPTION_ONCE, entry))
            notes.mark("unknown", "exception")
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


def _check_return(country: Country, answers: Answers, danger: RiskLevel, notes: _Notes) -> None:
    """The return cases in words: a supporting line beside the danger fact, a risk of its own
    when the cases concern people of this status, and an open question when they concern others
    and nothing was found on this status."""
    risk = country.return_risk
    label = words.fmt(words.RETURN, level=words.LEVEL[risk.level])
    line = notes.line(words.quote(label, risk.value), risk)
    (notes.risks if risk.known else notes.unknowns).append(line)
    if risk.level in DANGEROUS and answers.status in risk.affects:
        notes.mark("risky", "return")
    elif risk.level in DANGEROUS and danger is RiskLevel.UNKNOWN:
        notes.mark("unknown", "return_others")


def _check_asylum(country: Country, answers: Answers, needs_asylum: bool, notes: _Notes) -> None:
    asylum = country.asylum_practice
    outlook = asylum.outlook_for(answers.status)
    if not asylum.known or outlook is Outlook.UNKNOWN:
        label = words.ASYLUM if not asylum.known else words.ASYLUM_SILENT
        notes.unknowns.append(notes.line(words.quote(label, asylum.value), asylum))
        if needs_asylum:
            notes.mark("unknown", "asylum_silent")
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


def _at_risk_here(country: Country, answers: Answers, notes: _Notes) -> Line:
    """Where the person is, danger is high or medium for them: say so, and what to do now."""
    danger = country.danger_for(answers.status)
    risk = country.return_risk
    used: list[Sourced] = [danger]
    if risk.level in DANGEROUS and answers.status in risk.affects:
        used.append(risk)
    why = words.DANGER_WHY[(_level(danger), True)]
    text = words.fmt(words.AT_RISK_HERE, name=country.name, why=why, danger=danger.value)
    return notes.line(text, *used)


def _why(reasons: list[str], here: bool) -> list[Text]:
    """The plain reasons, each once, in the order of _WHY_ORDER: a danger first, and the return
    cases only when no danger fact already said it."""
    unique = sorted(dict.fromkeys(reasons), key=_WHY_ORDER.index)
    if any(reason.startswith("danger_") for reason in unique):
        unique = [reason for reason in unique if reason != "return"]
    texts = []
    for reason in unique:
        level = reason.removeprefix("danger_")
        if level != reason:
            texts.append(words.DANGER_WHY[(RiskLevel(level), here)])
        elif here and reason in words.WHY_HERE:
            texts.append(words.WHY_HERE[reason])
        else:
            texts.append(words.WHY[reason])
    return texts


_WHY_ORDER = [
    "danger_high",
    "danger_medium",
    "return",
    "return_others",
    "restricted",
    "asylum",
    "proof",
    "closed",
    "passport",
    "international",
    "visa",
    "internal",
    "visa_rule",
    "exception",
    "asylum_silent",
]


def _plain_option(
    country: Country, verdict: Verdict, here: bool, danger: RiskLevel, notes: _Notes
) -> Text:
    days = country.visa_free_days.days
    stay = words.fmt(words.PLAIN_STAY, days=words.days_text(days)) if days else Text("", "")
    unknown_why = _why(notes.why.get("unknown", []), here)
    if verdict is Verdict.POSSIBLE:
        template = words.PLAIN_HERE if here else words.PLAIN["possible"]
        text = words.fmt(template, name=country.name, stay=stay)
        if danger is RiskLevel.UNKNOWN:
            text = words.join([text, words.PLAIN_DANGER_UNFOUND], " ")
        return text
    if verdict is Verdict.RISKY:
        why = words.join(_why(notes.why["risky"], here))
        also = (
            words.fmt(words.PLAIN_ALSO, what=words.join(unknown_why))
            if unknown_why
            else Text("", "")
        )
        if here and danger in DANGEROUS:
            template = words.PLAIN_AT_RISK_HERE
        else:
            template = words.PLAIN_RISKY_HERE if here else words.PLAIN["risky"]
        return words.fmt(template, name=country.name, why=why, also=also)
    step = "unknown" if verdict is Verdict.UNKNOWN else "blocked"
    template = words.PLAIN[verdict.value]
    if here and step == "unknown":
        template = words.PLAIN_UNKNOWN_HERE
    why = words.join(_why(notes.why[step], here))
    text = words.fmt(template, name=country.name, why=why)
    if verdict is Verdict.NOT_POSSIBLE and danger in DANGEROUS:  # so a later passport or visa
        danger_why = words.DANGER_WHY[(danger, here)]  # is not read as a safe way in
        text = words.join([text, words.fmt(words.PLAIN_RISKY_TOO, why=danger_why)], " ")
    return text


def _plain_summary(at_risk: Line | None, options: list[Option]) -> Text:
    parts = [at_risk.text] if at_risk else []
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
