"""The knowledge base in the JSON API: the countries with every field's sources and date, and the
screener. Open to anyone, like the requester pages: it is public knowledge, and the screener's
answers are neither stored nor logged. Every text is given in English and Russian."""

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from haven.api.schemas import Detail, Errors
from haven.knowledge import facts, queries
from haven.knowledge.age import Grade
from haven.knowledge.content import Content, Source, Sourced
from haven.knowledge.facts import (
    BorderState,
    Constraint,
    Document,
    Outlook,
    RiskLevel,
    Visa,
)
from haven.knowledge.models import Fact
from haven.knowledge.screener import screen
from haven.knowledge.screening import Answers, Line, Option, Verdict

router = Router(tags=["knowledge"])


class TextOut(Schema):
    en: str
    ru: str


class SourceOut(Schema):
    url: str
    title: str
    date: str | None = Field(..., description="YYYY, YYYY-MM or YYYY-MM-DD; null if undated")
    approximate: bool


class FieldOut(Schema):
    id: str = Field(..., description='The id screener lines refer to, e.g. "KZ.visa_free_days"')
    value: TextOut
    sources: list[SourceOut]
    verified: date | None = Field(
        ..., description="The day a knowledge editor last checked it in its sources; null if never"
    )
    stale: bool = Field(
        ...,
        description="Neither checked nor sourced within the threshold (stale_after_days); a fact "
        "nobody checked is as old as its newest source",
    )
    age: Grade = Field(..., description="fresh, ageing (past stale_after_days) or old")
    uncertain: bool = Field(..., description="To be checked against the primary text")
    known: bool = Field(..., description="False when the sources read say nothing on it")


class EntryDocumentsOut(FieldOut):
    internal_passport_ok: bool | None
    exceptional_entry: list[facts.Status]


class VisaFreeDaysOut(FieldOut):
    days: int | None
    visa: Visa


class BorderStatusOut(FieldOut):
    state: BorderState


class AsylumPracticeOut(FieldOut):
    outlook: dict[str, Outlook] = Field(..., description='By status; "*" for anyone not named')


class ReturnRiskOut(FieldOut):
    level: RiskLevel
    affects: list[facts.Status]


class HelpGroupsOut(FieldOut):
    shelter: bool


class DangerOut(FieldOut):
    level: RiskLevel = Field(..., description='"unknown" means no case was found, never "safe"')


class CountrySummaryOut(Schema):
    iso2: str
    name: TextOut
    danger: dict[str, RiskLevel] = Field(
        ...,
        description="Level per status: deserter, mobilised, called_up, evader, objector, activist",
    )
    old_fields: list[str] = Field(..., description="Fields neither checked nor sourced in a year")


class CountryOut(Schema):
    iso2: str
    name: TextOut
    stale_after_days: int
    entry_documents: EntryDocumentsOut
    visa_free_days: VisaFreeDaysOut
    border_status: BorderStatusOut
    asylum_practice: AsylumPracticeOut
    return_risk: ReturnRiskOut
    help_groups: HelpGroupsOut
    danger: dict[str, DangerOut] = Field(
        ..., description="Can a person of this status be handed back from here? By status key"
    )


class ScreenerIn(Schema):
    status: facts.Status
    documents: list[Document] = Field(
        default_factory=list, description='Documents held; "none" alone, or leave empty'
    )
    current_country: str = Field(
        ...,
        pattern="^[A-Za-z]{2}$",
        description='ISO 3166 alpha-2 code of where the person is now; "RU" while in Russia',
    )
    constraints: list[Constraint] = Field(default_factory=list)


class LineOut(Schema):
    text: TextOut
    facts: list[str] = Field(..., description="Ids of the facts and grounds the line rests on")
    uncertain: bool
    stale: bool


class OptionOut(Schema):
    country: str
    name: TextOut
    here: bool = Field(..., description="The person is in this country now")
    verdict: Verdict
    danger: RiskLevel = Field(..., description="The country's danger for the person's status")
    danger_fact: str = Field(..., description='The danger fact\'s id, e.g. "KZ.danger_deserter"')
    at_risk_here: bool = Field(..., description="The person is here and the danger is high/medium")
    plain: TextOut = Field(..., description="The verdict in plain words, for the person")
    reasons: list[LineOut]
    risks: list[LineOut]
    grounds: list[LineOut]
    unknowns: list[LineOut]
    checklists: list[str]


class UsedFactOut(Schema):
    sources: list[SourceOut]
    verified: date | None
    stale: bool
    age: Grade
    uncertain: bool
    known: bool


class ScreeningOut(Schema):
    today: date
    stale_after_days: int
    plain: TextOut
    at_risk_here: LineOut | None = Field(
        ..., description="Where the person is, they are at risk: what to do now. Show it first"
    )
    options: list[OptionOut] = Field(
        ...,
        description="Where the person is at risk first, then risky, possible, unknown, not "
        "possible; within each, the most dangerous first",
    )
    unknowns: list[LineOut] = Field(..., description="What the facts do not cover for the person")
    stale_facts: list[str]
    facts: dict[str, UsedFactOut] = Field(..., description="Every fact and ground a line used")


