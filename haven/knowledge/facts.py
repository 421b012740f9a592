"""What a fact in the knowledge base is: typed, frozen, sourced and dated.

A country page is six facts, led by one danger fact per military status ("can you be handed back to
Russia from here?"); a legal ground and a checklist item point at the facts they rest on. Every
fact carries its sources, whose dates keep their own precision ("2023", "2026-02"). ``verified`` is
a person's act: the day a knowledge editor last checked the fact against its sources, or None when
nobody has; the shipped files never claim one. A fact nobody could source is ``known=False``: it
says so in words and makes no structured claim. Loading and checking the shipped
files lives in ``haven.knowledge.content``; nothing here imports Django.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

DEFAULT_STALE_AFTER_DAYS = 90
COUNTRY_FIELDS = (
    "entry_documents",
    "visa_free_days",
    "border_status",
    "asylum_practice",
    "return_risk",
    "help_groups",
)
# How danger is recorded: one fact per status, as the sources group people.
DANGER_KEYS = ("deserter", "mobilised", "called_up", "evader", "objector", "activist")
DANGER_FIELDS = tuple(f"danger_{key}" for key in DANGER_KEYS)
ALL_FIELDS = DANGER_FIELDS + COUNTRY_FIELDS
ANY_STATUS = "*"  # key of an asylum outlook that holds for every status not named


class Status(StrEnum):
    """Where the person stands towards military service."""

    NOT_CALLED_UP = "not_called_up"
    CALLED_UP = "called_up"
    MOBILISED = "mobilised"
    CONTRACT_SOLDIER = "contract_soldier"
    DESERTER = "deserter"
    CONSCIENTIOUS_OBJECTOR = "conscientious_objector"
    ACTIVIST = "activist"  # wanted in Russia on political charges (anti-war activists, journalists)


class Document(StrEnum):
    """A document the person holds."""

    INTERNAL_PASSPORT = "internal_passport"
    INTERNATIONAL_PASSPORT = "international_passport"
    SCHENGEN_VISA = "schengen_visa"
    CALL_UP_PAPER = "call_up_paper"
    MILITARY_ID = "military_id"
    NONE = "none"


class Constraint(StrEnum):
    """Something that narrows the person's options."""

    FAMILY_WITH_CHILDREN = "family_with_children"
    NO_MONEY = "no_money"
    HEALTH_NEEDS = "health_needs"


