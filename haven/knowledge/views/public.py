"""Requester-safe pages: the countries, each country's facts with their sources and dates, and the
screener in plain words. They load no script, carry the quick exit, and store nothing: the
screener's answers are read, screened and forgotten (a POST, so they stay out of the history)."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_http_methods

from haven.intake.views import requester_page
from haven.knowledge import queries
from haven.knowledge.forms import ScreenerForm
from haven.knowledge.present import VERDICT_LABELS, fact_views
from haven.knowledge.screener import Verdict, screen


def _language() -> str:
    return get_language() or "ru"


@requester_page
@require_GET
def countries(request: HttpRequest) -> HttpResponse:
    """Every country the knowledge base covers."""
    return render(
        request,
        "knowledge/public/countries.html",
        {"countries": queries.country_summaries(_language())},
    )


@requester_page
@require_GET
def country(request: HttpRequest, iso2: str) -> HttpResponse:
    """One country's six facts, each with its sources, its date and whether it is stale."""
    found = queries.country(iso2)
    if found is None:
        raise Http404
    facts = fact_views(
        queries.country_facts(found),
        today=queries.today(),
        stale_after_days=queries.stale_after_days(),
    )
    return render(
        request,
        "knowledge/public/country.html",
        {"country": found, "facts": facts, "stale_after_days": queries.stale_after_days()},
    )


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
    screening = screen(
        form.answers(),
        queries.knowledge(),
        today=queries.today(),
        stale_after_days=queries.stale_after_days(),
    )
    groups = [
        (
            VERDICT_LABELS[verdict],
            sorted(
                (o for o in screening.options if o.verdict is verdict),
                key=lambda option: option.name.get(language),
            ),
        )
        for verdict in Verdict
    ]
    return render(
        request,
        "knowledge/public/screener.html",
        {
            "form": form,
            "screening": screening,
            "groups": [(label, options) for label, options in groups if options],
        },
    )
