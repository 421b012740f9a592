from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _

from haven.accounts.models import Role

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

HANDLE_HELP = _("A name for logging in: letters, digits, dots or hyphens. Not your real name.")


class LoginForm(forms.Form):
    handle = forms.CharField(label=_("Name"), max_length=40)
    passphrase = forms.CharField(
        label=_("Passphrase"), max_length=1024, strip=False, widget=forms.PasswordInput
    )


class LoginWithCodeForm(LoginForm):
    """The login form once strangers have spent a name's budget of wrong passphrases: the code
    from the member's app is asked for in the same step, so the answer never says whether the
    passphrase alone was right."""

    code = forms.RegexField(
        label=_("Code from your authenticator app"),
        regex=r"^\s*\d{3}\s*\d{3}\s*$",
        max_length=12,
        required=False,
        error_messages={"invalid": _("Type the six digits your app shows.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class JoinForm(forms.Form):
    code = forms.CharField(
        label=_("Invite code"),
        max_length=64,
        help_text=_("The code your coordinator gave you."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    handle = forms.SlugField(label=_("Name"), max_length=40, help_text=HANDLE_HELP)
    passphrase = forms.CharField(
        label=_("Passphrase"),
        max_length=1024,
        strip=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_(
            "At least 12 characters. It unlocks your key: if you forget it, two coordinators "
            "must recover your key."
        ),
    )
    passphrase_again = forms.CharField(
        label=_("Passphrase again"), max_length=1024, strip=False, widget=forms.PasswordInput
    )

    def clean(self) -> dict[str, object] | None:
        cleaned = super().clean()
        if self.cleaned_data.get("passphrase") != self.cleaned_data.get("passphrase_again"):
            raise ValidationError(_("The two passphrases differ; type them again."))
        return cleaned


class InviteForm(forms.Form):
    # The least role comes first and is the default: a coordinator's power is asked for, not
    # given by leaving a field alone.
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[
            (role, Role(role).label) for role in (Role.HOST, Role.COUNSELOR, Role.COORDINATOR)
        ],
        initial=Role.HOST,
    )
    reason = forms.CharField(
        label=_("Who is it, and how do you know them?"),
        max_length=500,
        required=False,
        help_text=_("The coordinator who approves the invite reads this (sealed)."),
    )


class TokenForm(forms.Form):
    label = forms.CharField(
        label=_("What is it for?"), max_length=60, help_text=_("For example: the chat bot.")
    )
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, initial=30)
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=12,
        help_text=_("A token works like your login, so it needs your second factor."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        most = settings.HAVEN_API_TOKEN_MAX_DAYS
        days = self.fields["days"]
        days.validators.append(MaxValueValidator(most))
        days.widget.attrs["max"] = str(most)
        days.initial = most


class CodeForm(forms.Form):
    code = forms.RegexField(
        label=_("Code from your authenticator app"),
        regex=r"^\s*\d{3}\s*\d{3}\s*$",
        max_length=12,
        error_messages={"invalid": _("Type the six digits your app shows.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class RulesForm(forms.Form):
    vouches_required = forms.IntegerField(
        label=_("Vouches an applicant needs"), min_value=0, max_value=20
    )
    voucher_min_days = forms.IntegerField(
        label=_("Days a member must have been vetted before their vouch counts"),
        min_value=0,
        max_value=3650,
    )
    reveals_per_hour = forms.IntegerField(
        label=_("Cases or identities one member may open in an hour"), min_value=1, max_value=1000
    )
    reason = forms.CharField(label=_("Why change them?"), max_length=500, min_length=8)


def _new_passphrase_field(label: "StrOrPromise", help_text: "StrOrPromise" = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=1024,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=help_text,
    )


class NewPassphraseForm(forms.Form):
    """A new passphrase typed twice, as a passphrase change and a recovery both ask for it."""

    passphrase = _new_passphrase_field(_("New passphrase"), _("At least 12 characters."))
    passphrase_again = _new_passphrase_field(_("New passphrase again"))

    def clean(self) -> dict[str, object] | None:
        cleaned = super().clean()
        if self.cleaned_data.get("passphrase") != self.cleaned_data.get("passphrase_again"):
            raise ValidationError(_("The two new passphrases differ; type them again."))
        return cleaned


class PassphraseChangeForm(NewPassphraseForm):
    field_order = ("current", "passphrase", "passphrase_again")

    current = forms.CharField(
        label=_("Current passphrase"),
        max_length=1024,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    passphrase = _new_passphrase_field(
        _("New passphrase"),
        _(
            "At least 12 characters. Every other browser and every API token of yours is "
            "logged out."
        ),
    )


class RecoveryAskForm(forms.Form):
    reason = forms.CharField(
        label=_("How did you confirm it is really them?"),
        max_length=500,
        min_length=8,
        help_text=_("The coordinator who approves reads this (sealed)."),
    )


class RecoveryForm(NewPassphraseForm):
    field_order = ("handle", "first_code", "second_code", "passphrase", "passphrase_again")

    handle = forms.CharField(label=_("Name"), max_length=40)
    first_code = forms.CharField(
        label=_("Code from the first coordinator"),
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    second_code = forms.CharField(
        label=_("Code from the second coordinator"),
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class RotationForm(forms.Form):
    reason = forms.CharField(
        label=_("Why replace the organisation's key?"),
        max_length=500,
        min_length=8,
        help_text=_("The coordinator who approves reads this (sealed)."),
    )


class SecurityKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Name of the key"),
        max_length=60,
        help_text=_("So you can tell your keys apart, for example: blue key. It is sealed."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    # The browser's answer from the key, filled in by the page's script.
    credential = forms.CharField(required=False, max_length=20_000, widget=forms.HiddenInput)


class SecurityKeyRemoveForm(forms.Form):
    confirmation = forms.CharField(
        label=_("Your passphrase, or the code from your authenticator app"),
        max_length=1024,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
