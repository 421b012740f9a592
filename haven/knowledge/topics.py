"""Guidance that crosses borders, and the situations a reader starts from.

``content/topics.json`` holds five sections (leaving Russia, the border, money, detention abroad,
the help groups), each a list of short items in English and Russian that carry their own sources.
``content/situations.json`` holds the knowledge home's entry points ("I am still in Russia", "I am
detained"): for each, the single next step and the items that matter most, most important first.

The loaders turn both files into frozen types and fail loudly, naming the place, on a malformed
file; ``validate_topics`` lists the rules a well-formed file must still keep. An item's ``date`` is
its newest source's publication date with the precision the source gave ("2026", "2025-09"): it
says how old the evidence is, never that anyone verified the item on that day. No Django here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from haven.knowledge.content import CONTENT_DIR
from haven.knowledge.facts import Source, Text, earliest_day, newest_source
from haven.knowledge.reading import (
    ISO2,
    PARTIAL_DATE,
    SLUG,
    ContentError,
    check_text,
    choice,
    entries,
    maybe,
    need,
    partial_date,
    repeated,
    sources,
    text,
)

__all__ = [
    "Section",
    "SectionId",
    "Situation",
    "SituationId",
    "TopicItem",
    "Topics",
    "load_situations",
    "load_topics",
    "shipped_situations",
    "shipped_topics",
    "validate_topics",
]

EVERYWHERE = "all"
SITUATION_ITEMS = range(3, 7)  # how many items a situation may point at


class SectionId(StrEnum):
    LEAVING_RUSSIA = "leaving_russia"
    AT_THE_BORDER = "at_the_border"
    MONEY = "money"
    DETAINED_ABROAD = "detained_abroad"
    HELP_GROUPS = "help_groups"


class SituationId(StrEnum):
    """Where the reader is tonight."""

    IN_RUSSIA = "in_russia"
    AT_THE_BORDER = "at_the_border"
    CROSSED_INTERNAL_PASSPORT = "crossed_internal_passport"
    DETAINED = "detained"


@dataclass(frozen=True, slots=True, kw_only=True)
class TopicItem:
    """One piece of guidance; ``applies_to`` None means it holds wherever the reader is."""

    id: str
    text: Text
    applies_to: tuple[str, ...] | None
    sources: tuple[Source, ...]
    date: str | None  # newest source's date, as precise as that source is; None if all undated
    uncertain: bool
    uncertain_reason: Text | None
    warning: bool  # what protects someone from arrest, handover or an exit ban
    advice: bool  # states no fact, so needs no source

    def applies_in(self, iso2: str) -> bool:
        return self.applies_to is None or iso2 in self.applies_to

    @property
    def verified(self) -> dt.date | None:
        """Topic items ship with a release and are not checked item by item on an install: their
        age is their newest source's."""
        return None

    @property
    def newest_source(self) -> Source | None:
        """The source the item's date comes from (its ``approximate`` says how sure that is)."""
        return newest_source(self.sources)


@dataclass(frozen=True, slots=True)
class Section:
    id: SectionId
    title: Text
    items: tuple[TopicItem, ...]


@dataclass(frozen=True, slots=True)
class Topics:
    sections: tuple[Section, ...]

    def section(self, section_id: str) -> Section | None:
        return next((s for s in self.sections if s.id == section_id), None)

    def items(self) -> Iterator[tuple[Section, TopicItem]]:
        """Every item with the section it stands in, in file order."""
        return ((section, item) for section in self.sections for item in section.items)

    def item(self, item_id: str) -> TopicItem | None:
        return next((item for _, item in self.items() if item.id == item_id), None)

    def items_for(self, situation: Situation) -> tuple[TopicItem, ...]:
        """The items a situation points at, in its order; ids that resolve to nothing are left
        out (``validate_topics`` reports them)."""
        found = (self.item(item_id) for item_id in situation.items)
        return tuple(item for item in found if item is not None)

    def for_country(self, iso2: str) -> tuple[TopicItem, ...]:
        """The items that name this country (not those that hold everywhere)."""
        return tuple(
            item for _, item in self.items() if item.applies_to and iso2 in item.applies_to
        )


@dataclass(frozen=True, slots=True)
class Situation:
    id: SituationId
    title: Text  # as the reader would say it: "I am still in Russia"
    next_step: Text
    items: tuple[str, ...]  # topic item ids, most important first
    countries: tuple[str, ...]  # whose country pages matter here
    ask_counselor: bool


