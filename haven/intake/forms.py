"""The request form: the same validation serves the web page and the JSON API."""

import copy
import re
from datetime import date, timedelta
from functools import cache
from hashlib import blake2b
from typing import Any, Self

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from haven.cases.models import GroupNeeds, MilitaryStatus, Need, Urgency
from haven.core.geography import LANGUAGE_NAMES, country_name
from haven.core.places import (
    COUNTRIES,
    UnknownPlace,
    load_places,
    name,
    place_by_id,
    places_in,
)
from haven.crypto import InvalidCodename
from haven.notifications.services import clean_address

SUBMISSION_KEY = re.compile(r"^[A-Za-z0-9_-]{16,128}$")
MAX_GROUP = 30
PING_MAX_LENGTH = 254


def other_place_id(country: str) -> str:
    """The choice for "somewhere else in this country"."""
    return f"{country.lower()}-other"


@cache
def _form_values() -> tuple[dict[str, str], dict[str, str]]:
    """How the form's place options are sent (id -> value) and read back (value -> id).

    A city whose name is unique in both languages is sent as its name, so its option needs no value
    attribute at all; the rest ("another place in ...", names used twice) as a short code, a digest
    of the id that stays the same while the id does. The 225 options stay light that way. The form
    also takes plain ids, as the API sends them.
    """
    others = [other_place_id(country) for country in COUNTRIES]
    ids = [place.id for place in load_places()] + others
    for length in range(4, 12):
        codes = {
            place_id: format(int.from_bytes(blake2b(place_id.encode()).digest()[:8]), "x")[:length]
            for place_id in ids
        }
        if len(set(codes.values())) == len(codes):
            break
    names: dict[str, set[str]] = {}
    for place in load_places():
        for label in (place.name_ru, place.name_en):
            names.setdefault(label, set()).add(place.id)
    sent = dict(codes)
    for place in load_places():
        if all(len(names[label]) == 1 for label in (place.name_ru, place.name_en)):
            sent[place.id] = "\n".join((place.name_ru, place.name_en))
    read: dict[str, str] = {}
    for place_id, value in sent.items():
        for part in value.split("\n"):
            read[part] = place_id
    read.update({code: place_id for place_id, code in codes.items()})
    return sent, read


def place_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Places grouped by country, named in the active language, for a select with optgroups."""
    return _place_choices(get_language() or "ru", compact=False)


def request_place_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The request form's place choices, each value as light as it can be (see _form_values)."""
    return _place_choices(get_language() or "ru", compact=True)


@cache
def _place_choices(language: str, *, compact: bool) -> list[tuple[str, list[tuple[str, str]]]]:
    sent, _read = _form_values()
    groups = []
    for country in COUNTRIES:
        options = []
        for place in places_in(country):
            label = name(place, language)
            value = sent[place.id] if compact else place.id
            options.append((label if "\n" in value else value, label))
        options.sort(key=lambda option: option[1])
        other = other_place_id(country)
        options.append((sent[other] if compact else other, str(_("Another place"))))
        groups.append((country_name(country), options))
    return groups


def _place_options() -> list[tuple[str, object]]:
    return [("", _("Choose…")), *request_place_choices()]


class CompactSelect(forms.Select):
    """A select of slug values written as tightly as HTML allows (unquoted values, no closing
    tags), so the request form's 225 places stay light on a slow, metered connection."""

    template_name = "intake/widgets/compact_select.html"


class PlaceSelect(CompactSelect):
    """The place select; whichever way the place was sent, the re-shown form selects it.

    Its options are always every place, in the active language, from a cached list as it is:
    through the usual `choices` Django would normalise all 225 again for every form.
    """

    @property
    def choices(self) -> list[tuple[str, object]]:
        return _place_options()

    @choices.setter
    def choices(self, value: object) -> None:
        """Ignored: the options are the places (see above)."""

    def format_value(self, value: object) -> list[str]:
        values = super().format_value(value)
        sent, read = _form_values()
        language = get_language() or "ru"
        shown = []
        for raw in values:
            place_id = read.get(raw, raw)
            option = sent.get(place_id, raw)
            if "\n" in option:
                try:
                    option = name(place_by_id(place_id), language)
                except UnknownPlace:
                    option = raw
            shown.append(option)
        return shown

    def render(
        self,
        name: str,
        value: object,
        attrs: dict[str, object] | None = None,
        renderer: object = None,
    ) -> SafeString:
        """The same markup as compact_select.html, written in Python: through Django's widget
        templates the 225 options cost about 3 ms on every view of the form."""
        chosen = set(self.format_value(value))
        parts = [f'<select name="{escape(name)}"{flatatt(self.build_attrs(self.attrs, attrs))}>']
        for group, options in self.choices:
            if not isinstance(options, list | tuple):
                options = [(group, options)]  # a choice outside any group: "Choose…"
            else:
                parts.append(f'\n<optgroup label="{escape(group)}">')
            for option, label in options:
                text = str(option)
                parts.append("<option")
                if text != label:
                    parts.append(f' value="{escape(text)}"')
                if text in chosen:
                    parts.append(" selected")
                parts.append(f">{escape(label)}")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308  # every value and label escaped above


