from django import forms
from django.utils.translation import gettext_lazy as _

from haven.cases.forms import OwnIds
from haven.messaging.services import MAX_TEXT


class StaffMessageForm(OwnIds):
    id_prefix = "message"

    text = forms.CharField(
        label=_("Message to the requester"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write the message first.")},
    )
    wait_for_answer = forms.BooleanField(
        label=_("Wait for their answer (the case shows as waiting for the requester)"),
        required=False,
    )


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Your message"),
        max_length=MAX_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    photo = forms.FileField(
        label=_("A photo of a document (optional)"),
        required=False,
        help_text=_(
            "At most 8 MB. We keep only the picture: the date, place and camera stored in the "
            "file are removed."
        ),
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not (data.get("text") or "").strip() and not data.get("photo"):
            raise forms.ValidationError(_("Write a message or choose a photo."))
        return data


class ForgetForm(forms.Form):
    codename = forms.CharField(
        label=_("Type your codename again to confirm"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
        error_messages={"required": _("Type your codename to confirm.")},
    )
