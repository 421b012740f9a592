"""Every write to the knowledge base: a knowledge editor verifies a fact against its sources, edits
it (and may verify it in the same step) or reverts a change; a coordinator of the publishing
organisation grants or withdraws the editor role.

Each write keeps a revision (author, time, note, the fact before and after, the sources checked)
and records an audit event in the same transaction. No fact is saved without a source:
``fact_problems`` says what is wrong in words an editor can act on, keyed by the form field it
concerns, and the content's own rules (``haven.knowledge.content.validate``) are checked again on
the country as it would be.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.accounts.models import Member
from haven.audit.services import audit_record
from haven.knowledge.content import (
    Content,
    ContentError,
    Source,
    Text,
    country_from_dict,
    validate,
)
from haven.knowledge.facts import earliest_day
from haven.knowledge.models import (
    Fact,
    FactRevision,
    FactState,
    KnowledgeEditor,
    ReviewReminder,
    RevisionKind,
    sources_to_json,
)
from haven.knowledge.queries import is_editor, publisher, review_queue

PARTIAL_DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")
_CYRILLIC = re.compile(r"[А-Яа-яЁё]")


def source_day(source: Source) -> date | None:
    """The first day a source's date can mean; None if it has none or it is no date."""
    if source.date is None or not PARTIAL_DATE.fullmatch(source.date):
        return None
    try:
        return earliest_day(source.date)
    except ValueError:
        return None


def newest_source_day(sources: Sequence[Source]) -> date | None:
    """The first day the newest dated source can mean."""
    days = [day for day in map(source_day, sources) if day is not None]
    return max(days) if days else None


def fact_problems(
    *,
    field: str,
    value: Text,
    sources: Sequence[Source],
    known: bool,
    details: Mapping[str, Any],
    today: date,
) -> dict[str, list[str]]:
    """What keeps this fact from being saved, by form field; empty when it may be saved."""
    problems: dict[str, list[str]] = {}
    for key, message in [
        *_text_problems(value),
        *_source_problems(sources, today),
        *_structure_problems(field, known, details),
    ]:
        problems.setdefault(key, []).append(message)
    return problems


def _text_problems(value: Text) -> list[tuple[str, str]]:
    problems = []
    if not value.en.strip():
        problems.append(("value_en", _("Write the text in English.")))
    elif _CYRILLIC.search(value.en):
        problems.append(
            (
                "value_en",
                _(
                    "The English text contains Cyrillic letters: write it in English "
                    "(transliterate names)."
                ),
            )
        )
    if not value.ru.strip():
        problems.append(("value_ru", _("Write the text in Russian.")))
    elif not _CYRILLIC.search(value.ru):
        problems.append(
            ("value_ru", _("The Russian text has no Russian letters: write it in Russian."))
        )
    return problems


def _source_problems(sources: Sequence[Source], today: date) -> list[tuple[str, str]]:
    """No fact without a source, and at least one dated, so that its age shows."""
    if not sources:
        return [
            (
                "sources",
                _(
                    "A fact cannot be saved without a source. Add a line with the source's "
                    "address, title and date."
                ),
            )
        ]
    problems = []
    for number, source in enumerate(sources, start=1):
        values = {"number": number, "date": source.date}
        if not source.url.startswith(("https://", "http://")):
            problems.append(
                _("Source %(number)d: the address must start with https:// or http://.") % values
            )
        if not source.title.strip():
            problems.append(_("Source %(number)d: give its title.") % values)
        day = source_day(source)
        if source.date is not None and day is None:
            problems.append(
                _("Source %(number)d: “%(date)s” is not a date; write YYYY, YYYY-MM or YYYY-MM-DD.")
                % values
            )
        elif day is not None and day > today:
            problems.append(_("Source %(number)d: %(date)s is in the future.") % values)
    if not problems and newest_source_day(sources) is None:
        problems.append(
            _(
                "Give the date of at least one source (when it was published or when you "
                "checked it), so readers see how old the fact is."
            )
        )
    return [("sources", message) for message in problems]


