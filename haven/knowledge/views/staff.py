"""Counselors' pages: every fact in full with what the screener reads from it, the legal grounds,
the checklists, and the screener with each line traced to the facts it used."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from haven.knowledge import queries
from haven.knowledge.content import Checklist, Content, Ground
from haven.knowledge.forms import ScreenerForm
from haven.knowledge.present import (
    DANGER_SHORT,
    DOCUMENT_LABELS,
    GROUND_KIND_LABELS,
    ITEM_KIND_LABELS,
    STATUS_LABELS,
    VERDICT_LABELS,
    fact_ref,
    line_views,
    status_from,
)
from haven.knowledge.screener import screen
from haven.knowledge.screening import Screening
from haven.knowledge.views.public import country_page


def _language() -> str:
    return get_language() or "ru"


@require_GET
def countries(request: HttpRequest) -> HttpResponse:
    """The countries, the most dangerous first, with the fields of each that are old."""
    return render(
        request,
        "knowledge/staff/countries.html",
        {"countries": queries.country_summaries(_language()), "levels": DANGER_SHORT},
    )


@require_GET
def country(request: HttpRequest, iso2: str) -> HttpResponse:
    """One country in full: facts, what the screener reads, its checklists and its grounds."""
    found = queries.country(iso2)
    if found is None:
        raise Http404
    content = queries.knowledge()
    grounds = [
        ground
        for ground in content.grounds
        if ground.applies_when.countries is None or found.iso2 in ground.applies_when.countries
    ]
    checklists = [c for c in content.checklists if c.country in (found.iso2, None)]
    return render(
        request,
        "knowledge/staff/country.html",
        {
            **country_page(found, status_from(request.GET.get("status")), ""),
            "staff": True,
            "grounds": [_ground(ground) for ground in grounds],
            "checklists": [_checklist(checklist, content) for checklist in checklists],
        },
    )


def _ground(ground: Ground) -> dict[str, object]:
    when = ground.applies_when
    return {
        "ground": ground,
        "kind": GROUND_KIND_LABELS[ground.kind],
        "statuses": [STATUS_LABELS[s] for s in STATUS_LABELS if s in when.statuses],
        "countries": sorted(when.countries) if when.countries is not None else None,
        "proof": [DOCUMENT_LABELS[d] for d in DOCUMENT_LABELS if d in when.proof_documents],
        "age": queries.age_of(ground),
    }


def _checklist(checklist: Checklist, content: Content) -> dict[str, object]:
    language = _language()
    return {
        "checklist": checklist,
        "items": [
            {
                "item": item,
                "kind": ITEM_KIND_LABELS[item.kind],
                "refs": [fact_ref(fact_id, content, language) for fact_id in item.facts],
                "sources": item.sources,
            }
            for item in checklist.items
        ],
    }


@require_GET
def grounds(request: HttpRequest) -> HttpResponse:
    """The legal grounds, each with its citation, links, sources and when it may apply."""
    content = queries.knowledge()
    return render(
        request,
        "knowledge/staff/grounds.html",
        {"grounds": [_ground(ground) for ground in content.grounds]},
    )


@require_GET
def checklists(request: HttpRequest) -> HttpResponse:
    """Every checklist, per country and route; each item names the facts it rests on."""
    content = queries.knowledge()
    return render(
        request,
        "knowledge/staff/checklists.html",
        {"checklists": [_checklist(checklist, content) for checklist in content.checklists]},
    )


@require_http_methods(["GET", "POST"])
def screener(request: HttpRequest) -> HttpResponse:
    """The counselor's screener: options by country with reasons, risks, grounds and unknowns."""
    language = _language()
    choices = queries.country_choices(language)
    if request.method == "GET":
        form = ScreenerForm(countries=choices)
        return render(request, "knowledge/staff/screener.html", {"form": form})
    form = ScreenerForm(request.POST, countries=choices)
    if not form.is_valid():
        return render(request, "knowledge/staff/screener.html", {"form": form}, status=400)
    content = queries.knowledge()
    screening = screen(
        form.answers(),
        content,
        today=queries.today(),
        stale_after_days=queries.stale_after_days(),
    )
    return render(
        request,
        "knowledge/staff/screener.html",
        {"form": form, **_screening(screening, content, language)},
    )


def _screening(screening: Screening, content: Content, language: str) -> dict[str, object]:
    options = [
        {
            "option": option,
            "verdict": VERDICT_LABELS[option.verdict],
            "checklists": [
                (checklist.id, checklist.title)
                for checklist in content.checklists
                if checklist.id in option.checklists
            ],
            "sections": [
                (title, line_views(lines, content, language))
                for title, lines in (
                    (_("Reasons"), option.reasons),
                    (_("Risks"), option.risks),
                    (_("Grounds that may apply"), option.grounds),
                    (_("What the facts do not say"), option.unknowns),
                )
                if lines
            ],
        }
        for option in screening.options
    ]
    return {
        "screening": screening,
        "options": options,
        "unknowns": line_views(screening.unknowns, content, language),
        "stale": [fact_ref(fact_id, content, language) for fact_id in screening.stale_facts],
        "stale_after_days": queries.stale_after_days(),
    }
