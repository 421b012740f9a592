"""The knowledge base's starter content: loading the shipped JSON and checking it.

``content/`` beside this module holds ``countries.json``, ``grounds.json`` and ``checklists.json``,
written from the project's reference facts in English and Russian. The loaders turn them into the
frozen types of ``haven.knowledge.facts`` (re-exported here) and fail loudly, naming the place, on a
malformed file; ``validate`` checks the rules a well-formed file must still keep: no fact without a
source, both languages, dates that agree with the sources, references that resolve. No Django here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from enum import StrEnum
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from haven.knowledge.facts import (
    ALL_FIELDS,
    ANY_STATUS,
    COUNTRY_FIELDS,
    DANGER_FIELDS,
    DANGER_KEY_OF,
    DANGER_KEYS,
    DEFAULT_STALE_AFTER_DAYS,
    AsylumPractice,
    BorderState,
    BorderStatus,
    Checklist,
    ChecklistItem,
    Conditions,
    Constraint,
    Content,
    Country,
    Danger,
    Document,
    EntryDocuments,
    Fact,
    Ground,
    GroundKind,
    HelpGroups,
    ItemKind,
    Outlook,
    ReturnRisk,
    RiskLevel,
    Source,
    Sourced,
    Status,
    Text,
    Visa,
    VisaFreeDays,
)
from haven.knowledge.reading import (
    ISO2,
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
    "ALL_FIELDS",
    "CONTENT_DIR",
    "COUNTRY_FIELDS",
    "DANGER_FIELDS",
    "DANGER_KEYS",
    "DANGER_KEY_OF",
    "DEFAULT_STALE_AFTER_DAYS",
    "AsylumPractice",
    "BorderState",
    "BorderStatus",
    "Checklist",
    "ChecklistItem",
    "Conditions",
    "Constraint",
    "Content",
    "ContentError",
    "Country",
    "Danger",
    "Document",
    "EntryDocuments",
    "Fact",
    "Ground",
    "GroundKind",
    "HelpGroups",
    "ItemKind",
    "Outlook",
    "ReturnRisk",
    "RiskLevel",
    "Source",
    "Sourced",
    "Status",
    "Text",
    "Visa",
    "VisaFreeDays",
    "country_from_dict",
    "load_checklists",
    "load_content",
    "load_countries",
    "load_grounds",
    "validate",
]

CONTENT_DIR = Path(__file__).with_name("content")


def _pick[E: StrEnum](obj: Mapping[str, Any], key: str, path: str, enum: type[E]) -> E:
    return choice(enum, need(obj, key, path, str), f"{path}.{key}")


def _picks[E: StrEnum](obj: Mapping[str, Any], key: str, path: str, enum: type[E]) -> frozenset[E]:
    return frozenset(choice(enum, str(v), f"{path}.{key}") for v in need(obj, key, path, list))


def _sourced(obj: Mapping[str, Any], path: str, item_id: str) -> dict[str, Any]:
    """The keyword arguments every Sourced shares. ``verified`` (a knowledge editor's last check)
    is absent from the shipped files: nobody has checked a fact before an install's editors do."""
    verified = partial_date(obj, "verified", path) if "verified" in obj else None
    if verified is not None and len(verified) != len("YYYY-MM-DD"):
        raise ContentError(f"{path}.verified: {verified!r} is not a full date (YYYY-MM-DD)")
    return {
        "id": item_id,
        "sources": sources(obj, path),
        "verified": date.fromisoformat(verified) if verified else None,
        "uncertain": need(obj, "uncertain", path, bool),
        "known": need(obj, "known", path, bool) if "known" in obj else True,
    }


def _fact(
    raw: Mapping[str, Any], file: str, iso2: str, name: str
) -> tuple[dict[str, Any], str, dict[str, Any]]:
    """The field's object, its path and the keyword arguments every Fact shares."""
    obj = need(raw, name, f"{file}: {iso2}", dict)
    fact_id = f"{iso2}.{name}"
    at = f"{file}: {fact_id}"
    return obj, at, {**_sourced(obj, at, fact_id), "value": text(obj, "value", at)}


def _country(raw: Mapping[str, Any], file: str, iso2: str) -> Country:
    obj, at, common = _fact(raw, file, iso2, "entry_documents")
    entry = EntryDocuments(
        **common,
        internal_passport_ok=maybe(obj, "internal_passport_ok", at, bool),
        exceptional_entry=_picks(obj, "exceptional_entry", at, Status),
    )
    obj, at, common = _fact(raw, file, iso2, "visa_free_days")
    visa = VisaFreeDays(
        **common,
        days=maybe(obj, "days", at, int),
        visa=_pick(obj, "visa", at, Visa),
    )
    obj, at, common = _fact(raw, file, iso2, "border_status")
    border = BorderStatus(**common, state=_pick(obj, "state", at, BorderState))
    obj, at, common = _fact(raw, file, iso2, "asylum_practice")
    outlook = {}
    for key, value in need(obj, "outlook", at, dict).items():
        if key != ANY_STATUS:
            choice(Status, key, f"{at}.outlook")
        outlook[key] = choice(Outlook, str(value), f"{at}.outlook.{key}")
    asylum = AsylumPractice(**common, outlook=MappingProxyType(outlook))
    obj, at, common = _fact(raw, file, iso2, "return_risk")
    risk = ReturnRisk(
        **common,
        level=_pick(obj, "level", at, RiskLevel),
        affects=_picks(obj, "affects", at, Status),
    )
    obj, at, common = _fact(raw, file, iso2, "help_groups")
    help_groups = HelpGroups(**common, shelter=need(obj, "shelter", at, bool))
    danger = {}
    for key, field_name in zip(DANGER_KEYS, DANGER_FIELDS, strict=True):
        obj, at, common = _fact(raw, file, iso2, field_name)
        danger[key] = Danger(**common, level=_pick(obj, "level", at, RiskLevel))
    name = text(raw, "name", f"{file}: {iso2}")
    return Country(
        iso2, name, entry, visa, border, asylum, risk, help_groups, MappingProxyType(danger)
    )


def country_from_dict(raw: Mapping[str, Any], where: str) -> Country:
    """Build one country from an object shaped like an entry of countries.json (as the database
    holds it); raise ContentError naming ``where`` and the first malformed place."""
    return _country(raw, where, need(raw, "iso2", f"{where}: country", str))


def load_countries(path: Path | None = None) -> tuple[Country, ...]:
    """Read countries.json; raise ContentError naming the first place it is malformed."""
    path = path or CONTENT_DIR / "countries.json"
    return tuple(
        _country(raw, path.name, need(raw, "iso2", f"{path.name}: [{i}]", str))
        for i, raw in enumerate(entries(path))
    )


def load_grounds(path: Path | None = None) -> tuple[Ground, ...]:
    """Read grounds.json; raise ContentError naming the first place it is malformed."""
    path = path or CONTENT_DIR / "grounds.json"
    grounds = []
    for i, raw in enumerate(entries(path)):
        gid = need(raw, "id", f"{path.name}: [{i}]", str)
        at = f"{path.name}: {gid}"
        when = need(raw, "applies_when", at, dict)
        countries = maybe(when, "countries", f"{at}.applies_when", list)
        grounds.append(
            Ground(
                **_sourced(raw, at, gid),
                kind=_pick(raw, "kind", at, GroundKind),
                title=text(raw, "title", at),
                citation=need(raw, "citation", at, str),
                date=partial_date(raw, "date", at) or "",
                urls=tuple(map(str, need(raw, "urls", at, list))),
                summary=text(raw, "summary", at),
                applies_when=Conditions(
                    statuses=_picks(when, "statuses", f"{at}.applies_when", Status),
                    countries=None if countries is None else frozenset(map(str, countries)),
                    proof_documents=_picks(when, "proof_documents", f"{at}.applies_when", Document),
                ),
            )
        )
    return tuple(grounds)


def load_checklists(path: Path | None = None) -> tuple[Checklist, ...]:
    """Read checklists.json; raise ContentError naming the first place it is malformed."""
    path = path or CONTENT_DIR / "checklists.json"
    checklists = []
    for i, raw in enumerate(entries(path)):
        cid = need(raw, "id", f"{path.name}: [{i}]", str)
        at = f"{path.name}: {cid}"
        items = []
        for j, item in enumerate(need(raw, "items", at, list)):
            where = f"{at}.items[{j}]"
            if not isinstance(item, dict):
                raise ContentError(f"{where}: expected an object")
            items.append(
                ChecklistItem(
                    id=need(item, "id", where, str),
                    kind=_pick(item, "kind", where, ItemKind),
                    text=text(item, "text", where),
                    facts=tuple(map(str, need(item, "facts", where, list))),
                    sources=sources(item, where),
                    advice=need(item, "advice", where, bool),
                )
            )
        title = text(raw, "title", at)
        country = maybe(raw, "country", at, str)
        checklists.append(Checklist(cid, country, need(raw, "route", at, str), title, tuple(items)))
    return tuple(checklists)


def load_content(directory: Path | None = None) -> Content:
    """Read the three content files from ``directory`` (the shipped ones by default)."""
    if directory is None:
        return _shipped()
    return Content(
        countries=load_countries(directory / "countries.json"),
        grounds=load_grounds(directory / "grounds.json"),
        checklists=load_checklists(directory / "checklists.json"),
    )


@cache
def _shipped() -> Content:
    return load_content(CONTENT_DIR)


# --- validation ------------------------------------------------------------------------------


def validate(content: Content) -> list[str]:
    """Every rule the content must keep beyond its shape; an empty list means it is sound."""
    problems: list[str] = []
    isos = [c.iso2 for c in content.countries]
    ground_ids = [g.id for g in content.grounds]
    problems += [f"countries: {iso} appears twice" for iso in repeated(isos)]
    problems += [f"grounds: {gid} appears twice" for gid in repeated(ground_ids)]
    for country in content.countries:
        if not ISO2.fullmatch(country.iso2):
            problems.append(f"countries: {country.iso2!r} is not an ISO 3166 alpha-2 code")
        problems += check_text(f"{country.iso2}.name", country.name)
        for fact in country.all_facts():
            problems += _check_sourced(fact) + check_text(f"{fact.id}.value", fact.value)
            problems += _check_structure(fact)
    for ground in content.grounds:
        problems += _check_ground(ground, set(isos))
    problems += [
        f"checklists: {cid} appears twice" for cid in repeated(c.id for c in content.checklists)
    ]
    for checklist in content.checklists:
        problems += _check_checklist(checklist, content)
    return problems


def _check_sources(where: str, sources: Iterable[Source]) -> list[str]:
    problems = []
    for source in sources:
        if not source.url.startswith(("https://", "http://")):
            problems.append(f"{where}: source URL {source.url!r} is not a web address")
        if not source.title.strip():
            problems.append(f"{where}: source {source.url} has no title")
    return problems


def _check_sourced(item: Sourced) -> list[str]:
    problems = _check_sources(item.id, item.sources)
    if item.known and not item.sources:
        problems.append(f"{item.id}: states a fact without a source (add one, or set known: false)")
    return problems


def _check_structure(fact: Fact) -> list[str]:
    """Structured values must agree with each other and claim nothing an unsourced fact cannot."""
    problems = []
    claims = False
    if isinstance(fact, EntryDocuments):
        claims = fact.internal_passport_ok is not None or bool(fact.exceptional_entry)
    elif isinstance(fact, VisaFreeDays):
        claims = fact.days is not None or fact.visa is not Visa.UNKNOWN
        if fact.days is not None and fact.days < 0:
            problems.append(f"{fact.id}: days cannot be negative")
        if fact.days == 0 and fact.visa is Visa.NONE:
            problems.append(f"{fact.id}: no visa-free days, yet no visa is needed")
        if fact.days and fact.visa is not Visa.NONE:
            problems.append(f"{fact.id}: visa-free days given, yet a visa is needed")
    elif isinstance(fact, BorderStatus):
        claims = fact.state is not BorderState.UNKNOWN
    elif isinstance(fact, AsylumPractice):
        claims = any(o is not Outlook.UNKNOWN for o in fact.outlook.values())
    elif isinstance(fact, ReturnRisk):
        claims = fact.level is not RiskLevel.UNKNOWN or bool(fact.affects)
        if fact.affects and fact.level is RiskLevel.UNKNOWN:
            problems.append(f"{fact.id}: affected statuses named for an unknown level")
    elif isinstance(fact, HelpGroups):
        claims = fact.shelter
    elif isinstance(fact, Danger):
        claims = fact.level is not RiskLevel.UNKNOWN
    if claims and not fact.known:
        problems.append(f"{fact.id}: a fact without sources makes a structured claim")
    return problems


def _check_ground(ground: Ground, isos: set[str]) -> list[str]:
    problems = _check_sourced(ground)
    if not SLUG.fullmatch(ground.id):
        problems.append(f"{ground.id}: ground ids are lower_snake_case")
    problems += check_text(f"{ground.id}.title", ground.title)
    problems += check_text(f"{ground.id}.summary", ground.summary)
    if not ground.citation.strip():
        problems.append(f"{ground.id}: citation is missing")
    if not ground.date:
        problems.append(f"{ground.id}: date is missing")
    if not ground.urls:
        problems.append(f"{ground.id}: needs at least one link")
    problems += [
        f"{ground.id}: link {url!r} is not a web address"
        for url in ground.urls
        if not url.startswith(("https://", "http://"))
    ]
    when = ground.applies_when
    if not when.statuses:
        problems.append(f"{ground.id}: applies_when names no status")
    problems += [
        f"{ground.id}: applies_when names unknown country {iso}"
        for iso in sorted((when.countries or frozenset()) - isos)
    ]
    return problems


def _check_checklist(checklist: Checklist, content: Content) -> list[str]:
    where = f"checklist {checklist.id}"
    problems = check_text(f"{where}.title", checklist.title)
    if checklist.country is not None and content.country(checklist.country) is None:
        problems.append(f"{where}: unknown country {checklist.country}")
    problems += [
        f"{where}: item {i} appears twice" for i in repeated(i.id for i in checklist.items)
    ]
    for item in checklist.items:
        at = f"{where}.{item.id}"
        problems += check_text(at, item.text) + _check_sources(at, item.sources)
        for fact_id in item.facts:
            if content.fact(fact_id) is None:
                kind = "fact" if "." in fact_id else "ground"
                problems.append(f"{at}: unknown {kind} id {fact_id!r}")
        if item.advice and item.kind is ItemKind.DEADLINE:
            problems.append(f"{at}: a deadline is a fact and needs a source")
        if not item.advice and not content.item_sources(item):
            problems.append(f"{at}: states a fact without a source (add facts or sources)")
    return problems
