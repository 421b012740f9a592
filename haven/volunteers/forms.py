from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from haven.accounts.models import Role
from haven.core.geography import LANGUAGE_NAMES, country_name
from haven.core.places import COUNTRIES, UnknownPlace
from haven.intake.forms import country_of, place_choices
from haven.volunteers.models import Accepts, Mode, Offering

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PlaceField(forms.ChoiceField):
    """A city from the places list (or "another place in" a country)."""

    def validate(self, value: str) -> None:
        super().validate(value)
        try:
            country_of(value)
        except UnknownPlace:
            raise ValidationError(_("Choose a place from the list."), code="place") from None


def _languages() -> list[tuple[str, str]]:
    return [(code, str(label)) for code, label in LANGUAGE_NAMES.items()]


class _WithPlaces(forms.Form):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]  # forwarded unchanged to Form
        for field in self.fields.values():
            if isinstance(field, PlaceField):
                field.choices = [("", _("Choose…")), *place_choices()]
            elif isinstance(field, forms.MultipleChoiceField) and not field.choices:
                field.choices = _languages()


class ApplicationForm(_WithPlaces):
    offerings = forms.MultipleChoiceField(
        label=_("What can you offer?"),
        choices=Offering.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one way to help.")},
    )
    place = PlaceField(label=_("Where are you?"), choices=[])
    languages = forms.MultipleChoiceField(
        label=_("Languages you speak"),
        choices=[],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one language.")},
    )
    name = forms.CharField(label=_("Your name or the name people know you by"), max_length=100)
    contact = forms.CharField(
        label=_("How can a coordinator reach you?"),
        max_length=200,
        help_text=_("Telegram, Signal, e-mail or phone. Encrypted before it is stored."),
    )
    about = forms.CharField(
        label=_("A few words about you and what you can do"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class VouchForm(forms.Form):
    code = forms.CharField(
        label=_("The applicant's code"),
        max_length=20,
        help_text=_("The person you vouch for gives you this code themselves."),
    )
    how_known = forms.CharField(
        label=_("How do you know this person, and for how long?"),
        max_length=500,
        min_length=10,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ApproveForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.HOST)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Why?"), max_length=500, min_length=8)

    @staticmethod
    def unknown_code_message() -> str:
        return str(_("No open application has this code. Check it with the person who gave it."))


class ReportForm(forms.Form):
    handle = forms.CharField(label=_("The member's name in Haven"), max_length=40)
    text = forms.CharField(
        label=_("What happened?"),
        max_length=2000,
        min_length=10,
        help_text=_("Only coordinators read this. It is encrypted before it is stored."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    @staticmethod
    def unknown_member_message() -> str:
        return str(_("No member of your organisation has this name."))


class BedOfferForm(_WithPlaces):
    place = PlaceField(label=_("City"), choices=[])
    capacity = forms.IntegerField(label=_("Beds"), min_value=1, max_value=30)
    available_from = forms.DateField(label=_("Available from"), widget=DATE)
    available_until = forms.DateField(label=_("Available until"), widget=DATE)
    languages = forms.MultipleChoiceField(
        label=_("Languages spoken in the home"),
        choices=[],
        widget=forms.CheckboxSelectMultiple,
    )
    accepts = forms.MultipleChoiceField(
        label=_("Who you can take"),
        choices=Accepts.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    address = forms.CharField(
        label=_("Exact address"),
        max_length=300,
        help_text=_(
            "Encrypted. A guest receives it only after a coordinator confirms them and you accept."
        ),
    )
    contact = forms.CharField(label=_("How the guest reaches you"), max_length=200)
    rules = forms.CharField(
        label=_("House rules (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict[str, object] | None:
        cleaned = super().clean()
        start, end = (
            self.cleaned_data.get("available_from"),
            self.cleaned_data.get("available_until"),
        )
        if start and end:
            if end < start:
                self.add_error("available_until", _("The last day cannot come before the first."))
            if end > timezone.localdate() + timedelta(days=366):
                self.add_error("available_until", _("Offer at most a year ahead."))
        return cleaned


class CounselingOfferForm(_WithPlaces):
    topics = forms.MultipleChoiceField(
        label=_("Topics"),
        widget=forms.CheckboxSelectMultiple,
        choices=[
            (Offering.LEGAL, Offering.LEGAL.label),
            (Offering.PSYCHOLOGICAL, Offering.PSYCHOLOGICAL.label),
            (Offering.MEDICAL, Offering.MEDICAL.label),
        ],
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages"), choices=[], widget=forms.CheckboxSelectMultiple
    )
    countries = forms.MultipleChoiceField(
        label=_("Countries you know"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        choices=[],
    )
    weekly_capacity = forms.IntegerField(label=_("People a week"), min_value=1, max_value=100)
    mode = forms.ChoiceField(label=_("How"), choices=Mode.choices)
    place = forms.ChoiceField(label=_("City, if in person"), choices=[], required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["countries"].choices = [  # type: ignore[attr-defined]  # ChoiceField
            (code, country_name(code)) for code in COUNTRIES
        ]
        self.fields["place"].choices = [("", _("Remote only")), *place_choices()]  # type: ignore[attr-defined]  # ChoiceField

    def clean(self) -> dict[str, object] | None:
        cleaned = super().clean()
        if self.cleaned_data.get("mode") != Mode.REMOTE and not self.cleaned_data.get("place"):
            self.add_error("place", _("Choose the city where you meet people."))
        return cleaned


class TransportOfferForm(_WithPlaces):
    origin = PlaceField(label=pgettext_lazy("route", "From"), choices=[])
    destination = PlaceField(label=pgettext_lazy("route", "To"), choices=[])
    seats = forms.IntegerField(label=_("Free seats"), min_value=1, max_value=60)
    day = forms.DateField(label=_("Day"), widget=DATE)
