"""The crossing report form (the same for everyone, with a note for volunteers) and the review."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from haven.core.geography import country_name
from haven.situation.crossings import country_pairs
from haven.situation.labels import INCIDENTS, OUTCOMES, QUEUES
from haven.situation.models import Direction
from haven.situation.scoring import Incident, Outcome, Queue, Review
from haven.situation.services import HOURS_BACK, NOTE_MAX, Sighting


def crossing_choices() -> list[tuple[str, object]]:
    """Crossings grouped by country pair, named in the active language."""
    groups: list[tuple[str, object]] = [("", _("Choose…"))]
    for (origin, destination), crossings in country_pairs():
        label = f"{country_name(origin)} → {country_name(destination)}"
        groups.append((label, [(crossing.slug, crossing.name()) for crossing in crossings]))
    return groups


def hour_choices() -> list[tuple[int, str]]:
    """When it happened, in whole hours back from now."""
    choices = [(0, str(_("This hour")))]
    choices += [
        (hours, ngettext("%(hours)d hour ago", "%(hours)d hours ago", hours) % {"hours": hours})
        for hours in range(1, HOURS_BACK + 1)
    ]
    return choices


class ReportForm(forms.Form):
    crossing = forms.ChoiceField(
        label=_("Crossing point"),
        error_messages={"required": _("Choose the crossing point.")},
    )
    direction = forms.ChoiceField(
        label=_("Direction"),
        choices=Direction.choices,
        initial=Direction.LEAVING,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the direction.")},
    )
    outcome = forms.ChoiceField(
        label=_("What happened in the end"),
        choices=[(key.value, label) for key, label in OUTCOMES.items()],
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether people passed, were turned back or detained.")},
    )
    incidents = forms.MultipleChoiceField(
        label=_("Also (tick all that happened)"),
        choices=[(key.value, label) for key, label in INCIDENTS.items()],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    queue = forms.ChoiceField(
        label=_("Time in the queue"),
        choices=[(key.value, label) for key, label in QUEUES.items()],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how long the queue took.")},
    )
    hours_ago = forms.TypedChoiceField(
        label=_("When"),
        coerce=int,
        initial=0,
        help_text=_("Rounded to the hour, so that no one can be picked out by the time."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["crossing"].choices = crossing_choices()  # type: ignore[attr-defined]  # ChoiceField
        self.fields["hours_ago"].choices = hour_choices()  # type: ignore[attr-defined]  # ChoiceField

    def sighting(self) -> Sighting:
        """The valid form as a sighting."""
        data = self.cleaned_data
        return Sighting(
            crossing=data["crossing"],
            direction=Direction(data["direction"]),
            queue=Queue(data["queue"]),
            outcome=Outcome(data["outcome"]),
            incidents=frozenset(Incident(value) for value in data["incidents"]),
            hours_ago=data["hours_ago"],
        )


class VolunteerReportForm(ReportForm):
    note = forms.CharField(
        label=_("Note for the team (sealed)"),
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only members of your organisation can read it."),
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[(Review.CONFIRMED.value, _("Confirm")), (Review.DISMISSED.value, _("Dismiss"))]
    )
