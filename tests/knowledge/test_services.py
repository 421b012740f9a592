"""Editing and reverting facts: every change is a revision and an audit event, and no fact is
saved without a source."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from haven.audit.models import Event
from haven.knowledge.content import (
    ALL_FIELDS,
    Document,
    Source,
    Status,
    Text,
    load_content,
    validate,
)
from haven.knowledge.models import Country, Fact, FactRevision
from haven.knowledge.queries import current_reminder, fact, is_editor, knowledge, review_queue
from haven.knowledge.screener import screen
from haven.knowledge.screening import Answers, Verdict
from haven.knowledge.seed import knowledge_load
from haven.knowledge.services import (
    fact_edit,
    fact_revert,
    fact_verify,
    knowledge_editor_grant,
    knowledge_editor_revoke,
    review_reminder,
)
from tests.conftest import Persona
from tests.knowledge.factories import NEW_SOURCE, edit_kazakh_stay

KZ_STAY = "KZ.visa_free_days"


def _kz_stay() -> Fact:
    found = fact("KZ", "visa_free_days")
    assert found is not None
    return found


def _edit(actor: Persona, **changes: object) -> FactRevision:
    """Edit KZ.visa_free_days with sound values, overridden by ``changes``."""
    arguments: dict[str, object] = {
        "value": Text(en="At most 30 days.", ru="Не больше 30 дней."),
        "sources": [NEW_SOURCE],
        "uncertain": False,
        "details": {"days": 30, "visa": "none"},
    }
    arguments.update(changes)
    return fact_edit(actor=actor.member, fact=_kz_stay(), **arguments)  # type: ignore[arg-type]


def _refusal(actor: Persona, **changes: object) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as refused:
        _edit(actor, **changes)
    return refused.value.message_dict


def test_the_shipped_knowledge_is_in_the_database_after_migrate(db: None) -> None:
    shipped = sorted(load_content().countries, key=lambda c: c.iso2)
    stored = sorted(knowledge().countries, key=lambda c: c.iso2)
    assert len(stored) >= 18
    assert stored == shipped
    assert validate(knowledge()) == []


def test_loading_fills_empty_tables_and_never_overwrites_an_edit(coordinator: Persona) -> None:
    assert knowledge_load() == 0
    edit_kazakh_stay(coordinator.member, days=30)
    assert knowledge_load() == 0
    assert _kz_stay().details["days"] == 30
    FactRevision.objects.all().delete()
    Country.objects.all().delete()
    countries = len(load_content().countries)
    assert knowledge_load() == countries * len(ALL_FIELDS)
    assert _kz_stay().details["days"] == 90


def test_a_newer_release_replaces_facts_nobody_edited_and_keeps_edits(
    coordinator: Persona,
) -> None:
    """An install keeps up with corrected guidance: what nobody changed here follows the shipped
    text (and loses its last check), what an editor changed stays for the editor to compare."""
    edit_kazakh_stay(coordinator.member, days=30)
    border = fact("KZ", "border_status")
    assert border is not None
    # As an older release left them: another text, and a missing fact.
    Fact.objects.filter(pk=border.pk).update(
        value_en="Old text.", shipped_digest="older", verified=timezone.localdate()
    )
    Fact.objects.filter(country_id="KZ", field="danger_activist").delete()
    assert knowledge_load() == 2
    border.refresh_from_db()
    assert border.value_en != "Old text." and border.verified is None
    assert fact("KZ", "danger_activist") is not None
    assert _kz_stay().details["days"] == 30
    assert validate(knowledge()) == []


def test_an_edit_keeps_both_sides_author_note_and_an_audit_event(coordinator: Persona) -> None:
    before = _kz_stay()
    revision = edit_kazakh_stay(coordinator.member, days=30)
    after = _kz_stay()
    assert after.value.en == "At most 30 days in any 180 for citizens of EAEU states."
    assert after.details == {"days": 30, "visa": "none"}
    assert after.verified is None  # an edit is a check only when the editor says they read it
    assert after.source_list == (NEW_SOURCE,)
    assert revision.author == coordinator.member
    assert revision.note == "The rule changed."
    assert (revision.old_value_en, revision.new_value_en) == (before.value_en, after.value_en)
    assert revision.old_verified is None  # nobody had checked the shipped fact here
    assert revision.old_details == {"days": 90, "visa": "none"}
    assert revision.old_sources[0]["title"].startswith("Kazakhstan amends immigration rules")
    event = Event.objects.get(action="knowledge.fact_edit")
    assert (event.actor, event.target_id) == (coordinator.member, KZ_STAY)
    assert event.data == {"revision": revision.pk}
    assert validate(knowledge()) == []


def test_an_edit_without_a_source_is_refused_beside_the_sources_field(
    coordinator: Persona,
) -> None:
    errors = _refusal(coordinator, sources=[])
    assert list(errors) == ["sources"]
    assert "cannot be saved without a source" in errors["sources"][0]
    assert _kz_stay().details["days"] == 90
    assert not FactRevision.objects.exists()
    assert not Event.objects.filter(action__startswith="knowledge.fact").exists()


def test_an_edit_whose_sources_are_all_undated_is_refused(coordinator: Persona) -> None:
    undated = Source(NEW_SOURCE.url, NEW_SOURCE.title, None)
    assert (
        "Give the date of at least one source"
        in _refusal(coordinator, sources=[undated])["sources"][0]
    )


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (Source("gov.kz/rules", "Rules", "2026-01-01"), "must start with https://"),
        (Source("https://gov.kz/rules", " ", "2026-01-01"), "give its title"),
        (Source("https://gov.kz/rules", "Rules", "January 2026"), "is not a date"),
        (Source("https://gov.kz/rules", "Rules", "2026-02-30"), "is not a date"),
    ],
)
def test_a_malformed_source_is_refused_and_named(
    coordinator: Persona, source: Source, message: str
) -> None:
    errors = _refusal(coordinator, sources=[NEW_SOURCE, source])
    assert any(m.startswith("Source 2:") and message in m for m in errors["sources"]), errors


def test_a_source_from_the_future_is_refused(coordinator: Persona) -> None:
    tomorrow = str(timezone.localdate() + timedelta(days=1))
    errors = _refusal(coordinator, sources=[Source(NEW_SOURCE.url, NEW_SOURCE.title, tomorrow)])
    assert "is in the future" in errors["sources"][0]


def test_each_text_must_be_in_its_own_language(coordinator: Persona) -> None:
    errors = _refusal(coordinator, value=Text(en="Не больше 30 дней.", ru="At most 30 days."))
    assert "Cyrillic" in errors["value_en"][0]
    assert "write it in Russian" in errors["value_ru"][0]
    assert "value_en" in _refusal(coordinator, value=Text(en=" ", ru="Не больше 30 дней."))


def test_structured_values_must_agree_with_each_other(coordinator: Persona) -> None:
    assert "visa" in _refusal(coordinator, details={"days": 30, "visa": "schengen"})
    assert "visa" in _refusal(coordinator, details={"days": 0, "visa": "none"})
    assert "days" in _refusal(coordinator, details={"days": -1, "visa": "none"})


def test_a_field_whose_sources_say_nothing_cannot_make_a_claim(coordinator: Persona) -> None:
    errors = _refusal(coordinator, known=False)
    assert list(errors) == ["known"]


def test_an_edit_that_changes_nothing_is_refused(coordinator: Persona) -> None:
    edit_kazakh_stay(coordinator.member)
    with pytest.raises(ValidationError, match="Nothing changed"):
        edit_kazakh_stay(coordinator.member)


def test_only_knowledge_editors_change_the_knowledge_base(
    counselor: Persona, outsider: Persona
) -> None:
    for stranger in (counselor, outsider):  # outsider: another organisation's coordinator
        with pytest.raises(PermissionError):
            _edit(stranger)
    assert not FactRevision.objects.exists()


def test_an_edit_that_says_it_was_read_in_its_sources_is_a_check(coordinator: Persona) -> None:
    revision = _edit(coordinator, checked_against=[NEW_SOURCE.url], note="Read it today.")
    after = _kz_stay()
    assert after.verified == timezone.localdate()
    assert after.verified_by == coordinator.member
    assert after.verified_against == [NEW_SOURCE.url]
    assert revision.checked_against == [NEW_SOURCE.url]


def test_a_check_against_a_source_the_fact_does_not_cite_is_refused(coordinator: Persona) -> None:
    with pytest.raises(ValidationError) as refused:
        fact_verify(actor=coordinator.member, fact=_kz_stay(), against=["https://example.org/"])
    assert "checked_against" in refused.value.message_dict
    assert _kz_stay().verified is None


def test_a_check_is_a_revision_and_an_audit_event_and_changes_no_text(
    coordinator: Persona,
) -> None:
    before = _kz_stay()
    url = before.source_list[0].url
    revision = fact_verify(actor=coordinator.member, fact=before, against=[url], note="Still so.")
    after = _kz_stay()
    assert after.value_en == before.value_en and after.sources == before.sources
    assert (revision.kind, revision.checked_against) == ("verify", [url])
    assert (revision.old_verified, revision.new_verified) == (None, timezone.localdate())
    event = Event.objects.get(action="knowledge.fact_verify")
    assert (event.actor, event.target_id) == (coordinator.member, KZ_STAY)


def test_the_editor_role_is_granted_only_within_the_publishing_organisation(
    coordinator: Persona, counselor: Persona, outsider: Persona
) -> None:
    knowledge_editor_grant(actor=coordinator.member, member=counselor.member)
    assert is_editor(counselor.member)
    with pytest.raises(ValidationError):
        knowledge_editor_grant(actor=coordinator.member, member=outsider.member)
    with pytest.raises(PermissionError):
        knowledge_editor_grant(actor=outsider.member, member=outsider.member)
    assert not is_editor(outsider.member)
    assert knowledge_editor_revoke(actor=coordinator.member, member=counselor.member)
    assert not is_editor(counselor.member)


def test_the_weekly_reminder_counts_what_waits_and_what_is_dangerous(
    coordinator: Persona, counselor: Persona
) -> None:
    reminder = review_reminder()
    queue = review_queue()
    assert reminder.waiting == len(queue) > 0
    assert 0 < reminder.dangerous == sum(item.dangerous for item in queue)
    assert current_reminder(coordinator.member) == reminder
    assert current_reminder(counselor.member) is None  # not an editor


def test_a_revert_restores_the_old_fact_and_is_a_revision_itself(coordinator: Persona) -> None:
    shipped = _kz_stay().state()
    edit = edit_kazakh_stay(coordinator.member, days=30)
    undo = fact_revert(actor=coordinator.member, revision=edit)
    assert _kz_stay().state() == shipped
    assert undo.reverts == edit
    assert (undo.new_value_en, undo.old_value_en) == (edit.old_value_en, edit.new_value_en)
    event = Event.objects.get(action="knowledge.fact_revert")
    assert event.data == {"revision": undo.pk, "reverts": edit.pk}
    # The revert can itself be reverted: the edit comes back.
    fact_revert(actor=coordinator.member, revision=undo)
    assert _kz_stay().details["days"] == 30


def test_reverting_a_change_already_undone_says_there_is_nothing_to_revert(
    coordinator: Persona,
) -> None:
    edit = edit_kazakh_stay(coordinator.member)
    fact_revert(actor=coordinator.member, revision=edit)
    with pytest.raises(ValidationError, match="nothing to revert"):
        fact_revert(actor=coordinator.member, revision=edit)
    assert FactRevision.objects.count() == 2


def test_the_screener_reads_the_facts_as_edited(coordinator: Persona) -> None:
    answers = Answers(Status.NOT_CALLED_UP, frozenset({Document.INTERNAL_PASSPORT}), "RU")
    today = timezone.localdate()
    # Risky for him (the evaders' danger is medium), but open to his internal passport.
    assert screen(answers, knowledge(), today=today).option("KZ").verdict is Verdict.RISKY
    entry = fact("KZ", "entry_documents")
    assert entry is not None
    fact_edit(
        actor=coordinator.member,
        fact=entry,
        value=Text(
            en="Only an international passport is accepted.",
            ru="Пускают только по загранпаспорту.",
        ),
        sources=[NEW_SOURCE],
        uncertain=False,
        details={"internal_passport_ok": False, "exceptional_entry": []},
    )
    option = screen(answers, knowledge(), today=today).option("KZ")
    assert option.verdict is Verdict.NOT_POSSIBLE
    assert "KZ.entry_documents" in option.facts
