"""The knowledge base as the database holds it: the current value of each country fact, and every
change made to one.

This is coarse public knowledge (entry rules, asylum practice, court decisions), not anything about
a person, so it is stored in plaintext. A fact's shape follows ``content/countries.json``: the text
in English and Russian, its sources (their dates as precise as the source gives them), two flags,
and the structured values the screener reads (``details``). Beside them the database keeps what
no file can claim: who verified the fact, on which day, and against which of its sources.

Members' handles never leave their organisation: a revision's author is shown to members of the
same organisation only (see haven.knowledge.queries), and so are the notes that go with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.db import models

from haven.knowledge.facts import ALL_FIELDS, Source, Text, newest_source


@dataclass(frozen=True, kw_only=True)
class FactState:
    """Everything a revision keeps of one side of a change, and a revert puts back."""

    value: Text
    sources: tuple[Source, ...]
    verified: date | None
    uncertain: bool
    known: bool
    details: dict[str, Any] = field(default_factory=dict)


class Country(models.Model):
    iso2 = models.CharField(max_length=2, primary_key=True)
    name_en = models.CharField(max_length=80)
    name_ru = models.CharField(max_length=80)

    class Meta:
        verbose_name_plural = "countries"

    def __str__(self) -> str:
        return self.iso2

    @property
    def name(self) -> Text:
        return Text(en=self.name_en, ru=self.name_ru)


class Fact(models.Model):
    """One field of a country page, as it stands now."""

    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="facts")
    field = models.CharField(max_length=32, choices=[(name, name) for name in ALL_FIELDS])
    value_en = models.TextField()
    value_ru = models.TextField()
    sources = models.JSONField(default=list)  # [{"url", "title", "date", "approximate"}]
    # The last check by a knowledge editor: the day, who, and the source addresses checked.
    verified = models.DateField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_against = models.JSONField(default=list)
    uncertain = models.BooleanField(default=False)
    known = models.BooleanField(default=True)
    details = models.JSONField(default=dict)  # the structured values, keyed as in the JSON file
    updated_at = models.DateTimeField()
    # The shipped text this fact was last loaded from, so that a newer release can replace a fact
    # nobody edited here and leave an edited one for an editor to compare.
    shipped_digest = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["country", "field"], name="knowledge_fact_per_field"),
        ]

    def __str__(self) -> str:
        return self.key

    @property
    def key(self) -> str:
        """The id the screener and the checklists use: "KZ.visa_free_days"."""
        return f"{self.country_id}.{self.field}"

    @property
    def value(self) -> Text:
        return Text(en=self.value_en, ru=self.value_ru)

    @property
    def source_list(self) -> tuple[Source, ...]:
        return sources_from_json(self.sources)

    def state(self) -> FactState:
        return FactState(
            value=self.value,
            sources=self.source_list,
            verified=self.verified,
            uncertain=self.uncertain,
            known=self.known,
            details=dict(self.details),
        )

    def set_state(self, state: FactState) -> None:
        self.value_en, self.value_ru = state.value.en, state.value.ru
        self.sources = sources_to_json(state.sources)
        self.verified = state.verified
        self.uncertain = state.uncertain
        self.known = state.known
        self.details = dict(state.details)

    def is_stale(self, today: date, stale_after_days: int) -> bool:
        """Older than the threshold (facts.Sourced): the last check, else the newest source."""
        seen = self.seen_on
        return seen is None or (today - seen).days > stale_after_days

    @property
    def newest_source(self) -> Source | None:
        return newest_source(self.source_list)

    @property
    def seen_on(self) -> date | None:
        """The day the fact was last known true: its last check, else its newest source's end."""
        if self.verified is not None:
            return self.verified
        newest = self.newest_source
        return newest.latest_day if newest else None

    def as_json(self) -> dict[str, Any]:
        """The fact shaped like its object in countries.json, for the content loader."""
        return {
            **self.details,
            "value": {"en": self.value_en, "ru": self.value_ru},
            "sources": self.sources,
            "verified": self.verified.isoformat() if self.verified else None,
            "uncertain": self.uncertain,
            "known": self.known,
        }


class RevisionKind(models.TextChoices):
    EDIT = "edit", "edit"
    VERIFY = "verify", "verify"
    REVERT = "revert", "revert"


class FactRevision(models.Model):
    """One act on a fact by a knowledge editor (an edit, a check against its sources, or a revert):
    who, when, why, and the fact before and after."""

    fact = models.ForeignKey(Fact, on_delete=models.CASCADE, related_name="revisions")
    kind = models.CharField(max_length=8, choices=RevisionKind.choices, default=RevisionKind.EDIT)
    # The source addresses the editor checked the fact against (a verification, or an edit that
    # verifies in the same step).
    checked_against = models.JSONField(default=list)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    note = models.CharField(max_length=300, blank=True)
    reverts = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    old_value_en = models.TextField()
    old_value_ru = models.TextField()
    new_value_en = models.TextField()
    new_value_ru = models.TextField()
    old_sources = models.JSONField(default=list)
    new_sources = models.JSONField(default=list)
    old_verified = models.DateField(null=True, blank=True)
    new_verified = models.DateField(null=True, blank=True)
    old_uncertain = models.BooleanField()
    new_uncertain = models.BooleanField()
    old_known = models.BooleanField()
    new_known = models.BooleanField()
    old_details = models.JSONField(default=dict)
    new_details = models.JSONField(default=dict)

    class Meta:
        indexes = [models.Index(fields=["fact", "-at"], name="knowledge_revision_fact_at")]

    def __str__(self) -> str:
        return f"revision #{self.pk} of {self.fact_id}"

    def old(self) -> FactState:
        return FactState(
            value=Text(en=self.old_value_en, ru=self.old_value_ru),
            sources=sources_from_json(self.old_sources),
            verified=self.old_verified,
            uncertain=self.old_uncertain,
            known=self.old_known,
            details=dict(self.old_details),
        )

    def new(self) -> FactState:
        return FactState(
            value=Text(en=self.new_value_en, ru=self.new_value_ru),
            sources=sources_from_json(self.new_sources),
            verified=self.new_verified,
            uncertain=self.new_uncertain,
            known=self.new_known,
            details=dict(self.new_details),
        )


class KnowledgeEditor(models.Model):
    """A member who may verify and edit the facts every requester on the install reads.

    Only members of the publishing organisation (settings.HAVEN_KNOWLEDGE_PUBLISHER) hold the role,
    and only its coordinators grant it: the knowledge is shared by every organisation here, so one
    organisation's coordinator must not rewrite what another's requesters read.
    """

    member = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="knowledge_editor"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"knowledge editor #{self.pk}"


class ReviewReminder(models.Model):
    """The weekly note on the desk: how many facts wait for a check, how many of them dangerous."""

    at = models.DateTimeField()
    waiting = models.PositiveIntegerField()
    dangerous = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"review reminder of {self.at:%Y-%m-%d}"


def sources_from_json(raw: list[dict[str, Any]]) -> tuple[Source, ...]:
    return tuple(
        Source(
            url=item["url"],
            title=item["title"],
            date=item.get("date"),
            approximate=bool(item.get("approximate")),
        )
        for item in raw
    )


def sources_to_json(sources: tuple[Source, ...]) -> list[dict[str, Any]]:
    return [
        {"url": s.url, "title": s.title, "date": s.date}
        | ({"approximate": True} if s.approximate else {})
        for s in sources
    ]
