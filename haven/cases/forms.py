from django import forms
from django.utils.translation import gettext_lazy as _

from haven.cases.models import Need, Status, Urgency
from haven.core.geography import country_name
from haven.core.places import COUNTRIES


class DeskFilterForm(forms.Form):
    """The desk's filters; every field optional."""

    country = forms.ChoiceField(label=_("Country"), required=False, choices=[])
    need = forms.ChoiceField(
        label=_("Need"), required=False, choices=[("", _("Any need")), *Need.choices]
    )
    urgency = forms.TypedChoiceField(
        label=_("Urgency"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Any urgency")), *Urgency.choices],
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *Status.choices]
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]  # forwarded unchanged to Form
        self.fields["country"].choices = [  # type: ignore[attr-defined]  # ChoiceField
            ("", _("Any country")),
            *sorted(((code, country_name(code)) for code in COUNTRIES), key=lambda c: c[1]),
        ]


class RevealForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you need to read this?"),
        help_text=_("Recorded in the audit log and shown to the other coordinators."),
        max_length=300,
        min_length=8,
        error_messages={
            "required": _("Say why you need to read this."),
            "min_length": _("Say a little more (at least %(limit_value)d characters)."),
        },
    )
