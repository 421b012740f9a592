"""Requester-safe pages: the countries with their danger for the reader, each country's facts
(danger first) with their sources and age, and the screener in plain words. They load no script,
carry the quick exit, and store nothing: the reader's status and place ride in the query string of
a GET form (nothing that identifies anyone), and the screener's answers are read, screened and
forgotten (a POST, so they stay out of the history)."""

from collections.abc import Iterable

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_http_methods

from haven.intake.views import requester_page
from haven.knowledge import queries
from haven.knowledge.age import Age
from haven.knowledge.facts import DANGER_KEY_OF, DANGER_KEYS, RiskLevel, Source, Status
from haven.knowledge.forms import ScreenerForm
from haven.knowledge.models import Country
from haven.knowledge.present import (
    DANGER_SHORT,
    DANGER_WORDS,
    FIELD_LABELS,
    STATUS_LABELS,
    STATUS_PLAIN,
    VERDICT_LABELS,
    fact_views,
    status_from,
    used_facts,
)
from haven.knowledge.screener import screen
from haven.knowledge.screening import Line, Verdict
from haven.knowledge.topics import TopicItem
from haven.knowledge.topics import shipped_situations as load_situations
from haven.knowledge.topics import shipped_topics as load_topics
from haven.situation.crossings import CROSSINGS


def _language() -> str:
    return get_language() or "ru"


def _reader(request: HttpRequest) -> tuple[Status | None, str]:
    """The status the reader chose and the country they said they are in ("" if none)."""
    here = request.GET.get("here", "").upper()
    return status_from(request.GET.get("status")), here if len(here) == 2 else ""


def _status_choices() -> list[tuple[str, str]]:
    return [(status.value, str(STATUS_PLAIN[status])) for status in Status]


@requester_page
@require_GET
def countries(request: HttpRequest) -> HttpResponse:
    """Every country, grouped by its danger for the reader's status, the dangerous ones first."""
    language = _language()
    status, here = _reader(request)
    summaries = queries.country_summaries(language, status)
    groups = [
        (level, DANGER_SHORT[level], [s for s in summaries if s.level is level])
        for level in (RiskLevel.HIGH, RiskLevel.MEDIUM, RiskLevel.UNKNOWN, RiskLevel.LOW)
    ]
    current = next((s for s in summaries if s.iso2 == here), None)
    return render(
        request,
        "knowledge/public/countries.html",
        {
            "groups": [group for group in groups if group[2]],
            "status": status,
            "status_label": STATUS_LABELS[status] if status else None,
            "statuses": _status_choices(),
            "places": queries.country_choices(language),
            "here": here,
            "current": current,
            "at_risk_here": current is not None and current.level in queries.DANGEROUS,
        },
    )


@requester_page
@require_GET
def country(request: HttpRequest, iso2: str) -> HttpResponse:
    """One country: can you be handed back from here, for your status; then its six facts, each
    with its sources and its age in words."""
    found = queries.country(iso2)
    if found is None:
        raise Http404
    status, here = _reader(request)
    return render(request, "knowledge/public/country.html", country_page(found, status, here))


@requester_page
@require_GET
def country_sources(request: HttpRequest, iso2: str) -> HttpResponse:
    """Every source of one country's facts, section by section, with its address to check."""
    found = queries.country(iso2)
    if found is None:
        raise Http404
    danger = queries.country_danger(found)
    facts = [*(danger[key] for key in DANGER_KEYS if key in danger), *queries.country_facts(found)]
    # Each source once, with the parts of the page it supports (many support several).
    cited: dict[str, tuple[Source, list[tuple[str, str]]]] = {}
    for fact in facts:
        for source in fact.source_list:
            entry = cited.setdefault(source.url, (source, []))
            entry[1].append((fact.field, str(FIELD_LABELS[fact.field])))
    unsourced = [str(FIELD_LABELS[fact.field]) for fact in facts if not fact.source_list]
    anchored: set[str] = set()
    rows = []
    for source, parts in cited.values():
        anchors = [field for field, _label in parts if field not in anchored]
        anchored.update(anchors)
        rows.append((source, [label for _field, label in parts], anchors))
    return render(
        request,
        "knowledge/public/sources.html",
        {"country": found, "sources": rows, "unsourced": unsourced},
    )


