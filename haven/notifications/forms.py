from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from haven.notifications.models import Kind
from haven.notifications.services import EVERY_MINUTES_RANGE


class ChannelForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Tell me by"),
        choices=Kind.choices,
        initial=Kind.EMAIL,
        required=False,
        widget=forms.RadioSelect,
    )
    address = forms.CharField(
        label=_("E-mail address or Matrix id"),
        max_length=255,
        help_text=_(
            "Only counts are sent there (“2 new proposals”), never a name, place or story. "
            "An address used for nothing else is safest. A Matrix id looks like "
            "@name:example.org; Haven's bot writes to it in a direct chat."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    language = forms.ChoiceField(label=_("Language of the messages"), choices=settings.LANGUAGES)

    def clean_kind(self) -> str:
        # A form without the choice (an older page, a script) means e-mail, as before.
        return self.cleaned_data.get("kind") or Kind.EMAIL


class CadenceForm(forms.Form):
    every_minutes = forms.IntegerField(
        label=_("Tell each member at most every (minutes)"),
        min_value=EVERY_MINUTES_RANGE[0],
        max_value=EVERY_MINUTES_RANGE[1],
        help_text=_("Fewer messages say less about when work arrives."),
    )


class PingForm(forms.Form):
    """A requester's address for "there is an answer for you" pings (on their status page)."""

    address = forms.CharField(
        label=_("E-mail address for pings"),
        max_length=254,
        help_text=_(
            "Only “There is an answer for you” and where to log in are sent there: never your "
            "name, your codename or anything you wrote. No volunteer sees the address."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    language = forms.ChoiceField(label=_("Language of the pings"), choices=settings.LANGUAGES)