# --- loading ---------------------------------------------------------------------------------


def _text_of(raw: Mapping[str, Any], path: str) -> Text:
    return Text(en=need(raw, "en", path, str), ru=need(raw, "ru", path, str))


def _strings(obj: Mapping[str, Any], key: str, path: str) -> tuple[str, ...]:
    values = need(obj, key, path, list)
    for i, value in enumerate(values):
        if not isinstance(value, str):
            raise ContentError(f"{path}.{key}[{i}]: expected str, got {type(value).__name__}")
    return tuple(values)


def _objects(obj: Mapping[str, Any], key: str, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each element of the list under ``key`` with its place, all of them objects."""
    for i, raw in enumerate(need(obj, key, path, list)):
        if not isinstance(raw, dict):
            raise ContentError(f"{path}.{key}[{i}]: expected an object")
        yield f"{path}.{key}[{i}]", raw


def _applies_to(obj: Mapping[str, Any], path: str) -> tuple[str, ...] | None:
    if obj.get("applies_to") == EVERYWHERE:
        return None
    if not isinstance(obj.get("applies_to"), list):
        raise ContentError(f'{path}.applies_to: expected "{EVERYWHERE}" or a list of ISO2 codes')
    return _strings(obj, "applies_to", path)


def _item(raw: Mapping[str, Any], at: str) -> TopicItem:
    item_id = need(raw, "id", at, str)
    at = f"{at.rpartition('.')[0]}.{item_id}"
    reason = maybe(raw, "uncertain_reason", at, dict)
    return TopicItem(
        id=item_id,
        text=text(raw, "text", at),
        applies_to=_applies_to(raw, at),
        sources=sources(raw, at),
        date=partial_date(raw, "date", at),
        uncertain=need(raw, "uncertain", at, bool),
        uncertain_reason=None if reason is None else _text_of(reason, f"{at}.uncertain_reason"),
        warning=need(raw, "warning", at, bool),
        advice=need(raw, "advice", at, bool),
    )


def load_topics(path: Path | None = None) -> Topics:
    """Read topics.json; raise ContentError naming the first place it is malformed."""
    path = path or CONTENT_DIR / "topics.json"
    sections = []
    for i, raw in enumerate(entries(path)):
        section_id = need(raw, "id", f"{path.name}: [{i}]", str)
        at = f"{path.name}: {section_id}"
        sections.append(
            Section(
                id=choice(SectionId, section_id, f"{at}.id"),
                title=text(raw, "title", at),
                items=tuple(_item(item, where) for where, item in _objects(raw, "items", at)),
            )
        )
    return Topics(tuple(sections))


def load_situations(path: Path | None = None) -> tuple[Situation, ...]:
    """Read situations.json; raise ContentError naming the first place it is malformed."""
    path = path or CONTENT_DIR / "situations.json"
    situations = []
    for i, raw in enumerate(entries(path)):
        situation_id = need(raw, "id", f"{path.name}: [{i}]", str)
        at = f"{path.name}: {situation_id}"
        situations.append(
            Situation(
                id=choice(SituationId, situation_id, f"{at}.id"),
                title=text(raw, "title", at),
                next_step=text(raw, "next_step", at),
                items=_strings(raw, "items", at),
                countries=_strings(raw, "countries", at),
                ask_counselor=need(raw, "ask_counselor", at, bool),
            )
        )
    return tuple(situations)


@cache
def shipped_topics() -> Topics:
    """The shipped topics.json, read once per process."""
    return load_topics()


@cache
def shipped_situations() -> tuple[Situation, ...]:
    """The shipped situations.json, read once per process."""
    return load_situations()


# --- validation ------------------------------------------------------------------------------


def validate_topics(
    topics: Topics,
    situations: Iterable[Situation],
    *,
    countries: Collection[str] | None = None,
    today: dt.date | None = None,
) -> list[str]:
    """Every rule the two files must keep beyond their shape; an empty list means they are sound.

    With ``countries`` (ISO2 codes of the country pages), every country named must have a page.
    """
    today = today or dt.datetime.now(tz=dt.UTC).date()
    problems: list[str] = []
    section_ids = [s.id.value for s in topics.sections]
    problems += [f"topics: section {sid} appears twice" for sid in repeated(section_ids)]
    problems += [f"topics: section {s} is missing" for s in SectionId if s not in section_ids]
    item_ids = [item.id for _, item in topics.items()]
    problems += [f"topics: item {iid} appears twice" for iid in repeated(item_ids)]
    for section in topics.sections:
        problems += check_text(f"{section.id}.title", section.title)
        if not section.items:
            problems.append(f"{section.id}: has no items")
        for item in section.items:
            problems += _check_item(f"{section.id}.{item.id}", item, countries, today)
    situations = tuple(situations)
    situation_ids = [s.id.value for s in situations]
    problems += [f"situations: {sid} appears twice" for sid in repeated(situation_ids)]
    problems += [f"situations: {s} is missing" for s in SituationId if s not in situation_ids]
    for situation in situations:
        problems += _check_situation(situation, set(item_ids), countries)
    return problems


def _check_countries(
    where: str, codes: Iterable[str], countries: Collection[str] | None
) -> list[str]:
    problems = []
    for code in codes:
        if not ISO2.fullmatch(code):
            problems.append(f"{where}: {code!r} is not an ISO 3166 alpha-2 code")
        elif countries is not None and code not in countries:
            problems.append(f"{where}: country {code} has no country page")
    return problems


def _check_date(where: str, value: str | None, today: dt.date) -> list[str]:
    if value is None:
        return []
    try:
        if PARTIAL_DATE.fullmatch(value) and earliest_day(value) <= today:
            return []
        if PARTIAL_DATE.fullmatch(value):
            return [f"{where}: date {value} is in the future"]
    except ValueError:
        pass
    return [f"{where}: date {value!r} is not YYYY, YYYY-MM or YYYY-MM-DD"]


def _check_item(
    where: str, item: TopicItem, countries: Collection[str] | None, today: dt.date
) -> list[str]:
    problems = check_text(where, item.text)
    if not SLUG.fullmatch(item.id):
        problems.append(f"{where}: item ids are lower_snake_case")
    if item.applies_to is not None:
        if not item.applies_to:
            problems.append(f'{where}: applies_to is empty (use "{EVERYWHERE}")')
        problems += _check_countries(f"{where}.applies_to", item.applies_to, countries)
    if not item.advice and not item.sources:
        problems.append(f"{where}: states a fact without a source (add one, or mark it advice)")
    dates: list[str] = []
    for i, source in enumerate(item.sources):
        at = f"{where}.sources[{i}]"
        if not source.url.startswith(("https://", "http://")):
            problems.append(f"{at}: URL {source.url!r} is not a web address")
        if not source.title.strip():
            problems.append(f"{at}: source {source.url} has no title")
        dates += _check_date(at, source.date, today)
    dates += _check_date(where, item.date, today)
    newest = None if dates else item.newest_source  # unparsable dates cannot be ordered
    expected = newest.date if newest else None
    if not dates and item.date != expected:
        dates.append(f"{where}: date is {item.date} but the newest source is dated {expected}")
    problems += dates
    if item.uncertain and item.uncertain_reason is None:
        problems.append(f"{where}: uncertain, but uncertain_reason does not say why")
    if not item.uncertain and item.uncertain_reason is not None:
        problems.append(f"{where}: uncertain_reason given for an item that is not uncertain")
    if item.uncertain_reason is not None:
        problems += check_text(f"{where}.uncertain_reason", item.uncertain_reason)
    return problems


def _check_situation(
    situation: Situation, item_ids: set[str], countries: Collection[str] | None
) -> list[str]:
    where = f"situation {situation.id}"
    problems = check_text(f"{where}.title", situation.title)
    problems += check_text(f"{where}.next_step", situation.next_step)
    if len(situation.items) not in SITUATION_ITEMS:
        problems.append(
            f"{where}: points at {len(situation.items)} items, not "
            f"{SITUATION_ITEMS.start}-{SITUATION_ITEMS.stop - 1}"
        )
    problems += [f"{where}: item {i} appears twice" for i in repeated(situation.items)]
    problems += [
        f"{where}: unknown topic item {item_id!r}"
        for item_id in situation.items
        if item_id not in item_ids
    ]
    problems += _check_countries(f"{where}.countries", situation.countries, countries)
    problems += [f"{where}: country {c} appears twice" for c in repeated(situation.countries)]
    return problems
