from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from haven.notifications.services import EVERY_MINUTES_RANGE


class ChannelForm(forms.Form):
    address = forms.CharField(
        label=_("E-mail address"),
        max_length=254,
        help_text=_(
            "Only counts are sent there (“2 new proposals”), never a name, place or story. "
            "An address used for nothing else is safest."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    language = forms.ChoiceField(label=_("Language of the messages"), choices=settings.LANGUAGES)


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
