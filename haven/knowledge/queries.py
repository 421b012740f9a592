"""Reading the knowledge base: the current facts from the database, the legal grounds and the
checklists from the shipped files, the revisions editors made, and the review queue.

The facts are shared by every organisation on the install; who keeps them is not. A revision's
author and note are shown only to members of the author's organisation (``revision_rows``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from haven.accounts.models import Member, Organisation
from haven.knowledge.age import Age, Grade, fact_age
from haven.knowledge.content import Content, country_from_dict, load_content
from haven.knowledge.facts import (
    ALL_FIELDS,
    COUNTRY_FIELDS,
    DANGER_FIELDS,
    DANGER_KEY_OF,
    Checklist,
    RiskLevel,
    Source,
    Status,
    Text,
)
from haven.knowledge.models import Country, Fact, FactRevision, KnowledgeEditor, ReviewReminder

# Most dangerous first; "unknown" is not "safe", but it is not a documented danger either.
LEVEL_RANK = {RiskLevel.HIGH: 0, RiskLevel.MEDIUM: 1, RiskLevel.UNKNOWN: 2, RiskLevel.LOW: 3}
DANGEROUS = frozenset({RiskLevel.HIGH, RiskLevel.MEDIUM})


def stale_after_days() -> int:
    """The organisation's threshold: a fact verified longer ago than this is stale."""
    return int(settings.HAVEN_KNOWLEDGE_STALE_DAYS)


def old_after_days() -> int:
    """Past this, a fact is old rather than ageing."""
    return max(int(settings.HAVEN_KNOWLEDGE_OLD_DAYS), stale_after_days() + 1)


def today() -> date:
    return timezone.localdate()


class Dated(Protocol):
    """A fact, a ground or a topic item: what an age is counted from."""

    @property
    def verified(self) -> date | None: ...
    @property
    def newest_source(self) -> Source | None: ...


def age_of(fact: Dated, day: date | None = None) -> Age:
    """Its age by the install's thresholds, as of ``day`` (today by default)."""
    return fact_age(
        verified=fact.verified,
        newest=fact.newest_source,
        today=day or today(),
        fresh_days=stale_after_days(),
        old_days=old_after_days(),
    )


def publisher() -> Organisation | None:
    """The organisation whose knowledge editors keep the facts (see HAVEN_KNOWLEDGE_PUBLISHER)."""
    slug = settings.HAVEN_KNOWLEDGE_PUBLISHER
    found = Organisation.objects.filter(slug=slug) if slug else Organisation.objects.order_by("pk")
    return found.first()


def is_editor(member: object) -> bool:
    """An active member of the publishing organisation who holds the knowledge-editor role."""
    if not isinstance(member, Member) or not member.is_active or member.suspended_at:
        return False
    home = publisher()
    return (
        home is not None
        and member.organisation_id == home.pk
        and KnowledgeEditor.objects.filter(member=member).exists()
    )


def level_of(fact: Fact) -> RiskLevel:
    return RiskLevel(fact.details.get("level", RiskLevel.UNKNOWN))


def danger_levels() -> dict[str, dict[str, RiskLevel]]:
    """Every country's danger level per danger key ("deserter", "evader", ...)."""
    levels: dict[str, dict[str, RiskLevel]] = defaultdict(dict)
    for fact in Fact.objects.filter(field__in=DANGER_FIELDS).only("country_id", "field", "details"):
        levels[fact.country_id][fact.field.removeprefix("danger_")] = level_of(fact)
    return dict(levels)


def worst(levels: dict[str, RiskLevel]) -> RiskLevel:
    return min(levels.values(), key=LEVEL_RANK.__getitem__, default=RiskLevel.UNKNOWN)


def danger_for(levels: dict[str, RiskLevel], status: Status | None) -> RiskLevel:
    """The level for the reader's status, or the worst for anyone when no status is chosen."""
    if status is None:
        return worst(levels)
    return levels.get(DANGER_KEY_OF[status], RiskLevel.UNKNOWN)


def knowledge() -> Content:
    """Everything the screener reads: the countries as they stand now, with the shipped grounds
    and checklists."""
    shipped = load_content()
    rows: dict[str, dict[str, object]] = {}
    for country in Country.objects.order_by("iso2"):
        rows[country.iso2] = {
            "iso2": country.iso2,
            "name": {"en": country.name_en, "ru": country.name_ru},
        }
    for fact in Fact.objects.all():
        rows[fact.country_id][fact.field] = fact.as_json()
    countries = tuple(country_from_dict(raw, "database") for raw in rows.values())
    return Content(countries=countries, grounds=shipped.grounds, checklists=shipped.checklists)


def checklists() -> tuple[Checklist, ...]:
    """The checklist templates, as shipped (no database read)."""
    return load_content().checklists


@dataclass(frozen=True)
class CountrySummary:
    iso2: str
    name: Text
    level: RiskLevel  # the danger for the reader's status (or for anyone, with no status chosen)
    old: tuple[str, ...]  # fields old by the grades of haven.knowledge.age


