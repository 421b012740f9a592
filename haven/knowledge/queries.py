"""Reading the knowledge base: the current facts from the database, the legal grounds and the
checklists from the shipped files, and the revisions coordinators made."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from haven.knowledge.content import Content, country_from_dict, load_content
from haven.knowledge.facts import COUNTRY_FIELDS, Checklist, Text
from haven.knowledge.models import Country, Fact, FactRevision


def stale_after_days() -> int:
    """The organisation's threshold: a fact verified longer ago than this is stale."""
    return int(settings.HAVEN_KNOWLEDGE_STALE_DAYS)


def today() -> date:
    return timezone.localdate()


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
    stale: tuple[str, ...]  # fields older than the threshold


def country_summaries(language: str) -> list[CountrySummary]:
    """Every country, sorted by its name in the reader's language, with its stale fields."""
    day, days = today(), stale_after_days()
    stale: dict[str, list[str]] = {}
    for fact in Fact.objects.only("country_id", "field", "verified"):
        if fact.is_stale(day, days):
            stale.setdefault(fact.country_id, []).append(fact.field)
    summaries = [
        CountrySummary(
            iso2=country.iso2,
            name=country.name,
            stale=tuple(f for f in COUNTRY_FIELDS if f in stale.get(country.iso2, ())),
        )
        for country in Country.objects.all()
    ]
    return sorted(summaries, key=lambda summary: summary.name.get(language))


def country(iso2: str) -> Country | None:
    return Country.objects.filter(iso2=iso2.upper()).first()


def country_facts(country: Country) -> list[Fact]:
    """The country's six facts, in the page's order."""
    facts = {fact.field: fact for fact in Fact.objects.filter(country=country)}
    return [facts[name] for name in COUNTRY_FIELDS if name in facts]


def fact(iso2: str, field: str) -> Fact | None:
    if field not in COUNTRY_FIELDS:
        return None
    return (
        Fact.objects.select_related("country").filter(country_id=iso2.upper(), field=field).first()
    )


def stale_facts() -> list[Fact]:
    """Facts older than the threshold, or never verified: the oldest first."""
    day, days = today(), stale_after_days()
    facts = list(Fact.objects.select_related("country").order_by("verified", "country_id", "field"))
    never = [fact for fact in facts if fact.verified is None]
    dated = [fact for fact in facts if fact.verified is not None and fact.is_stale(day, days)]
    return never + dated


def revisions(fact: Fact | None = None) -> QuerySet[FactRevision]:
    """Changes, newest first: of one fact, or of all of them."""
    found = FactRevision.objects.select_related("author", "fact__country", "reverts")
    if fact is not None:
        found = found.filter(fact=fact)
    return found.order_by("-at", "-id")


def revision(revision_id: int) -> FactRevision | None:
    return (
        FactRevision.objects.select_related("author", "fact__country", "reverts")
        .filter(pk=revision_id)
        .first()
    )


def country_choices(language: str) -> list[tuple[str, str]]:
    """(code, name) of every country, sorted by name in the reader's language."""
    names = [(country.iso2, country.name.get(language)) for country in Country.objects.all()]
    return sorted(names, key=lambda choice: choice[1])
