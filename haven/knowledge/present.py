"""How the knowledge base's codes read on a page, in the reader's language.

The content's own words (facts, grounds, checklists) come from the data in English and Russian;
the names of fields, statuses and verdicts are the interface's, so they go through gettext.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from haven.knowledge.age import Age, Grade
from haven.knowledge.facts import (
    ANY_STATUS,
    BorderState,
    Constraint,
    Content,
    Document,
    GroundKind,
    ItemKind,
    Outlook,
    RiskLevel,
    Source,
    Status,
    Visa,
)
from haven.knowledge.models import Fact
from haven.knowledge.queries import age_of
from haven.knowledge.screening import Line, Verdict

FIELD_LABELS: dict[str, Promise] = {
    "entry_documents": gettext_lazy("Entry: who gets in, with which document"),
    "visa_free_days": gettext_lazy("Stay without a visa"),
    "border_status": gettext_lazy("Border"),
    "asylum_practice": gettext_lazy("Asylum for objectors and deserters"),
    "return_risk": gettext_lazy("Risk of return and extradition"),
    "help_groups": gettext_lazy("Groups that help there"),
    "danger_deserter": gettext_lazy("Danger for deserters"),
    "danger_mobilised": gettext_lazy("Danger for the mobilised"),
    "danger_called_up": gettext_lazy("Danger for those called up"),
    "danger_evader": gettext_lazy("Danger for men without a call-up paper"),
    "danger_objector": gettext_lazy("Danger for conscientious objectors"),
    "danger_activist": gettext_lazy("Danger for activists and journalists"),
}
# "Can you be handed back?" per level, as a requester reads it.
DANGER_WORDS: dict[str, Promise] = {
    RiskLevel.HIGH: gettext_lazy("High danger: people like you have been handed back or expelled"),
    RiskLevel.MEDIUM: gettext_lazy("Real danger: there are cases, or the rules give no protection"),
    RiskLevel.LOW: gettext_lazy("Lower danger: no handover found, yet nothing is guaranteed"),
    RiskLevel.UNKNOWN: gettext_lazy("Not known: no case found, which is not a sign of safety"),
}
DANGER_SHORT: dict[str, Promise] = {
    RiskLevel.HIGH: gettext_lazy("High danger"),
    RiskLevel.MEDIUM: gettext_lazy("Real danger"),
    RiskLevel.LOW: gettext_lazy("Lower danger"),
    RiskLevel.UNKNOWN: gettext_lazy("Danger not known"),
}
GRADE_LABELS: dict[str, Promise] = {
    Grade.FRESH: gettext_lazy("recent"),
    Grade.AGEING: gettext_lazy("ageing"),
    Grade.OLD: gettext_lazy("old"),
}
STATUS_LABELS: dict[str, Promise] = {
    Status.NOT_CALLED_UP: gettext_lazy("Not called up"),
    Status.CALLED_UP: gettext_lazy("Called up"),
    Status.MOBILISED: gettext_lazy("Mobilised"),
    Status.CONTRACT_SOLDIER: gettext_lazy("Contract soldier"),
    Status.DESERTER: gettext_lazy("Deserter"),
    Status.CONSCIENTIOUS_OBJECTOR: gettext_lazy("Conscientious objector"),
    Status.ACTIVIST: gettext_lazy("Activist or journalist wanted in Russia"),
}
# The same choices as a requester says them of themselves.
STATUS_PLAIN: dict[str, Promise] = {
    Status.NOT_CALLED_UP: gettext_lazy("I have not been called up"),
    Status.CALLED_UP: gettext_lazy("I have been called up (I got a call-up paper)"),
    Status.MOBILISED: gettext_lazy("I was mobilised"),
    Status.CONTRACT_SOLDIER: gettext_lazy("I serve or served on a contract"),
    Status.DESERTER: gettext_lazy("I left my unit"),
    Status.CONSCIENTIOUS_OBJECTOR: gettext_lazy("I refuse to serve for reasons of conscience"),
    Status.ACTIVIST: gettext_lazy("I am wanted in Russia for anti-war activism or journalism"),
}
DOCUMENT_LABELS: dict[str, Promise] = {
    Document.INTERNAL_PASSPORT: gettext_lazy("Internal passport"),
    Document.INTERNATIONAL_PASSPORT: gettext_lazy("International passport"),
    Document.SCHENGEN_VISA: gettext_lazy("Schengen visa"),
    Document.CALL_UP_PAPER: gettext_lazy("Call-up paper"),
    Document.MILITARY_ID: gettext_lazy("Military ID"),
    Document.NONE: gettext_lazy("No document"),
}
CONSTRAINT_LABELS: dict[str, Promise] = {
    Constraint.FAMILY_WITH_CHILDREN: gettext_lazy("Travelling with children"),
    Constraint.NO_MONEY: gettext_lazy("No money"),
    Constraint.HEALTH_NEEDS: gettext_lazy("Needs health care"),
}
VISA_LABELS: dict[str, Promise] = {
    Visa.NONE: gettext_lazy("No visa needed"),
    Visa.SCHENGEN: gettext_lazy("Schengen visa"),
    Visa.NATIONAL: gettext_lazy("A national visa"),
    Visa.UNKNOWN: gettext_lazy("Not known"),
}
BORDER_LABELS: dict[str, Promise] = {
    BorderState.OPEN: pgettext_lazy("border", "Open"),
    BorderState.RESTRICTED: gettext_lazy("Restricted: only listed exceptions get in"),
    BorderState.CLOSED: gettext_lazy("Closed"),
    BorderState.UNKNOWN: gettext_lazy("Not known"),
}
OUTLOOK_LABELS: dict[str, Promise] = {
    Outlook.FAVOURABLE: gettext_lazy("Favourable"),
    Outlook.MIXED: gettext_lazy("Mixed"),
    Outlook.POOR: gettext_lazy("Poor"),
    Outlook.UNKNOWN: gettext_lazy("Not known"),
}
RISK_LABELS: dict[str, Promise] = {
    RiskLevel.HIGH: gettext_lazy("High"),
    RiskLevel.MEDIUM: gettext_lazy("Medium"),
    RiskLevel.LOW: gettext_lazy("Low"),
    RiskLevel.UNKNOWN: gettext_lazy("Not known"),
}
GROUND_KIND_LABELS: dict[str, Promise] = {
    GroundKind.LAW: gettext_lazy("Law"),
    GroundKind.CASE: gettext_lazy("Court decision"),
    GroundKind.GUIDANCE: gettext_lazy("Guidance"),
    GroundKind.PRACTICE: gettext_lazy("National practice"),
    GroundKind.POLICY: gettext_lazy("Policy (context, not a ground for protection)"),
}
ITEM_KIND_LABELS: dict[str, Promise] = {
    ItemKind.DOCUMENT: gettext_lazy("Document"),
    ItemKind.STEP: gettext_lazy("Step"),
    ItemKind.DEADLINE: gettext_lazy("Deadline"),
    ItemKind.WARNING: gettext_lazy("Warning"),
}
VERDICT_LABELS: dict[str, Promise] = {
    Verdict.POSSIBLE: gettext_lazy("Possible"),
    Verdict.RISKY: gettext_lazy("Possible but risky"),
    Verdict.UNKNOWN: gettext_lazy("Not known"),
    Verdict.NOT_POSSIBLE: gettext_lazy("Not possible now"),
}


def _names(labels: Mapping[str, Promise], codes: list[str]) -> str:
    return ", ".join(str(labels.get(code, code)) for code in codes) or _("none")


def describe(field: str, details: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The structured values of a fact (as stored in Fact.details) as label and words."""
    rows: list[tuple[str, str]] = []
    if field == "entry_documents":
        ok = details.get("internal_passport_ok")
        rows.append(
            (
                _("Internal passport accepted"),
                _("Yes") if ok is True else _("No") if ok is False else _("Not confirmed"),
            )
        )
        rows.append(
            (
                _("Once let in without the usual documents"),
                _names(STATUS_LABELS, details.get("exceptional_entry", [])),
            )
        )
    elif field == "visa_free_days":
        days = details.get("days")
        rows.append((_("Days without a visa"), _("Not known") if days is None else str(days)))
        rows.append((_("Visa"), str(VISA_LABELS.get(details.get("visa", ""), "?"))))
    elif field == "border_status":
        rows.append((_("Border"), str(BORDER_LABELS.get(details.get("state", ""), "?"))))
    elif field == "asylum_practice":
        outlook: Mapping[str, str] = details.get("outlook", {})
        for status in Status:
            if status.value in outlook:
                rows.append(
                    (
                        _("Outlook: %(status)s") % {"status": STATUS_LABELS[status]},
                        str(OUTLOOK_LABELS.get(outlook[status.value], "?")),
                    )
                )
        if ANY_STATUS in outlook:
            rows.append(
                (_("Outlook: anyone else"), str(OUTLOOK_LABELS.get(outlook[ANY_STATUS], "?")))
            )
        if not outlook:
            rows.append((_("Outlook"), _("Nothing recorded")))
    elif field == "return_risk":
        rows.append((_("Level"), str(RISK_LABELS.get(details.get("level", ""), "?"))))
        rows.append((_("Concerns"), _names(STATUS_LABELS, details.get("affects", []))))
    elif field == "help_groups":
        rows.append(
            (_("A group offers beds there"), _("Yes") if details.get("shelter") else _("No"))
        )
    elif field.startswith("danger_"):
        rows.append((_("Level"), str(RISK_LABELS.get(details.get("level", ""), "?"))))
    return rows