def _text(text: facts.Text) -> dict[str, str]:
    return {"en": text.en, "ru": text.ru}


def _sources(sources: tuple[Source, ...]) -> list[dict[str, Any]]:
    return [
        {"url": s.url, "title": s.title, "date": s.date, "approximate": s.approximate}
        for s in sources
    ]


def _field(fact: Fact, today: date, days: int) -> dict[str, Any]:
    return {
        **fact.details,
        "id": fact.key,
        "value": _text(fact.value),
        "sources": _sources(fact.source_list),
        "verified": fact.verified,
        "stale": fact.is_stale(today, days),
        "age": queries.age_of(fact, today).grade,
        "uncertain": fact.uncertain,
        "known": fact.known,
    }


@router.get(
    "/countries",
    response=list[CountrySummaryOut],
    url_name="countries",
    summary="The countries in the knowledge base",
)
def countries(request: HttpRequest) -> list[dict[str, Any]]:
    """Each country with its danger per status and its old fields: the most dangerous first."""
    levels = queries.danger_levels()
    return [
        {
            "iso2": c.iso2,
            "name": _text(c.name),
            "danger": levels.get(c.iso2, {}),
            "old_fields": list(c.old),
        }
        for c in queries.country_summaries("en")
    ]


@router.get(
    "/countries/{iso2}",
    response={200: CountryOut, 404: Detail},
    url_name="country",
    summary="One country, every field with its sources and last-verified date",
)
def country(request: HttpRequest, iso2: str) -> Status[object]:
    found = queries.country(iso2) if len(iso2) == 2 and iso2.isascii() else None
    if found is None:
        return Status(404, {"detail": _("No country with this code is in the knowledge base.")})
    today, days = queries.today(), queries.stale_after_days()
    body: dict[str, Any] = {
        "iso2": found.iso2,
        "name": _text(found.name),
        "stale_after_days": days,
    }
    for fact in queries.country_facts(found):
        body[fact.field] = _field(fact, today, days)
    body["danger"] = {
        key: _field(fact, today, days) for key, fact in queries.country_danger(found).items()
    }
    return Status(200, body)


def _line(line: Line) -> dict[str, Any]:
    return {
        "text": _text(line.text),
        "facts": list(line.facts),
        "uncertain": line.uncertain,
        "stale": line.stale,
    }


def _option(option: Option) -> dict[str, Any]:
    return {
        "country": option.country,
        "name": _text(option.name),
        "here": option.here,
        "verdict": option.verdict,
        "danger": option.danger,
        "danger_fact": option.danger_fact,
        "at_risk_here": option.at_risk_here,
        "plain": _text(option.plain),
        "reasons": [_line(line) for line in option.reasons],
        "risks": [_line(line) for line in option.risks],
        "grounds": [_line(line) for line in option.grounds],
        "unknowns": [_line(line) for line in option.unknowns],
        "checklists": list(option.checklists),
    }


def _used(item: Sourced, today: date, days: int) -> dict[str, Any]:
    return {
        "sources": _sources(item.sources),
        "verified": item.verified,
        "stale": item.is_stale(today, days),
        "age": queries.age_of(item, today).grade,
        "uncertain": item.uncertain,
        "known": item.known,
    }


def _used_facts(content: Content, ids: set[str], today: date, days: int) -> dict[str, Any]:
    found = {fact_id: content.fact(fact_id) for fact_id in sorted(ids)}
    return {fact_id: _used(item, today, days) for fact_id, item in found.items() if item}


@router.post(
    "/screener",
    response={200: ScreeningOut, 400: Detail, 422: Errors},
    url_name="screener",
    summary="Where a person could go, and why",
)
def screener(request: HttpRequest, payload: ScreenerIn) -> Status[object]:
    """The person's answers in; every country with a verdict, its reasons, risks, grounds and
    what is not known out, each line naming the facts it used. Nothing is stored."""
    documents = set(payload.documents)
    if Document.NONE in documents and len(documents) > 1:
        message = _("“none” cannot go with other documents: send it alone, or leave it out.")
        return Status(422, {"errors": {"documents": [message]}})
    answers = Answers(
        status=payload.status,
        documents=frozenset(documents),
        current_country=payload.current_country.upper(),
        constraints=frozenset(payload.constraints),
    )
    content = queries.knowledge()
    today, days = queries.today(), queries.stale_after_days()
    screening = screen(answers, content, today=today, stale_after_days=days)
    used = set(screening.facts)
    return Status(
        200,
        {
            "today": today,
            "stale_after_days": days,
            "plain": _text(screening.plain),
            "at_risk_here": _line(screening.at_risk_here) if screening.at_risk_here else None,
            "options": [_option(option) for option in screening.options],
            "unknowns": [_line(line) for line in screening.unknowns],
            "stale_facts": list(screening.stale_facts),
            "facts": _used_facts(content, used, today, days),
        },
    )
