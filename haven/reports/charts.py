"""The figures' chart: requests per week as a small server-drawn SVG of bars, no script."""

from datetime import date

from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from haven.reports.release import Figure

BAR = 24
GAP = 6
HEIGHT = 110
TOP = 14


def weekly_bars(per_week: list[tuple[date, Figure]]) -> SafeString:
    """Figures per week as bars, oldest on the left, each with its figure above it; a suppressed
    week is a flat line marked <10, never a height that would tell its count."""
    if not per_week:
        return SafeString("")
    top = max((figure.value or 0 for _week, figure in per_week), default=0) or 1
    bars = []
    for index, (week, figure) in enumerate(per_week):
        x = index * (BAR + GAP)
        height = 1 if figure.value is None else max(2, round((HEIGHT - TOP) * figure.value / top))
        bars.append(
            (
                *(x, HEIGHT - height, BAR, height),
                *(x + BAR // 2, HEIGHT - height - 3, str(figure)),
                *(x + BAR // 2, HEIGHT + 13, date_format(week, "j.m")),
            )
        )
    body = format_html_join(
        "",
        '<rect x="{}" y="{}" width="{}" height="{}"/><text x="{}" y="{}">{}</text>'
        '<text x="{}" y="{}">{}</text>',
        bars,
    )
    label = (
        _("Requests per week")
        + ": "
        + "; ".join(f"{date_format(week, 'j E')} — {figure}" for week, figure in per_week)
    )
    return format_html(
        '<svg class="weekly" role="img" aria-label="{}" viewBox="-8 0 {} {}">{}</svg>',
        label,
        len(per_week) * (BAR + GAP) - GAP + 16,
        HEIGHT + 18,
        body,
    )