def _structure_problems(
    field: str, known: bool, details: Mapping[str, Any]
) -> list[tuple[str, str]]:
    """Structured values must agree with each other, and an unknown field claims nothing."""
    problems = []
    claims = False
    if field == "entry_documents":
        claims = details.get("internal_passport_ok") is not None or bool(
            details.get("exceptional_entry")
        )
    elif field == "visa_free_days":
        days, visa = details.get("days"), details.get("visa")
        claims = days is not None or visa != "unknown"
        if days is not None and days < 0:
            problems.append(("days", _("Days cannot be fewer than 0.")))
        elif days == 0 and visa == "none":
            problems.append(
                ("visa", _("No days without a visa, yet no visa needed: choose the visa needed."))
            )
        elif days and visa != "none":
            problems.append(
                (
                    "visa",
                    _(
                        "Days without a visa are given, yet a visa is needed: choose “No visa "
                        "needed”, or clear the days."
                    ),
                )
            )
    elif field == "border_status":
        claims = details.get("state") != "unknown"
    elif field == "asylum_practice":
        claims = any(o != "unknown" for o in details.get("outlook", {}).values())
    elif field == "return_risk":
        claims = details.get("level") != "unknown" or bool(details.get("affects"))
        if details.get("affects") and details.get("level") == "unknown":
            problems.append(
                ("affects", _("Choose the level of the risk, or clear whom it concerns."))
            )
    elif field == "help_groups":
        claims = bool(details.get("shelter"))
    if claims and not known:
        problems.append(
            (
                "known",
                _(
                    "A field whose sources say nothing on it cannot make a claim: tick “The "
                    "sources state this”, or set its values to “not known”."
                ),
            )
        )
    return problems


@transaction.atomic
def fact_edit(
    *,
    actor: Member,
    fact: Fact,
    value: Text,
    sources: Sequence[Source],
    uncertain: bool,
    known: bool = True,
    details: Mapping[str, Any],
    note: str = "",
    checked_against: Sequence[str] = (),
) -> FactRevision:
    """Change one country fact and keep the change as a revision; refuse a fact without a source.

    ``checked_against`` names the new sources the editor read the fact in: then the edit is also a
    verification, as of today. Without it the changed fact counts as unchecked."""
    _require_editor(actor)
    problems = fact_problems(
        field=fact.field,
        value=value,
        sources=sources,
        known=known,
        details=details,
        today=timezone.localdate(),
    )
    checked = _checked(checked_against, sources)
    if problems:
        raise ValidationError(problems)
    after = FactState(
        value=Text(en=value.en.strip(), ru=value.ru.strip()),
        sources=tuple(sources),
        verified=timezone.localdate() if checked else None,
        uncertain=uncertain,
        known=known,
        details=dict(details),
    )
    return _change(
        actor=actor,
        fact=fact,
        after=after,
        note=note,
        reverts=None,
        kind=RevisionKind.EDIT,
        checked=checked,
    )


def _checked(against: Sequence[str], sources: Sequence[Source]) -> list[str]:
    """The addresses checked, each one of the fact's sources, in the sources' order."""
    urls = [source.url for source in sources]
    unknown = [url for url in against if url not in urls]
    if unknown:
        raise ValidationError(
            {"checked_against": [_("You can only verify against the fact's own sources.")]}
        )
    wanted = set(against)
    return [url for url in urls if url in wanted]


@transaction.atomic
def fact_verify(
    *, actor: Member, fact: Fact, against: Sequence[str], note: str = ""
) -> FactRevision:
    """Record that the fact still says what the named sources say, as of today; for a fact with no
    source (it says nothing was found), that a search today still found none."""
    _require_editor(actor)
    locked = Fact.objects.select_for_update().get(pk=fact.pk)
    checked = _checked(against, locked.source_list)
    if not checked and locked.source_list:
        raise ValidationError(
            {"checked_against": [_("Tick the sources you read the fact in again.")]}
        )
    before = locked.state()
    today = timezone.localdate()
    after = replace(before, verified=today)
    locked.verified, locked.verified_by, locked.verified_against = today, actor, checked
    locked.save(update_fields=["verified", "verified_by", "verified_against"])
    return _revision(
        actor=actor,
        fact=locked,
        before=before,
        after=after,
        note=note,
        reverts=None,
        kind=RevisionKind.VERIFY,
        checked=checked,
    )


@transaction.atomic
def fact_revert(*, actor: Member, revision: FactRevision, note: str = "") -> FactRevision:
    """Put a fact back as it was before one of its revisions; the revert is a revision too.

    What was checked is not what the fact says any more, so a reverted fact counts as unchecked."""
    _require_editor(actor)
    after = replace(revision.old(), verified=None)
    return _change(
        actor=actor,
        fact=revision.fact,
        after=after,
        note=note,
        reverts=revision,
        kind=RevisionKind.REVERT,
        checked=[],
    )


def _require_editor(actor: Member) -> None:
    if not is_editor(actor):
        raise PermissionError("only knowledge editors of the publishing organisation change facts")


@transaction.atomic
def knowledge_editor_grant(*, actor: Member, member: Member) -> KnowledgeEditor:
    """Let a member of the publishing organisation verify and edit the facts."""
    home = publisher()
    if not (actor.is_active and actor.is_coordinator and home and actor.organisation_id == home.pk):
        raise PermissionError("only coordinators of the publishing organisation grant the role")
    if member.organisation_id != home.pk or not member.is_active:
        raise ValidationError(
            _("Only active members of %(name)s can keep the knowledge base.") % {"name": home.name}
        )
    editor, created = KnowledgeEditor.objects.get_or_create(
        member=member, defaults={"granted_by": actor, "granted_at": timezone.now()}
    )
    if created:
        audit_record(
            actor=actor,
            action="knowledge.editor_grant",
            organisation=home,
            target_type="member",
            target_id=str(member.pk),
        )
    return editor