def country_page(found: Country, status: Status | None, here: str) -> dict[str, object]:
    """What a country page shows, for the requester's and the counselor's page alike."""
    day = queries.today()
    danger = queries.country_danger(found)
    levels = {key: queries.level_of(fact) for key, fact in danger.items()}
    level = queries.danger_for(levels, status)
    facts = queries.country_facts(found)
    danger_facts = [danger[key] for key in DANGER_KEYS if key in danger]
    ages = {fact.pk: queries.age_of(fact, day) for fact in [*facts, *danger_facts]}
    rows = fact_views(danger_facts, ages=ages, country_level=level)
    by_key = dict(zip([f.field.removeprefix("danger_") for f in danger_facts], rows, strict=True))
    chosen = by_key.get(DANGER_KEY_OF[status]) if status else None
    return {
        "country": found,
        "facts": fact_views(facts, ages=ages, country_level=level),
        "status": status,
        "status_label": STATUS_LABELS[status] if status else None,
        "statuses": [(s.value, str(STATUS_LABELS[s])) for s in Status],
        "level": level,
        "level_words": DANGER_WORDS[level],
        "chosen": chosen,
        "danger_rows": [
            (STATUS_LABELS[s], DANGER_SHORT[levels.get(DANGER_KEY_OF[s], RiskLevel.UNKNOWN)])
            for s in Status
        ],
        "danger_facts": rows,
        "here": here == found.iso2,
        "at_risk_here": here == found.iso2 and level in queries.DANGEROUS,
        "crossings": [c for c in CROSSINGS if found.iso2 in (c.origin, c.destination)],
    }


@requester_page
@require_http_methods(["GET", "POST"])
def screener(request: HttpRequest) -> HttpResponse:
    """Where could I go? The requester's answers in, the options in plain words out."""
    language = _language()
    choices = queries.country_choices(language)
    if request.method == "GET":
        form = ScreenerForm(countries=choices, plain=True)
        return render(request, "knowledge/public/screener.html", {"form": form})
    form = ScreenerForm(request.POST, countries=choices, plain=True)
    if not form.is_valid():
        return render(request, "knowledge/public/screener.html", {"form": form}, status=400)
    content = queries.knowledge()
    today = queries.today()
    screening = screen(
        form.answers(), content, today=today, stale_after_days=queries.stale_after_days()
    )
    used = used_facts(screening.facts, content, language, today=today)

    def why(lines: Iterable[Line]) -> list[dict[str, object]]:
        return [
            {"line": line, "facts": [used[f] for f in line.facts if f in used]} for line in lines
        ]

    # The screener's own order: where the person is at risk first, then risky, possible, unknown
    # and not possible, each group with the most dangerous first. Each option names the danger
    # fact it rests on with its age; the grounds, shared by many countries, are listed once.
    groups = [
        (
            VERDICT_LABELS[verdict],
            [
                {
                    "option": option,
                    "danger": DANGER_SHORT[option.danger],
                    "fact": used.get(option.danger_fact),
                }
                for option in screening.options
                if option.verdict is verdict and not option.at_risk_here
            ],
        )
        for verdict in Verdict
    ]
    grounds = [
        used[ground_id]
        for ground_id in dict.fromkeys(g for o in screening.options for g in o.ground_ids)
        if ground_id in used
    ]
    here = next((option for option in screening.options if option.at_risk_here), None)
    return render(
        request,
        "knowledge/public/screener.html",
        {
            "form": form,
            "screening": screening,
            "at_risk": why([screening.at_risk_here]) if screening.at_risk_here else [],
            "here": here,
            "groups": [(label, options) for label, options in groups if options],
            "grounds": grounds,
        },
    )


def _topic_age(item: TopicItem) -> Age:
    return queries.age_of(item)


def _items(items: Iterable[TopicItem]) -> list[dict[str, object]]:
    return [{"item": item, "age": _topic_age(item)} for item in items]


@requester_page
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Start from where the reader is: in Russia, at the border, just across with only an internal
    passport, detained or threatened with deportation; then the warnings for everyone."""
    topics = load_topics()
    warnings = [
        item for _section, item in topics.items() if item.warning and item.applies_to is None
    ]
    return render(
        request,
        "knowledge/public/home.html",
        {"situations": load_situations(), "sections": topics.sections, "warning": warnings[:1]},
    )


@requester_page
@require_GET
def situation(request: HttpRequest, situation: str) -> HttpResponse:
    """One situation: the next step, the facts that matter most, the countries that matter."""
    found = next((s for s in load_situations() if s.id == situation), None)
    if found is None:
        raise Http404
    topics = load_topics()
    items = topics.items_for(found)
    names = dict(queries.country_choices(_language()))
    levels = queries.danger_levels()
    worst = {iso2: queries.worst(levels.get(iso2, {})) for iso2 in found.countries}
    countries = [
        (iso2, names[iso2], DANGER_SHORT[worst[iso2]], worst[iso2])
        for iso2 in found.countries
        if iso2 in names
    ]
    # The sections its items come from, to read on.
    shown = {item.id for item in items}
    sections = [s for s in topics.sections if any(item.id in shown for item in s.items)]
    return render(
        request,
        "knowledge/public/situation.html",
        {
            "situation": found,
            "items": _items(items),
            "countries": countries,
            "sections": sections,
        },
    )


@requester_page
@require_GET
def topic(request: HttpRequest, topic: str) -> HttpResponse:
    """One cross-border section: leaving Russia, the border, money, detained abroad, help groups."""
    topics = load_topics()
    found = topics.section(topic)
    if found is None:
        raise Http404
    names = dict(queries.country_choices(_language()))
    return render(
        request,
        "knowledge/public/topic.html",
        {
            "section": found,
            "items": _items(found.items),
            "names": names,
            "sections": topics.sections,
        },
    )