class SharedChoicesField(forms.Field):
    """A field whose choices are the same for every form: each form's copy shares them.

    Django deep-copies every field of every form it builds, choices included, and normalises a
    choice widget's choices again on the way; for the request form that was a fifth of its cost.
    """

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        # Field.__deepcopy__, with the widget copied shallowly (its attributes still per form).
        result = copy.copy(self)
        memo[id(self)] = result
        result.widget = copy.copy(self.widget)
        result.widget.attrs = self.widget.attrs.copy()
        result.error_messages = self.error_messages.copy()
        result.validators = self.validators[:]
        return result


class FixedChoiceField(SharedChoicesField, forms.ChoiceField):
    """A ChoiceField whose choices never change."""


class FixedTypedChoiceField(SharedChoicesField, forms.TypedChoiceField):
    """A TypedChoiceField whose choices never change."""


class FixedMultipleChoiceField(SharedChoicesField, forms.MultipleChoiceField):
    """A MultipleChoiceField whose choices never change; a value sent twice counts once."""

    def to_python(self, value: object) -> list[str]:
        return list(dict.fromkeys(super().to_python(value)))


class PlaceField(SharedChoicesField, forms.ChoiceField):
    """A place, sent as the form's short code or as a place id."""

    def to_python(self, value: object) -> str:
        text = super().to_python(value)
        return _form_values()[1].get(text, text)

    def valid_value(self, value: str) -> bool:
        try:
            country_of(value)
        except UnknownPlace:
            return False
        return True


def country_of(place_id: str) -> str:
    """The country a place choice lies in; raise UnknownPlace if it is no choice."""
    for country in COUNTRIES:
        if place_id == other_place_id(country):
            return country
    return place_by_id(place_id).country


# What an unanswered optional question is taken to mean.
DEFAULT_GROUP_SIZE = 1
DEFAULT_URGENCY = Urgency.THREE