@transaction.atomic
def knowledge_editor_revoke(*, actor: Member, member: Member) -> bool:
    """Take the editor role away; True if the member held it."""
    home = publisher()
    if not (actor.is_active and actor.is_coordinator and home and actor.organisation_id == home.pk):
        raise PermissionError("only coordinators of the publishing organisation withdraw the role")
    deleted, _kinds = KnowledgeEditor.objects.filter(member=member).delete()
    if deleted:
        audit_record(
            actor=actor,
            action="knowledge.editor_revoke",
            organisation=home,
            target_type="member",
            target_id=str(member.pk),
        )
    return bool(deleted)


def _canonical(state: FactState) -> FactState:
    """The same state with lists sorted, so that ticking boxes in another order changes nothing."""
    details = {
        key: sorted(value) if isinstance(value, list) else value
        for key, value in state.details.items()
    }
    # A check alone is a verification, not an edit.
    return replace(state, verified=None, details=details)


def _change(
    *,
    actor: Member,
    fact: Fact,
    after: FactState,
    note: str,
    reverts: FactRevision | None,
    kind: RevisionKind,
    checked: list[str],
) -> FactRevision:
    locked = Fact.objects.select_for_update().get(pk=fact.pk)
    before = locked.state()
    if _canonical(before) == _canonical(after):
        message = (
            _("The fact already reads as it did before this change: there is nothing to revert.")
            if reverts
            else _("Nothing changed: edit the text, a source or a value first.")
        )
        raise ValidationError({NON_FIELD_ERRORS: [message]}, code="unchanged")
    locked.set_state(after)
    _check_content_rules(locked)
    locked.verified_by = actor if after.verified else None
    locked.verified_against = checked
    locked.updated_at = timezone.now()
    locked.save()
    return _revision(
        actor=actor,
        fact=locked,
        before=before,
        after=after,
        note=note,
        reverts=reverts,
        kind=kind,
        checked=checked,
    )


def _revision(
    *,
    actor: Member,
    fact: Fact,
    before: FactState,
    after: FactState,
    note: str,
    reverts: FactRevision | None,
    kind: RevisionKind,
    checked: list[str],
) -> FactRevision:
    """Keep one act as a revision and link it into the audit chain."""
    revision = FactRevision.objects.create(
        fact=fact,
        author=actor,
        at=timezone.now(),
        kind=kind,
        checked_against=checked,
        note=note.strip(),
        reverts=reverts,
        old_value_en=before.value.en,
        old_value_ru=before.value.ru,
        new_value_en=after.value.en,
        new_value_ru=after.value.ru,
        old_sources=sources_to_json(before.sources),
        new_sources=sources_to_json(after.sources),
        old_verified=before.verified,
        new_verified=after.verified,
        old_uncertain=before.uncertain,
        new_uncertain=after.uncertain,
        old_known=before.known,
        new_known=after.known,
        old_details=before.details,
        new_details=after.details,
    )
    audit_record(
        actor=actor,
        action=f"knowledge.fact_{kind}",
        organisation=actor.organisation,
        target_type="fact",
        target_id=fact.key,
        data={"revision": revision.pk, **({"reverts": reverts.pk} if reverts else {})},
    )
    return revision


def _check_content_rules(changed: Fact) -> None:
    """The country as it would be must still load and keep every rule of the shipped content."""
    siblings = {
        fact.field: fact.as_json()
        for fact in Fact.objects.filter(country_id=changed.country_id).exclude(pk=changed.pk)
    }
    name = changed.country.name
    raw = {
        "iso2": changed.country_id,
        "name": {"en": name.en, "ru": name.ru},
        **siblings,
        changed.field: changed.as_json(),
    }
    try:
        country = country_from_dict(raw, "edit")
    except ContentError as error:
        raise ValidationError({NON_FIELD_ERRORS: [str(error)]}, code="malformed") from None
    problems = validate(Content(countries=(country,), grounds=(), checklists=()))
    if problems:
        raise ValidationError({NON_FIELD_ERRORS: problems}, code="rules")


@transaction.atomic
def review_reminder() -> ReviewReminder:
    """The weekly note for the desk: how many facts wait for a check, how many about a danger."""
    queue = review_queue()
    reminder = ReviewReminder.objects.create(
        at=timezone.now(),
        waiting=len(queue),
        dangerous=sum(item.dangerous for item in queue),
    )
    audit_record(
        actor=None,
        action="knowledge.review_reminder",
        data={"waiting": reminder.waiting, "dangerous": reminder.dangerous},
    )
    return reminder
