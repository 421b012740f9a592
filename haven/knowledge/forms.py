"""The screener's questions, and the coordinators' form for editing one country fact."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from haven.core.geography import COUNTRY_NAMES
from haven.knowledge import present
from haven.knowledge.facts import (
    ANY_STATUS,
    BorderState,
    Constraint,
    Document,
    Outlook,
    RiskLevel,
    Source,
    Status,
    Text,
    Visa,
)
from haven.knowledge.models import Fact
from haven.knowledge.screening import Answers

# --- the screener -------------------------------------------------------------------------------

HELD_DOCUMENTS = [document for document in Document if document is not Document.NONE]


class ScreenerForm(forms.Form):
    """What the screener asks. ``plain`` words it for the requester, who answers for themselves."""

    status = forms.ChoiceField(
        label=gettext_lazy("The person's situation with the army"),
        choices=list(present.STATUS_LABELS.items()),
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose the situation with the army.")},
    )
    documents = forms.MultipleChoiceField(
        label=gettext_lazy("Documents the person holds"),
        choices=[(d.value, present.DOCUMENT_LABELS[d]) for d in HELD_DOCUMENTS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    current_country = forms.ChoiceField(
        label=gettext_lazy("Where the person is now"),
        choices=[],
        error_messages={"required": gettext_lazy("Choose where the person is now.")},
    )
    constraints = forms.MultipleChoiceField(
        label=gettext_lazy("What narrows the options"),
        choices=list(present.CONSTRAINT_LABELS.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(
        self, *args: Any, countries: Sequence[tuple[str, str]], plain: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        known = {"RU", *(code for code, _name in countries)}
        others = sorted(
            ((code, str(name)) for code, name in COUNTRY_NAMES.items() if code not in known),
            key=lambda choice: choice[1],
        )
        choice: Any = self.fields["current_country"]
        choice.choices = [("RU", _("Still in Russia")), *countries, *others]
        if plain:
            self.fields["status"].label = _("Where do you stand with the army?")
            status: Any = self.fields["status"]
            status.choices = list(present.STATUS_PLAIN.items())
            self.fields["documents"].label = _("Which documents do you have with you?")
            self.fields["documents"].help_text = _("Leave all unticked if you have none.")
            self.fields["current_country"].label = _("Where are you now?")
            self.fields["constraints"].label = _("Anything else that matters?")
            self.fields["status"].error_messages["required"] = _(
                "Choose where you stand with the army."
            )
            self.fields["current_country"].error_messages["required"] = _(
                "Choose where you are now."
            )

    def answers(self) -> Answers:
        """The cleaned answers, as the screener takes them."""
        data = self.cleaned_data
        return Answers(
            status=Status(data["status"]),
            documents=frozenset(Document(d) for d in data["documents"]),
            current_country=data["current_country"],
            constraints=frozenset(Constraint(c) for c in data["constraints"]),
        )


# --- editing a fact -----------------------------------------------------------------------------

_LINE_DATE = re.compile(r"~?\d{4}(-\d{2}(-\d{2})?)?")
YES_NO_UNKNOWN = [
    ("yes", gettext_lazy("Yes")),
    ("no", gettext_lazy("No")),
    ("unknown", gettext_lazy("Not confirmed")),
]
NOT_RECORDED = ("", gettext_lazy("Nothing recorded"))


def sources_text(sources: Sequence[Source]) -> str:
    """Sources as the form shows them: one per line, address | title | date."""
    lines = []
    for source in sources:
        parts = [source.url, source.title]
        if source.date:
            parts.append(("~" if source.approximate else "") + source.date)
        lines.append(" | ".join(parts))
    return "\n".join(lines)


def parse_sources(text: str) -> tuple[Source, ...]:
    """Read the sources field; raise ValidationError naming each line that cannot be read."""
    sources, errors = [], []
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for number, line in enumerate(lines, start=1):
        parts = [part.strip() for part in line.split("|")]
        if len(parts) not in (2, 3):
            errors.append(
                _("Source %(number)d: write it as address | title | date.") % {"number": number}
            )
            continue
        date = parts[2] if len(parts) == 3 and parts[2] else None
        if date is not None and not _LINE_DATE.fullmatch(date):
            errors.append(
                _("Source %(number)d: “%(date)s” is not a date; write YYYY, YYYY-MM or YYYY-MM-DD.")
                % {"number": number, "date": date}
            )
            continue
        approximate = date is not None and date.startswith("~")
        sources.append(
            Source(
                url=parts[0],
                title=parts[1],
                date=date.lstrip("~") if date else None,
                approximate=approximate,
            )
        )
    if errors:
        raise ValidationError(errors)
    return tuple(sources)


def _choices(labels: dict[str, Any]) -> list[tuple[str, Any]]:
    return list(labels.items())


class FactForm(forms.Form):
    """One country fact: its text in both languages, its sources, and the structured values the
    screener reads (which ones depends on the field)."""

    value_en = forms.CharField(
        label=gettext_lazy("Text in English"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=4000,
    )
    value_ru = forms.CharField(
        label=gettext_lazy("Text in Russian"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=4000,
    )
    sources = forms.CharField(
        label=gettext_lazy("Sources"),
        help_text=gettext_lazy(
            "One per line: address | title | date (YYYY, YYYY-MM or YYYY-MM-DD, as precise as the "
            "source gives it; put ~ before an approximate date)."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=8000,
    )
    known = forms.BooleanField(
        label=gettext_lazy("The sources state this (untick when they say nothing on it)"),
        required=False,
    )
    uncertain = forms.BooleanField(
        label=gettext_lazy("Uncertain: check it against the primary text before relying on it"),
        required=False,
    )
    checked = forms.BooleanField(
        label=gettext_lazy(
            "I read this fact in its sources today (it counts as verified, by you, as of today)"
        ),
        required=False,
    )
    note = forms.CharField(
        label=gettext_lazy("What changed, and why (optional)"),
        help_text=gettext_lazy("Seen only by members of your organisation."),
        required=False,
        max_length=300,
    )

    def __init__(self, *args: Any, field: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.field_name = field
        details = _detail_fields(field)
        self.fields.update(details)
        self.order_fields(
            ["value_en", "value_ru", "sources", *details, "known", "uncertain", "checked"]
        )

    def checked_against(self) -> list[str]:
        """Every source of the edited fact, when the editor says they read it in them today."""
        if not self.cleaned_data.get("checked"):
            return []
        return [source.url for source in self.cleaned_data["sources"]]

    def clean_sources(self) -> tuple[Source, ...]:
        return parse_sources(self.cleaned_data["sources"])

    def value(self) -> Text:
        return Text(en=self.cleaned_data["value_en"], ru=self.cleaned_data["value_ru"])

    def details(self) -> dict[str, Any]:
        """The structured values, shaped as Fact.details (and countries.json) keep them."""
        data = self.cleaned_data
        name = self.field_name
        if name == "entry_documents":
            ok = {"yes": True, "no": False}.get(data["internal_passport_ok"])
            return {"internal_passport_ok": ok, "exceptional_entry": data["exceptional_entry"]}
        if name == "visa_free_days":
            return {"days": data["days"], "visa": data["visa"]}
        if name == "border_status":
            return {"state": data["state"]}
        if name == "asylum_practice":
            outlook = {
                status.value: data[f"outlook_{status.value}"]
                for status in Status
                if data[f"outlook_{status.value}"]
            }
            if data["outlook_any"]:
                outlook[ANY_STATUS] = data["outlook_any"]
            return {"outlook": outlook}
        if name == "return_risk":
            return {"level": data["level"], "affects": data["affects"]}
        if name.startswith("danger_"):
            return {"level": data["level"]}
        return {"shelter": data["shelter"]}

    def add_service_errors(self, error: ValidationError) -> None:
        """Put each of the service's errors beside its field (the rest above the form)."""
        for key, messages in error.message_dict.items():
            self.add_error(key if key in self.fields else None, messages)


