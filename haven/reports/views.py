"""The coordinators' statistics: the organisation's requests by week and country, small counts
suppressed, as a page and as CSV (with an HXL hashtag row). Never row-level data."""

import csv

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from haven.accounts.models import Member
from haven.cases.models import Need
from haven.core.geography import country_name
from haven.reports.queries import MEASURES, release
from haven.reports.release import ROUNDING, THRESHOLD

HXL = {
    "requests": "#affected+requests",
    "people": "#affected+people",
    **{f"need_{need}": f"#affected+need+{need}" for need in Need.values},
}


def _headings() -> dict[str, str]:
    return {
        "requests": _("Requests"),
        "people": _("People"),
        **{f"need_{need}": str(label) for need, label in Need.choices},
    }


def organisation_figures(request: HttpRequest) -> HttpResponse:
    """The organisation's figures for the last twelve weeks that are over."""
    member: Member = request.user  # type: ignore[assignment]  # AuthorizationMiddleware checked
    figures = release(member.organisation)
    headings = _headings()
    return render(
        request,
        "reports/figures.html",
        {
            "release": figures,
            "headings": [headings[measure] for measure in MEASURES],
            "rows": [
                (row.week, country_name(row.country), [row.figures[m] for m in MEASURES])
                for row in figures.rows
            ],
            "totals": [figures.totals[measure] for measure in MEASURES],
            "threshold": THRESHOLD,
            "rounding": ROUNDING,
        },
    )


def organisation_csv(request: HttpRequest) -> HttpResponse:
    """The same figures as CSV: a heading row, an HXL hashtag row, then one row per week and
    country; suppressed figures are written as <10."""
    member: Member = request.user  # type: ignore[assignment]  # AuthorizationMiddleware checked
    figures = release(member.organisation)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="haven-figures.csv"'
    writer = csv.writer(response)
    writer.writerow(["week_start", "country", *MEASURES])
    writer.writerow(["#date+start", "#country+code", *(HXL[measure] for measure in MEASURES)])
    for row in figures.rows:
        writer.writerow(
            [row.week.isoformat(), row.country, *(str(row.figures[m]) for m in MEASURES)]
        )
    return response
