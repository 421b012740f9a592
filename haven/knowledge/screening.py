"""What a screening holds: the person's answers, and per country a verdict with its lines, each
traced to the facts it rests on (see ``screener`` for how the verdicts are reached).

A page shows what the API shows by rendering ``at_risk_here`` first, then each option's plain
words and its lines, and for every id in ``Screening.facts`` the fact itself (``Content.fact``):
its sources with their dates as precise as recorded, who checked it and when, and its age.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from haven.knowledge.content import Constraint, Document, RiskLevel, Status, Text

_ISO2 = re.compile(r"[A-Z]{2}")
# The danger levels that put a person at risk.
DANGEROUS = (RiskLevel.HIGH, RiskLevel.MEDIUM)


class Verdict(StrEnum):
    """In the order a requester reads them: danger before hope, ignorance, and the closed doors."""

    RISKY = "risky"
    POSSIBLE = "possible"
    UNKNOWN = "unknown"
    NOT_POSSIBLE = "not_possible"


# How bad a verdict is for the person, worst last: a known danger outranks what is not known.
SEVERITY = {
    Verdict.POSSIBLE: 0,
    Verdict.UNKNOWN: 1,
    Verdict.RISKY: 2,
    Verdict.NOT_POSSIBLE: 3,
}


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
    """One statement, with the ids of the facts it rests on: a page resolves each id
    (``Content.fact``) to show its sources, their dates and its age, as the API does."""

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
    danger: RiskLevel  # the country's danger for the person's status
    danger_fact: str  # its id, e.g. "KZ.danger_called_up"
    reasons: tuple[Line, ...]
    risks: tuple[Line, ...]  # the danger line first when the danger is high or medium
    grounds: tuple[Line, ...]
    unknowns: tuple[Line, ...]
    plain: Text  # for the requester: the risk first, then what is not known
    checklists: tuple[str, ...]

    @property
    def at_risk_here(self) -> bool:
        """The person is in this country and its danger for them is high or medium."""
        return self.here and self.danger in DANGEROUS

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
    at_risk_here: Line | None  # "you are at risk where you are" and what to do now: show it first
    options: tuple[Option, ...]  # where the person is first if at risk there, then Verdict order
    unknowns: tuple[Line, ...]  # what the facts do not cover for this person, whatever the country
    plain: Text
    stale_facts: tuple[str, ...]

    def option(self, iso2: str) -> Option:
        return next(option for option in self.options if option.country == iso2)

    def verdicts(self) -> dict[str, Verdict]:
        return {option.country: option.verdict for option in self.options}

    @property
    def facts(self) -> tuple[str, ...]:
        """Every fact and ground a line rests on: what a page must resolve to show their grounds."""
        lines = [*self.unknowns, *(line for o in self.options for line in o.lines)]
        if self.at_risk_here:
            lines.append(self.at_risk_here)
        return tuple(sorted({fact for line in lines for fact in line.facts}))