def country_summaries(language: str, status: Status | None = None) -> list[CountrySummary]:
    """Every country with its danger for the reader: the most dangerous first, then by name."""
    day = today()
    old: dict[str, list[str]] = {}
    for fact in Fact.objects.filter(field__in=COUNTRY_FIELDS).only(
        "country_id", "field", "verified", "sources"
    ):
        if age_of(fact, day).grade is Grade.OLD:
            old.setdefault(fact.country_id, []).append(fact.field)
    levels = danger_levels()
    summaries = [
        CountrySummary(
            iso2=country.iso2,
            name=country.name,
            level=danger_for(levels.get(country.iso2, {}), status),
            old=tuple(f for f in COUNTRY_FIELDS if f in old.get(country.iso2, ())),
        )
        for country in Country.objects.all()
    ]
    return sorted(summaries, key=lambda s: (LEVEL_RANK[s.level], s.name.get(language)))


def country(iso2: str) -> Country | None:
    return Country.objects.filter(iso2=iso2.upper()).first()


# A country page leads with what can hurt: being handed back, then whether asylum holds.
PAGE_ORDER = (
    "return_risk",
    "asylum_practice",
    "entry_documents",
    "visa_free_days",
    "border_status",
    "help_groups",
)


def country_facts(country: Country) -> list[Fact]:
    """The country's six facts, in the page's order (danger first)."""
    facts = {fact.field: fact for fact in Fact.objects.filter(country=country)}
    return [facts[name] for name in PAGE_ORDER if name in facts]


def country_danger(country: Country) -> dict[str, Fact]:
    """The country's danger facts by key ("deserter", "evader", ...)."""
    return {
        fact.field.removeprefix("danger_"): fact
        for fact in Fact.objects.filter(country=country, field__in=DANGER_FIELDS)
    }


def fact(iso2: str, field: str) -> Fact | None:
    if field not in ALL_FIELDS:
        return None
    return (
        Fact.objects.select_related("country").filter(country_id=iso2.upper(), field=field).first()
    )


@dataclass(frozen=True)
class ReviewItem:
    fact: Fact
    age: Age
    level: RiskLevel  # the fact's own level (danger, return risk), else its country's worst

    @property
    def dangerous(self) -> bool:
        return self.level in DANGEROUS


def review_queue(day: date | None = None) -> list[ReviewItem]:
    """Facts not checked within the threshold: the most dangerous first, then the oldest."""
    day = day or today()
    levels = danger_levels()
    items = []
    for found in Fact.objects.select_related("country"):
        age = age_of(found, day)
        if age.grade is Grade.FRESH:
            continue
        own = found.field in DANGER_FIELDS or found.field == "return_risk"
        level = level_of(found) if own else worst(levels.get(found.country_id, {}))
        items.append(ReviewItem(found, age, level))
    grade_rank = {Grade.OLD: 0, Grade.AGEING: 1, Grade.FRESH: 2}
    return sorted(
        items,
        key=lambda item: (
            LEVEL_RANK[item.level],
            grade_rank[item.age.grade],
            item.age.day or date.min,
            item.fact.country_id,
            ALL_FIELDS.index(item.fact.field),
        ),
    )


def revisions(fact: Fact | None = None) -> QuerySet[FactRevision]:
    """Changes, newest first: of one fact, or of all of them."""
    found = FactRevision.objects.select_related("author__organisation", "fact__country", "reverts")
    if fact is not None:
        found = found.filter(fact=fact)
    return found.order_by("-at", "-id")


def revision(revision_id: int) -> FactRevision | None:
    return (
        FactRevision.objects.select_related("author__organisation", "fact__country", "reverts")
        .filter(pk=revision_id)
        .first()
    )


@dataclass(frozen=True)
class RevisionRow:
    revision: FactRevision
    author: str  # the handle for the author's own organisation, else the organisation's name
    note: str  # empty outside the author's organisation


def revision_row(revision: FactRevision, viewer: Member) -> RevisionRow:
    """A revision as one viewer may see it: handles and notes stay inside their organisation."""
    author: Member = revision.author
    if author.organisation_id == viewer.organisation_id:
        return RevisionRow(revision, author.handle, revision.note)
    return RevisionRow(revision, author.organisation.name, "")


def country_choices(language: str) -> list[tuple[str, str]]:
    """(code, name) of every country, sorted by name in the reader's language."""
    names = [(country.iso2, country.name.get(language)) for country in Country.objects.all()]
    return sorted(names, key=lambda choice: choice[1])


def current_reminder(member: object) -> ReviewReminder | None:
    """This week's review note, for a knowledge editor's desk; None for anyone else."""
    if not is_editor(member):
        return None
    since = timezone.now() - timedelta(days=8)
    return ReviewReminder.objects.filter(at__gte=since, waiting__gt=0).order_by("-at").first()
