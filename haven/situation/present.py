"""The board's sentences: how sure it is, in words, and the small chart of reports per hour."""

from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from haven.situation.labels import INCIDENTS, OUTCOMES, QUEUES
from haven.situation.queries import CrossingState
from haven.situation.scoring import Assessment, Kind, Level


@dataclass(frozen=True)
class Shown:
    """One crossing and direction as the board writes it."""

    state: CrossingState
    headline: str
    evidence: str
    queue: str
    incidents: str
    burst: bool
    chart: SafeString


def headline(assessment: Assessment) -> str:
    """The state in one line; only likely or confirmed states are stated as fact."""
    if assessment.outcome is None or assessment.level == Level.NONE:
        return _("No recent reports.")
    outcome = str(OUTCOMES[assessment.outcome])
    if assessment.level == Level.CONFIRMED:
        return _("%(outcome)s — confirmed by a volunteer.") % {"outcome": outcome}
    if assessment.level == Level.LIKELY:
        return _("%(outcome)s — likely: reports agree.") % {"outcome": outcome}
    if assessment.level == Level.DISPUTED:
        return _("Reports disagree; most say: %(outcome)s. Not confirmed.") % {"outcome": outcome}
    return _("Unconfirmed: a report says “%(outcome)s”. Not confirmed by anyone.") % {
        "outcome": outcome
    }


def evidence(assessment: Assessment) -> str:
    """How many reports, how recent, from whom: "3 reports in the last 6 hours, one from a
    volunteer"."""
    if assessment.reports == 0:
        return ""
    count = ngettext("%(count)d report", "%(count)d reports", assessment.reports) % {
        "count": assessment.reports
    }
    if assessment.hours <= 1:
        when = _("in the last hour")
    else:
        when = ngettext(
            "in the last %(hours)d hour", "in the last %(hours)d hours", assessment.hours
        ) % {"hours": assessment.hours}
    volunteers = assessment.by_kind.get(Kind.VOLUNTEER, 0)
    requesters = assessment.by_kind.get(Kind.REQUESTER, 0)
    anonymous = assessment.by_kind.get(Kind.ANONYMOUS, 0)
    if anonymous == assessment.reports:
        who = [_("all anonymous") if anonymous > 1 else _("anonymous")]
    else:
        who = []
        if volunteers:
            who.append(
                ngettext("%(count)d from a volunteer", "%(count)d from volunteers", volunteers)
                % {"count": volunteers}
            )
        if requesters:
            who.append(
                ngettext(
                    "%(count)d from a person we help", "%(count)d from people we help", requesters
                )
                % {"count": requesters}
            )
        if anonymous:
            who.append(
                ngettext("%(count)d anonymous", "%(count)d anonymous", anonymous)
                % {"count": anonymous}
            )
    return f"{count} {when}, {', '.join(who)}."


def chart(hourly: tuple[int, ...]) -> SafeString:
    """Reports per hour over the window as a tiny inline SVG of bars, oldest on the left."""
    if not any(hourly):
        return SafeString("")
    top = max(hourly)
    bars = format_html_join(
        "",
        '<rect x="{}" y="{}" width="6" height="{}"/>',
        (
            (index * 8, 20 - height, height)
            for index, count in enumerate(hourly)
            if (height := max(1, round(18 * count / top)) if count else 0)
        ),
    )
    label = _("Reports per hour over the last %(hours)d hours") % {"hours": len(hourly)}
    return format_html(
        '<svg class="hourly" role="img" aria-label="{}" viewBox="0 0 {} 20" width="{}" '
        'height="20"><title>{}</title>{}</svg>',
        label,
        len(hourly) * 8,
        len(hourly) * 8,
        label,
        bars,
    )


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def shown(state: CrossingState) -> Shown:
    """A crossing's state, written out."""
    assessment = state.assessment
    queue = ""
    if assessment.queue is not None:
        queue_label = _lower_first(str(QUEUES[assessment.queue]))
        queue = (
            _("Queue: %(queue)s.") % {"queue": queue_label}
            if assessment.is_fact
            else _("Queue, as reported: %(queue)s.") % {"queue": queue_label}
        )
    incidents = ""
    if assessment.incidents:
        incidents = _("Also reported: %(incidents)s.") % {
            "incidents": ", ".join(str(INCIDENTS[item]).lower() for item in assessment.incidents)
        }
    return Shown(
        state=state,
        headline=headline(assessment),
        evidence=evidence(assessment),
        queue=queue,
        incidents=incidents,
        burst=assessment.burst,
        chart=chart(state.hourly),
    )
