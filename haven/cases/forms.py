from django import forms
from django.utils.translation import gettext_lazy as _

from haven.cases.models import CloseReason, Need, RevealScope, Status, Urgency
from haven.cases.queries import reference_bounds
from haven.core.geography import country_name
from haven.core.places import COUNTRIES


class OwnIds(forms.Form):
    """A form whose fields' ids start with its own name, so that the case page, which holds
    several forms with a "text" or a "due_on", never gives two fields one id (a label would
    then lead into the wrong box)."""

    id_prefix = "form"

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]  # forwarded unchanged to Form


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
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    owner = forms.ChoiceField(
        label=_("Who has it"),
        required=False,
        choices=[("", _("Anyone or nobody")), ("mine", _("Mine")), ("unassigned", _("Nobody yet"))],
    )
    new_message = forms.BooleanField(label=_("New message from the requester"), required=False)
    reference = forms.CharField(
        label=_("Reference"),
        required=False,
        max_length=40,
        help_text=_("The first characters of the case's reference, as its page shows it."),
    )

    def clean_reference(self) -> str:
        value: str = self.cleaned_data["reference"].strip()
        if value and reference_bounds(value) is None:
            raise forms.ValidationError(
                _("A reference is at least 4 of the letters a–f and digits its case page shows.")
            )
        return value

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]  # forwarded unchanged to Form
        self.fields["country"].choices = [  # type: ignore[attr-defined]  # ChoiceField
            ("", _("Any country")),
            *sorted(((code, country_name(code)) for code in COUNTRIES), key=lambda c: c[1]),
        ]


class RevealForm(OwnIds):
    id_prefix = "reveal"

    # Nothing is chosen for the member: each reveal names what it is for.
    scope = forms.ChoiceField(
        label=_("What do you need to read?"),
        widget=forms.RadioSelect,
        choices=RevealScope.choices,
        error_messages={"required": _("Choose what you need to read.")},
    )
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


class TriageForm(OwnIds):
    """Take a new request on, or close it: a duplicate of another, spam, or out of scope."""

    id_prefix = "triage"

    decision = forms.ChoiceField(
        label=_("Triage"),
        widget=forms.RadioSelect,
        choices=[
            ("accept", _("Take it on")),
            ("duplicate", _("A duplicate of another request")),
            ("spam", _("Spam")),
            ("out_of_scope", _("Not something we help with")),
        ],
        error_messages={"required": _("Choose what to do with this request.")},
    )
    duplicate_of = forms.ChoiceField(label=_("The request it repeats"), required=False, choices=[])

    def __init__(self, *args: object, candidates: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["duplicate_of"].choices = [("", "—"), *candidates]  # type: ignore[attr-defined]  # ChoiceField

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("decision") == "duplicate" and not data.get("duplicate_of"):
            self.add_error("duplicate_of", _("Choose the request this one repeats."))
        return data


class MoveForm(OwnIds):
    """Move a case along its life cycle."""

    id_prefix = "move"

    status = forms.ChoiceField(label=_("Move to"), choices=[])
    close_reason = forms.ChoiceField(
        label=_("If closing, why"),
        required=False,
        choices=[
            (CloseReason.DONE, CloseReason.DONE.label),
            (CloseReason.NO_ANSWER, CloseReason.NO_ANSWER.label),
        ],
    )

    def __init__(self, *args: object, allowed: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [  # type: ignore[attr-defined]  # ChoiceField
            (status, Status(status).label) for status in allowed
        ]


class OwnerForm(OwnIds):
    """Give the case to someone who works on it: a coordinator, or a counselor it is shared
    with. Nobody is chosen in advance."""

    id_prefix = "owner"

    member = forms.ChoiceField(
        label=_("Hand over to"), error_messages={"required": _("Choose who takes the case.")}
    )

    def __init__(self, *args: object, people: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = [("", _("Choose…")), *people]  # type: ignore[attr-defined]  # ChoiceField


class ShareForm(OwnIds):
    id_prefix = "share"

    # Nobody is chosen in advance: sharing gives a counselor the case's key.
    member = forms.ChoiceField(
        label=_("Share with"),
        choices=[],
        error_messages={"required": _("Choose the counselor to share it with.")},
    )

    def __init__(self, *args: object, counselors: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = [("", _("Choose…")), *counselors]  # type: ignore[attr-defined]  # ChoiceField
        self.has_choices = bool(counselors)


class NoteForm(OwnIds):
    id_prefix = "note"

    text = forms.CharField(
        label=_("Note"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write the note first.")},
    )
    is_task = forms.BooleanField(label=_("This is a task"), required=False)
    due_on = forms.DateField(
        label=_("Due by"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Give the date as YYYY-MM-DD.")},
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("due_on") and not data.get("is_task"):
            data["is_task"] = True
        return data


class ChecklistForm(OwnIds):
    id_prefix = "checklist"

    checklist = forms.ChoiceField(label=_("Checklist"), choices=[])
    due_on = forms.DateField(
        label=_("Due by"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Give the date as YYYY-MM-DD.")},
    )

    def __init__(self, *args: object, checklists: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["checklist"].choices = checklists  # type: ignore[attr-defined]  # ChoiceField


class TaskForm(forms.Form):
    done = forms.BooleanField(required=False)