# --- what views hand to templates --------------------------------------------------------------


@dataclass(frozen=True)
class FactView:
    """A country fact as a page shows it: its age in words, and a loud mark only where an old fact
    is also a dangerous one."""

    fact: Fact
    label: str
    age: Age
    dangerous: bool
    details: list[tuple[str, str]]

    @property
    def loud(self) -> bool:
        return self.dangerous and self.age.grade is Grade.OLD

    @property
    def grade_label(self) -> str:
        return str(GRADE_LABELS[self.age.grade])


# Fields whose age matters most where the reader is in danger: relied on when it is stale, they
# can send someone where they are handed back.
_RELIED_ON = frozenset({"return_risk", "asylum_practice", "entry_documents", "border_status"})


def fact_views(
    facts: list[Fact], *, ages: Mapping[int, Age], country_level: RiskLevel
) -> list[FactView]:
    """``country_level`` is the country's danger for the reader (or for anyone)."""
    views = []
    for fact in facts:
        own = fact.details.get("level")
        if fact.field.startswith("danger_") or fact.field == "return_risk":
            dangerous = own in (RiskLevel.HIGH, RiskLevel.MEDIUM)
        else:
            dangerous = fact.field in _RELIED_ON and country_level is RiskLevel.HIGH
        views.append(
            FactView(
                fact=fact,
                label=str(FIELD_LABELS[fact.field]),
                age=ages[fact.pk],
                dangerous=dangerous,
                details=describe(fact.field, fact.details),
            )
        )
    return views