def fact_initial(fact: Fact) -> dict[str, Any]:
    """The form's initial values: the fact as it stands."""
    return {
        "value_en": fact.value_en,
        "value_ru": fact.value_ru,
        "sources": sources_text(fact.source_list),
        "known": fact.known,
        "uncertain": fact.uncertain,
        **_details_initial(fact.field, fact.details),
    }


def _details_initial(field: str, details: dict[str, Any]) -> dict[str, Any]:
    if field == "entry_documents":
        ok = details.get("internal_passport_ok")
        return {
            "internal_passport_ok": "yes" if ok is True else "no" if ok is False else "unknown",
            "exceptional_entry": details.get("exceptional_entry", []),
        }
    if field == "asylum_practice":
        outlook = details.get("outlook", {})
        initial = {f"outlook_{s.value}": outlook.get(s.value, "") for s in Status}
        initial["outlook_any"] = outlook.get(ANY_STATUS, "")
        return initial
    return dict(details)


def _detail_fields(field: str) -> dict[str, forms.Field]:
    statuses = _choices(present.STATUS_LABELS)
    if field == "entry_documents":
        return {
            "internal_passport_ok": forms.ChoiceField(
                label=_("Internal passport accepted"), choices=YES_NO_UNKNOWN
            ),
            "exceptional_entry": forms.MultipleChoiceField(
                label=_("Once let in without the usual documents"),
                choices=statuses,
                widget=forms.CheckboxSelectMultiple,
                required=False,
            ),
        }
    if field == "visa_free_days":
        return {
            "days": forms.IntegerField(
                label=_("Days without a visa"),
                help_text=_("Leave empty when it is not known."),
                required=False,
            ),
            "visa": forms.ChoiceField(
                label=_("Visa"), choices=[(v.value, present.VISA_LABELS[v]) for v in Visa]
            ),
        }
    if field == "border_status":
        return {
            "state": forms.ChoiceField(
                label=_("Border"),
                choices=[(b.value, present.BORDER_LABELS[b]) for b in BorderState],
            )
        }
    if field == "asylum_practice":
        outlooks = [NOT_RECORDED, *((o.value, present.OUTLOOK_LABELS[o]) for o in Outlook)]
        fields: dict[str, forms.Field] = {
            f"outlook_{status.value}": forms.ChoiceField(
                label=_("Outlook for: %(status)s") % {"status": present.STATUS_LABELS[status]},
                choices=outlooks,
                required=False,
            )
            for status in Status
        }
        fields["outlook_any"] = forms.ChoiceField(
            label=_("Outlook for anyone not listed above"), choices=outlooks, required=False
        )
        return fields
    if field == "return_risk":
        return {
            "level": forms.ChoiceField(
                label=_("Level"), choices=[(r.value, present.RISK_LABELS[r]) for r in RiskLevel]
            ),
            "affects": forms.MultipleChoiceField(
                label=_("Whom the documented cases concern"),
                choices=statuses,
                widget=forms.CheckboxSelectMultiple,
                required=False,
            ),
        }
    if field.startswith("danger_"):
        return {
            "level": forms.ChoiceField(
                label=_("Level"), choices=[(r.value, present.RISK_LABELS[r]) for r in RiskLevel]
            )
        }
    return {
        "shelter": forms.BooleanField(label=_("A named group offers beds there"), required=False)
    }


class VerifyForm(forms.Form):
    """A knowledge editor's check: the fact still says what these of its sources say."""

    against = forms.MultipleChoiceField(
        label=gettext_lazy("The sources you read it in again"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Tick the sources you read the fact in again.")},
    )
    note = forms.CharField(
        label=gettext_lazy("Note (optional)"),
        help_text=gettext_lazy("Seen only by members of your organisation."),
        required=False,
        max_length=300,
    )

    def __init__(self, *args: Any, fact: Fact, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        against: Any = self.fields["against"]
        against.choices = [(s.url, s.title) for s in fact.source_list]
        if not fact.source_list:
            # Nothing was found before: the check is that a search today still finds nothing.
            against.required = False
            against.label = _("No source says anything on this yet")
            against.help_text = _("Verify when you searched today and still found none.")
