from django import forms
from django.utils.translation import gettext_lazy as _

from haven.cases.models import Need
from haven.core.geography import country_name
from haven.core.places import COUNTRIES
from haven.crypto.signing import normalise_fingerprint
from haven.messaging.services import MAX_TEXT
from haven.referrals.models import FIELD_LABELS

MAX_DOCUMENT_BYTES = 8 * 1024 * 1024


def _countries() -> list[tuple[str, str]]:
    return sorted(((code, country_name(code)) for code in COUNTRIES), key=lambda pair: pair[1])


class OffersForm(forms.Form):
    needs = forms.MultipleChoiceField(
        label=_("What they offer"),
        choices=Need.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    countries = forms.MultipleChoiceField(
        label=_("Countries they work in"), choices=[], required=False
    )
    languages = forms.CharField(
        label=_("Languages (codes, comma-separated)"), max_length=60, required=False
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]  # forwarded unchanged
        self.fields["countries"].choices = _countries()  # type: ignore[attr-defined]

    def clean_languages(self) -> list[str]:
        codes = [code.strip().lower() for code in self.cleaned_data["languages"].split(",")]
        codes = [code for code in codes if code]
        if any(not code.isalpha() or len(code) > 3 for code in codes):
            raise forms.ValidationError(_("Write language codes such as ru, en, kk."))
        return codes


class LocalPartnerForm(OffersForm):
    organisation = forms.ChoiceField(label=_("Organisation on this install"), choices=[])

    def __init__(self, *args: object, candidates: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = candidates  # type: ignore[attr-defined]


class RemotePartnerForm(OffersForm):
    name = forms.CharField(label=_("Name"), max_length=120)
    address = forms.CharField(
        label=_("Address of their install"), max_length=200, help_text="https://haven.example.org"
    )
    keys = forms.CharField(
        label=_("Their public keys"),
        max_length=200,
        help_text=_("The line their Partners page shows under “Our keys”."),
    )
    fingerprint = forms.CharField(
        label=_("Fingerprint, as they read it to you"),
        max_length=60,
        help_text=_(
            "Compare it over a call or in person, never only by the channel the keys came."
        ),
    )

    def clean_fingerprint(self) -> str:
        printed = normalise_fingerprint(self.cleaned_data["fingerprint"])
        if not printed:
            raise forms.ValidationError(_("A fingerprint is six groups of five digits."))
        return printed


class AcceptKeyForm(forms.Form):
    fingerprint = forms.CharField(label=_("New fingerprint, as they read it to you"), max_length=60)


class ProposeForm(forms.Form):
    partner = forms.ChoiceField(label=_("Refer to"), choices=[])
    chosen = forms.MultipleChoiceField(
        label=_("Sealed fields that go along"),
        choices=list(FIELD_LABELS.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    with_thread = forms.BooleanField(label=_("The messages so far"), required=False)
    with_documents = forms.BooleanField(label=_("Photos of documents"), required=False)
    document = forms.FileField(label=_("Another document"), required=False)
    reason = forms.CharField(
        label=_("Why refer them (the partner reads this)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )
    emergency = forms.CharField(
        label=_("Emergency: send before the requester answers, because…"),
        help_text=_(
            "Leave empty to wait for the requester. A reason here is audited and shown to them."
        ),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
        required=False,
    )

    def __init__(self, *args: object, partners: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]  # forwarded unchanged
        self.fields["partner"].choices = partners  # type: ignore[attr-defined]

    def clean_document(self) -> bytes | None:
        upload = self.cleaned_data.get("document")
        if not upload:
            return None
        if upload.size > MAX_DOCUMENT_BYTES:
            raise forms.ValidationError(
                _("The document is too large: send one of at most %(mb)d MB.")
                % {"mb": MAX_DOCUMENT_BYTES // (1024 * 1024)}
            )
        return bytes(upload.read())


class AnswerForm(forms.Form):
    note = forms.CharField(
        label=_("A note to the requester (sealed to them)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
    )


class ConsentForm(forms.Form):
    answer = forms.ChoiceField(choices=[("accept", "accept"), ("refuse", "refuse")])


class PartnerReplyForm(forms.Form):
    """The requester writes to the organisation their request was passed to (on this install)."""

    text = forms.CharField(
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write the message first.")},
    )
