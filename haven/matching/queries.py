"""What the desk reads of matching: the newest surge signal and why its plan leaves people out."""

from django.utils.translation import gettext_lazy as _

from haven.matching.engine import Reason
from haven.matching.models import MatchRun

REASON_LABELS = {
    Reason.NO_BED_IN_RANGE.name.lower(): _("no free bed within reach"),
    Reason.GROUP_TOO_LARGE.name.lower(): _("no offer takes a group this large"),
    Reason.CONSTRAINTS.name.lower(): _("no bed allows for the group's needs"),
    # The circumstance that shuts every bed in reach, when one alone does (services.propose).
    "women_only": _("no women-only bed"),
    "children": _("no bed that takes children"),
    "pets": _("no bed that takes pets"),
    "step_free": _("no step-free bed"),
    Reason.LANGUAGE.name.lower(): _("no host speaks their language"),
    Reason.DATES.name.lower(): _("no bed free on their dates"),
    Reason.BEDS_TAKEN.name.lower(): _("the beds that fit went to more urgent groups"),
    Reason.NOT_A_BED_REQUEST.name.lower(): _("does not ask for a bed"),
}


def unplaced_by_reason(counts: dict[str, int]) -> list[tuple[str, int]]:
    """Urgent people left unplaced, per reason in words, most first (ties in a fixed order)."""
    order = list(REASON_LABELS)
    ranked = sorted(
        ((reason, people) for reason, people in counts.items() if people),
        key=lambda item: (-item[1], order.index(item[0]) if item[0] in order else len(order)),
    )
    return [(str(REASON_LABELS.get(reason, reason)), people) for reason, people in ranked]


def latest_run(organisation_id: int) -> MatchRun | None:
    """The newest scheduled optimiser run over the organisation's network."""
    return MatchRun.objects.filter(organisation_id=organisation_id).order_by("-ran_at").first()