class RiskLevel(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    UNKNOWN = "unknown"


class Outlook(StrEnum):
    """How asylum claims like the person's have fared in a country."""

    FAVOURABLE = "favourable"
    MIXED = "mixed"
    POOR = "poor"
    UNKNOWN = "unknown"


class BorderState(StrEnum):
    OPEN = "open"
    RESTRICTED = "restricted"  # only listed exceptions get in
    CLOSED = "closed"
    UNKNOWN = "unknown"


class Visa(StrEnum):
    """Which visa a Russian needs: "national" is one the screener's answers do not record."""

    NONE = "none"
    SCHENGEN = "schengen"
    NATIONAL = "national"
    UNKNOWN = "unknown"


class GroundKind(StrEnum):
    LAW = "law"
    CASE = "case"
    GUIDANCE = "guidance"
    PRACTICE = "practice"
    POLICY = "policy"  # context that shapes a route (visas), never itself a ground for protection


class ItemKind(StrEnum):
    DOCUMENT = "document"
    STEP = "step"
    DEADLINE = "deadline"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Text:
    """The same text in English and Russian."""

    en: str
    ru: str

    def get(self, language_code: str) -> str:
        """Return the Russian text for "ru" (or "ru-RU"), the English text otherwise."""
        return self.ru if language_code.lower().split("-")[0] == "ru" else self.en


@dataclass(frozen=True, slots=True)
class Source:
    """Where a fact was read; ``date`` is "YYYY", "YYYY-MM" or "YYYY-MM-DD", or None if undated."""

    url: str
    title: str
    date: str | None
    approximate: bool = False

    @property
    def earliest_day(self) -> dt.date | None:
        """The first day the date can mean: "2022-09" is 1 September 2022."""
        return None if self.date is None else earliest_day(self.date)

    @property
    def latest_day(self) -> dt.date | None:
        """The last day the date can mean: "2022-09" is 30 September 2022."""
        return None if self.date is None else latest_day(self.date)


@dataclass(frozen=True, slots=True, kw_only=True)
class Sourced:
    """Anything a counselor may rely on: its sources, and the day a person last verified it."""

    id: str
    sources: tuple[Source, ...]
    verified: dt.date | None
    uncertain: bool
    known: bool = True

    def is_stale(self, today: dt.date, stale_after_days: int = DEFAULT_STALE_AFTER_DAYS) -> bool:
        """Older than the threshold: the last check by a person or, never checked, the newest
        source (taken at the latest day its date can mean, so "2023" is not made older)."""
        seen = self.verified or self.newest_source_day
        return seen is None or today - seen > dt.timedelta(days=stale_after_days)

    @property
    def newest_source(self) -> Source | None:
        return newest_source(self.sources)

    @property
    def newest_source_day(self) -> dt.date | None:
        newest = self.newest_source
        return newest.latest_day if newest else None


@dataclass(frozen=True, slots=True, kw_only=True)
class Fact(Sourced):
    """One field of a country page; ``id`` is "<iso2>.<field>"."""

    value: Text


@dataclass(frozen=True, slots=True, kw_only=True)
class EntryDocuments(Fact):
    internal_passport_ok: bool | None
    exceptional_entry: frozenset[Status]  # statuses let in once without the usual documents


@dataclass(frozen=True, slots=True, kw_only=True)
class VisaFreeDays(Fact):
    days: int | None
    visa: Visa


@dataclass(frozen=True, slots=True, kw_only=True)
class BorderStatus(Fact):
    state: BorderState


@dataclass(frozen=True, slots=True, kw_only=True)
class AsylumPractice(Fact):
    outlook: Mapping[str, Outlook]  # status value (or "*") -> outlook

    def outlook_for(self, status: Status) -> Outlook:
        """The recorded outlook for this status, else the one for every status, else unknown."""
        return self.outlook.get(status.value, self.outlook.get(ANY_STATUS, Outlook.UNKNOWN))


@dataclass(frozen=True, slots=True, kw_only=True)
class ReturnRisk(Fact):
    level: RiskLevel
    affects: frozenset[Status]  # statuses the documented cases concern


@dataclass(frozen=True, slots=True, kw_only=True)
class Danger(Fact):
    """Can a person of one status be refused protection, expelled or handed back to Russia here?
    ``id`` is "<iso2>.danger_<key>"; ``unknown`` means nothing was found, never "safe"."""

    level: RiskLevel

    @property
    def key(self) -> str:
        return self.id.partition(".danger_")[2]


@dataclass(frozen=True, slots=True, kw_only=True)
class HelpGroups(Fact):
    shelter: bool  # a named group has offered beds there


@dataclass(frozen=True, slots=True)
class Country:
    iso2: str
    name: Text
    entry_documents: EntryDocuments
    visa_free_days: VisaFreeDays
    border_status: BorderStatus
    asylum_practice: AsylumPractice
    return_risk: ReturnRisk
    help_groups: HelpGroups
    danger: Mapping[str, Danger]  # DANGER_KEYS -> the danger fact for that status

    def facts(self) -> tuple[Fact, ...]:
        """The six facts of the page's body, in order (the danger facts lead apart)."""
        return tuple(getattr(self, name) for name in COUNTRY_FIELDS)

    def danger_facts(self) -> tuple[Danger, ...]:
        return tuple(self.danger[key] for key in DANGER_KEYS)

    def all_facts(self) -> tuple[Fact, ...]:
        return self.danger_facts() + self.facts()

    def danger_for(self, status: Status) -> Danger:
        return self.danger[DANGER_KEY_OF[status]]


# Which danger fact speaks for a status. Contract soldiers read the deserters' fact: since the
# mobilisation decree of September 2022 contracts run until it ends, so one who left is wanted for
# desertion; "not called up" is the sources' "evader" (a man of military age without a summons).
DANGER_KEY_OF: Mapping[Status, str] = {
    Status.NOT_CALLED_UP: "evader",
    Status.CALLED_UP: "called_up",
    Status.MOBILISED: "mobilised",
    Status.CONTRACT_SOLDIER: "deserter",
    Status.DESERTER: "deserter",
    Status.CONSCIENTIOUS_OBJECTOR: "objector",
    Status.ACTIVIST: "activist",
}


@dataclass(frozen=True, slots=True)
class Conditions:
    """When a ground may apply; ``countries`` None means anywhere."""

    statuses: frozenset[Status]
    countries: frozenset[str] | None
    proof_documents: frozenset[Document]

    def covers(self, status: Status, iso2: str) -> bool:
        return status in self.statuses and (self.countries is None or iso2 in self.countries)


@dataclass(frozen=True, slots=True, kw_only=True)
class Ground(Sourced):
    kind: GroundKind
    title: Text
    citation: str
    date: str
    urls: tuple[str, ...]
    summary: Text
    applies_when: Conditions


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    id: str
    kind: ItemKind
    text: Text
    facts: tuple[str, ...]  # fact or ground ids the item relies on
    sources: tuple[Source, ...]
    advice: bool  # states no fact, so needs no source


@dataclass(frozen=True, slots=True)
class Checklist:
    id: str
    country: str | None
    route: str
    title: Text
    items: tuple[ChecklistItem, ...]


@dataclass(frozen=True, slots=True)
class Content:
    countries: tuple[Country, ...]
    grounds: tuple[Ground, ...]
    checklists: tuple[Checklist, ...]

    def country(self, iso2: str) -> Country | None:
        return next((c for c in self.countries if c.iso2 == iso2), None)

    def ground(self, ground_id: str) -> Ground | None:
        return next((g for g in self.grounds if g.id == ground_id), None)

    def fact(self, fact_id: str) -> Sourced | None:
        """Look up "<iso2>.<field>" or a ground id."""
        iso2, dot, name = fact_id.partition(".")
        if not dot:
            return self.ground(fact_id)
        country = self.country(iso2)
        if country is None:
            return None
        if name in COUNTRY_FIELDS:
            return getattr(country, name)
        key = name.removeprefix("danger_")
        return country.danger.get(key) if name in DANGER_FIELDS else None

    def item_sources(self, item: ChecklistItem) -> tuple[Source, ...]:
        """The item's own sources and those of the facts it relies on, each once, in order."""
        facts = (self.fact(fact_id) for fact_id in item.facts)
        found = [*item.sources, *(s for f in facts if f is not None for s in f.sources)]
        return tuple(dict.fromkeys(found))


def newest_source(sources: Iterable[Source]) -> Source | None:
    """The source with the latest date (by the last day it can mean, then the first), or None
    when none is dated."""
    dated = [source for source in sources if source.date is not None]
    return max(dated, key=lambda s: (s.latest_day, s.earliest_day)) if dated else None


def earliest_day(partial: str) -> dt.date:
    """The first day a "YYYY", "YYYY-MM" or "YYYY-MM-DD" date can mean; ValueError if none."""
    year, month, day = [*map(int, partial.split("-")), 1, 1][:3]
    return dt.date(year, month, day)


def latest_day(partial: str) -> dt.date:
    """The last day a "YYYY", "YYYY-MM" or "YYYY-MM-DD" date can mean; ValueError if none."""
    parts = [*map(int, partial.split("-"))]
    if len(parts) == 3:
        return dt.date(*parts)
    if len(parts) == 1:
        return dt.date(parts[0], 12, 31)
    year, month = parts
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return following - dt.timedelta(days=1)