class RequestForm(forms.Form):
    """Everything a requester tells us. Coarse fields feed triage; the rest is sealed.

    Only the essentials are required (what is needed, where, how to reach the requester, which
    may be "only through Haven's messages"); they
    come first, so a frightened person on a small phone can send a request in two screens.
    Everything after them is optional, with the defaults above when left unanswered.
    """

    ESSENTIALS = ("needs", "place", "contact", "messages_only")

    needs = FixedMultipleChoiceField(
        label=_("What do you need?"),
        choices=Need.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one kind of help.")},
    )
    place = PlaceField(
        label=_("Where are you now?"),
        help_text=_("A city is enough. Do not give an address here."),
        choices=[],  # the widget offers the places; a sent one is checked by valid_value
        widget=PlaceSelect,
        error_messages={"required": _("Choose the place nearest to you.")},
    )
    contact = forms.CharField(
        label=_("How can we reach you?"),
        help_text=_(
            "A Telegram or Signal name, an e-mail address or a phone number: whatever is safe "
            "for you. It is encrypted before it is stored."
        ),
        max_length=200,
        required=False,
    )
    # Someone for whom any contact is a risk may leave it out and read the answers here, with
    # the codename; the desk shows which.
    messages_only = forms.BooleanField(
        label=_("Only through Haven's messages (no contact needed)"), required=False
    )
    group_size = forms.IntegerField(
        label=_("How many people, including you?"),
        min_value=1,
        max_value=MAX_GROUP,
        initial=1,
        required=False,
    )
    group_needs = FixedMultipleChoiceField(
        label=_("The place must allow for (optional)"),
        choices=GroupNeeds.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    languages = FixedMultipleChoiceField(
        label=_("Languages you speak"),
        choices=list(LANGUAGE_NAMES.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("If you choose none, the language of this page is taken."),
    )
    urgency = FixedTypedChoiceField(
        label=_("How urgent is it?"),
        choices=Urgency.choices,
        coerce=int,
        widget=forms.RadioSelect,
        required=False,
        empty_value=None,
        help_text=_("Left unanswered, it is taken as “within a week”."),
    )
    date_from = forms.DateField(
        label=_("From which day do you need help?"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        required=False,
        help_text=_("Left empty, it is today."),
    )
    date_until = forms.DateField(
        label=_("Until which day? (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    name = forms.CharField(
        label=_("What should we call you? (optional)"),
        help_text=_("Any name you like; it does not have to be your real one."),
        max_length=100,
        required=False,
    )
    military_status = FixedChoiceField(
        label=_("Your situation with the army (optional)"),
        choices=[("", _("Prefer not to say")), *MilitaryStatus.choices],
        required=False,
        widget=CompactSelect,
    )
    location_detail = forms.CharField(
        label=_("More about where you are (optional)"),
        help_text=_("For example, the border crossing you are waiting at. Encrypted."),
        max_length=300,
        required=False,
    )
    story = forms.CharField(
        label=_("Your situation in your own words (optional)"),
        help_text=_("Encrypted. Only a coordinator who states a reason can read it."),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "cols": False}),  # the style sheet sizes it
    )
    for_counselor = forms.CharField(
        label=_("Anything a counselor should know (optional)"),
        help_text=_("Health, children, documents you have or lack. Encrypted."),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": False}),
    )
    # Named short, and its length checked in clean_ping rather than sent as an attribute: the form
    # is near the weight a requester's page may have (tests/intake/test_weight.py).
    ping = forms.CharField(
        label=_("E-mail for a ping when there is an answer (optional)"),
        help_text=_("Only “There is an answer for you” is sent; no volunteer sees it."),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    submission = forms.CharField(widget=forms.HiddenInput(attrs={"id": False}), max_length=128)

    def essential_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.ESSENTIALS]

    def optional_fields(self) -> list[forms.BoundField]:
        return [field for field in self.visible_fields() if field.name not in self.ESSENTIALS]

    def optional_errors(self) -> bool:
        """Whether an optional answer needs fixing, so its section must be shown open."""
        return self.is_bound and any(field.errors for field in self.optional_fields())

    def clean_submission(self) -> str:
        value: str = self.cleaned_data["submission"]
        if not SUBMISSION_KEY.match(value):
            raise ValidationError(
                _("This form is damaged. Reload the page and fill it in again."), code="submission"
            )
        return value

    def clean_ping(self) -> str:
        value: str = (self.cleaned_data["ping"] or "").strip()
        if len(value) > PING_MAX_LENGTH:
            raise ValidationError(
                _("An e-mail address has at most %(count)d characters.")
                % {"count": PING_MAX_LENGTH},
                code="address",
            )
        return clean_address(value) if value else ""

    def clean_place(self) -> str:
        value: str = self.cleaned_data["place"]
        try:
            country_of(value)
        except UnknownPlace:
            raise ValidationError(_("Choose a place from the list."), code="place") from None
        return value

    def clean_group_size(self) -> int:
        value: int | None = self.cleaned_data["group_size"]
        return DEFAULT_GROUP_SIZE if value is None else value

    def clean_languages(self) -> list[str]:
        value: list[str] = self.cleaned_data["languages"]
        if value:
            return value
        page = (get_language() or "ru").split("-")[0]
        return [page if page in LANGUAGE_NAMES else "ru"]

    def clean_urgency(self) -> int:
        value: int | None = self.cleaned_data["urgency"]
        return DEFAULT_URGENCY if value is None else value

    def clean_date_from(self) -> date:
        value: date | None = self.cleaned_data["date_from"]
        today = timezone.localdate()
        if value is None:
            return today
        if value < today - timedelta(days=30):
            raise ValidationError(_("This day is more than a month ago; give today instead."))
        if value > today + timedelta(days=366):
            raise ValidationError(_("This day is more than a year ahead."))
        return value

    def clean(self) -> dict[str, object] | None:
        cleaned = super().clean()
        start, end = self.cleaned_data.get("date_from"), self.cleaned_data.get("date_until")
        if start and end and end < start:
            self.add_error("date_until", _("The last day cannot come before the first."))
        contact = (self.cleaned_data.get("contact") or "").strip()
        only_messages = self.cleaned_data.get("messages_only")
        if not contact and not only_messages and "contact" not in self.errors:
            self.add_error(
                "contact",
                _("Give one way to reach you, or choose “only through Haven's messages”."),
            )
        if contact and only_messages:
            self.add_error(
                "messages_only",
                _("You chose Haven's messages only: clear the contact, or untick this."),
            )
        return cleaned


class CodenameForm(forms.Form):
    """The requester's way back: their seven words."""

    codename = forms.CharField(
        label=_("Your codename"),
        help_text=_("The seven words you were given, in order."),
        max_length=200,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
        error_messages={"required": _("Type your seven words.")},
    )


def codename_error_message(error: InvalidCodename) -> str:
    """What to fix in a mistyped codename, in the requester's language."""
    if error.reason == "word-count":
        return gettext("A codename has seven words; you typed %(count)d.") % {"count": error.count}
    if error.reason == "mixed-lists":
        return gettext(
            "These words mix Russian and English codename words, but a codename has words of one "
            "language only. Check them against what you wrote down."
        )
    return gettext("“%(word)s” is not one of the codename words. Check its spelling.") % {
        "word": error.word
    }
