"""Figures that expose no one: the coordinators' page (with the privacy ledger and what the
organisation shares), the public pages for funders (one organisation's, and the network's), and
the same figures as CSV and HXL-tagged CSV. Never row-level data."""

import csv

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from haven.accounts.models import Member, Organisation
from haven.core.geography import country_name
from haven.intake.views import requester_page
from haven.reports.charts import weekly_bars
from haven.reports.queries import (
    Table,
    network_organisations,
    publishing_organisation,
    sharing_of,
    table,
)
from haven.reports.release import (
    GROUPS,
    MEASURES,
    OTHER,
    PEOPLE_CAP,
    ROUNDING,
    THRESHOLD,
    WEEK_EPSILON,
    closed_weeks,
    margin,
)
from haven.reports.services import releases_publish_due, sharing_set

WEEKS = 12
# The humanitarian exchange language's hashtags for each column (hxlstandard.org).
HXL_TAGS = {
    "week": "#date+start",
    "country": "#country+code",
    "requests": "#affected+requests",
    "people": "#affected+ind",
    **{measure: f"#inneed+{measure.removeprefix('need_')}" for measure in GROUPS[2].measures},
    "placements": "#reached+ind+shelter",
    "outcome_helped": "#reached+helped",
    "outcome_stopped": "#affected+stopped",
}


def _headings() -> dict[str, str]:
    return {
        "requests": _("Requests"),
        "people": _("People"),
        "need_shelter": _("Need a place to stay"),
        "need_legal": _("Need legal advice"),
        "need_route": _("Need a route"),
        "need_money": _("Need money"),
        "need_medical": _("Need medical help"),
        "need_talk": _("Need someone to talk to"),
        "placements": _("Placed with a host"),
        "outcome_helped": _("Cases ended: helped"),
        "outcome_stopped": _("Cases ended: no answer or forgotten"),
    }


def _figures(organisations: list[Organisation]) -> Table:
    weeks = closed_weeks(timezone.localdate(), weeks=WEEKS)
    releases = releases_publish_due(organisations=organisations, weeks=weeks)
    return table(releases, weeks, organisations=len(organisations))


def _country(code: str) -> str:
    return _("Other countries") if code == OTHER else country_name(code)


def _context(figures: Table) -> dict[str, object]:
    headings = _headings()
    return {
        "figures": figures,
        "headings": [headings[measure] for measure in MEASURES],
        "margins": [margin(measure, max(1, figures.organisations)) for measure in MEASURES],
        "rows": [
            (row.week, _country(row.country), [row.figures[m] for m in MEASURES])
            for row in figures.rows
        ],
        "weeks": [(week, [figures.by_week[week][m] for m in MEASURES]) for week in figures.weeks],
        "countries": [
            (_country(country), [values[m] for m in MEASURES])
            for country, values in figures.by_country
        ],
        "totals": [figures.totals[measure] for measure in MEASURES],
        "chart": weekly_bars(figures.requests_per_week),
        "threshold": THRESHOLD,
        "rounding": ROUNDING,
        "epsilon": WEEK_EPSILON,
        "people_cap": PEOPLE_CAP,
    }


def _csv(figures: Table, *, hxl: bool, name: str) -> HttpResponse:
    """One row per week and country where something is shown. Plain CSV writes a suppressed
    figure as <10; HXL leaves it empty, so the column stays numeric."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    suffix = "-hxl" if hxl else ""
    response["Content-Disposition"] = f'attachment; filename="{name}{suffix}.csv"'
    writer = csv.writer(response)
    writer.writerow(["week_start", "country", *MEASURES])
    if hxl:
        writer.writerow([HXL_TAGS[column] for column in ("week", "country", *MEASURES)])
    for row in figures.rows:
        values = [
            ("" if row.figures[m].suppressed else str(row.figures[m]))
            if hxl
            else str(row.figures[m])
            for m in MEASURES
        ]
        writer.writerow([row.week.isoformat(), row.country, *values])
    return response


def _member(request: HttpRequest) -> Member:
    member: Member = request.user  # type: ignore[assignment]  # AuthorizationMiddleware checked
    return member


def organisation_figures(request: HttpRequest) -> HttpResponse:
    """The organisation's released figures, its privacy ledger and what it shares."""
    member = _member(request)
    figures = _figures([member.organisation])
    context = _context(figures)
    context["sharing"] = sharing_of(member.organisation)
    # Staff pages have no 20 KB budget: every week's countries, as in the CSV.
    context["detail"] = True
    context["slug"] = member.organisation.slug
    return render(request, "reports/figures.html", context)


def organisation_csv(request: HttpRequest) -> HttpResponse:
    """The organisation's released figures as CSV."""
    return _csv(_figures([_member(request).organisation]), hxl=False, name="haven-figures")


def organisation_hxl(request: HttpRequest) -> HttpResponse:
    """The organisation's released figures as HXL-tagged CSV."""
    return _csv(_figures([_member(request).organisation]), hxl=True, name="haven-figures")


@require_POST
def sharing(request: HttpRequest) -> HttpResponse:
    """A coordinator turns the public page and the network's count on or off."""
    sharing_set(
        actor=_member(request),
        public=request.POST.get("public") == "on",
        network=request.POST.get("network") == "on",
    )
    return redirect("reports:figures")


def _publisher(slug: str) -> Organisation:
    organisation = publishing_organisation(slug)
    if organisation is None:
        raise Http404
    return organisation


@requester_page
def public_figures(request: HttpRequest, slug: str) -> HttpResponse:
    """An organisation's released figures for funders, if it publishes them."""
    organisation = _publisher(slug)
    context = _context(_figures([organisation]))
    context.update(title=organisation.name, csv_url="reports:public-csv", slug=slug)
    return render(request, "reports/public.html", context)


@requester_page
def public_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """An organisation's public figures as CSV."""
    return _csv(_figures([_publisher(slug)]), hxl=False, name=f"{slug}-figures")


@requester_page
def public_hxl(request: HttpRequest, slug: str) -> HttpResponse:
    """An organisation's public figures as HXL-tagged CSV."""
    return _csv(_figures([_publisher(slug)]), hxl=True, name=f"{slug}-figures")


@requester_page
def network_figures(request: HttpRequest) -> HttpResponse:
    """The network's figures: the sum of the released figures of the organisations that count
    themselves in."""
    context = _context(_figures(network_organisations()))
    context.update(title=_("The network"), network=True)
    return render(request, "reports/public.html", context)


@requester_page
def network_csv(request: HttpRequest) -> HttpResponse:
    """The network's figures as CSV."""
    return _csv(_figures(network_organisations()), hxl=False, name="network-figures")


@requester_page
def network_hxl(request: HttpRequest) -> HttpResponse:
    """The network's figures as HXL-tagged CSV."""
    return _csv(_figures(network_organisations()), hxl=True, name="network-figures")