@dataclass(frozen=True)
class Ref:
    """A link from a screener line or a checklist item to a fact or ground it rests on."""

    url: str
    label: str


@dataclass(frozen=True)
class LineView:
    text: str
    refs: list[Ref]
    uncertain: bool
    stale: bool


def status_from(raw: str | None) -> Status | None:
    """The reader's chosen status from a query string; anything else is no choice."""
    return Status(raw) if raw is not None and raw in Status._value2member_map_ else None


def fact_ref(fact_id: str, content: Content, language: str) -> Ref:
    """Where a counselor reads a fact ("KZ.visa_free_days") or a ground ("cjeu_ez")."""
    iso2, dot, field = fact_id.partition(".")
    if dot:
        country = content.country(iso2)
        name = country.name.get(language) if country else iso2
        url = reverse("knowledge:counsel-country", kwargs={"iso2": iso2}) + f"#{field}"
        return Ref(url=url, label=f"{name}: {FIELD_LABELS.get(field, field)}")
    ground = content.ground(fact_id)
    label = ground.title.get(language) if ground else fact_id
    return Ref(url=reverse("knowledge:grounds") + f"#{fact_id}", label=label)


def line_views(lines: tuple[Line, ...], content: Content, language: str) -> list[LineView]:
    return [
        LineView(
            text=line.text.get(language),
            refs=[fact_ref(fact_id, content, language) for fact_id in line.facts],
            uncertain=line.uncertain,
            stale=line.stale,
        )
        for line in lines
    ]


@dataclass(frozen=True)
class UsedFact:
    """A fact or ground a screener line rests on, as the requester's page shows it (the same
    sources, dates and age the API gives)."""

    id: str
    label: str
    sources: tuple[Source, ...]
    age: Age
    uncertain: bool


def used_facts(
    ids: Iterable[str], content: Content, language: str, *, today: date
) -> dict[str, UsedFact]:
    found: dict[str, UsedFact] = {}
    for fact_id in ids:
        item = content.fact(fact_id)
        if item is None:
            continue
        age = age_of(item, today)
        label = fact_ref(fact_id, content, language).label
        found[fact_id] = UsedFact(fact_id, label, item.sources, age, item.uncertain)
    return found
