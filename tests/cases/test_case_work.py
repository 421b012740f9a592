"""The life of a case: triage, states, sharing with counselors, notes and tasks, what is overdue."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from haven.accounts.models import Role
from haven.cases.access import CaseRefused, RevealRefused, case_key
from haven.cases.lifecycle import case_move, case_triage
from haven.cases.models import Case, CaseShare, CloseReason, Note, Status
from haven.cases.notes import checklist_attach, note_add, task_done
from haven.cases.queries import DeskFilter, case_for, desk_cases
from haven.cases.reveal import case_reveal
from haven.cases.sharing import case_share, case_unshare
from haven.intake.services import Accepted
from haven.volunteers.suspension import member_suspend
from tests.conftest import Persona, invite_member, keyring_of, login, stored


def _triaged(make_request: Callable[..., Accepted], coordinator: Persona) -> Case:
    case = make_request().case
    case_triage(actor=coordinator.member, case=case, decision="accept")
    case.refresh_from_db()
    return case


def test_triage_accepts_or_closes_with_a_reason(
    coordinator: Persona, make_request: Callable[..., Accepted]
) -> None:
    first = make_request().case
    duplicate = make_request(contact="@again").case
    spam = make_request(contact="@spam").case
    case_triage(actor=coordinator.member, case=first, decision="accept")
    case_triage(actor=coordinator.member, case=duplicate, decision="duplicate", duplicate_of=first)
    case_triage(actor=coordinator.member, case=spam, decision="spam")
    first.refresh_from_db()
    duplicate.refresh_from_db()
    spam.refresh_from_db()
    assert first.status == Status.TRIAGED and first.ended_hour is None
    assert duplicate.status == Status.CLOSED
    assert duplicate.close_reason == CloseReason.DUPLICATE
    assert duplicate.merged_into_id == first.pk
    assert duplicate.ended_hour is not None
    assert spam.close_reason == CloseReason.SPAM
    with pytest.raises(CaseRefused):
        case_triage(actor=coordinator.member, case=first, decision="spam")
    with pytest.raises(CaseRefused):
        case_triage(
            actor=coordinator.member,
            case=make_request(contact="@third").case,
            decision="duplicate",
            duplicate_of=duplicate,
        )


def test_states_move_only_along_the_life_cycle(
    coordinator: Persona, make_request: Callable[..., Accepted]
) -> None:
    new = make_request().case
    with pytest.raises(CaseRefused, match="Triage"):
        case_move(actor=coordinator.member, case=new, status=Status.IN_PROGRESS)
    case = _triaged(make_request, coordinator)
    for status in (Status.IN_PROGRESS, Status.WAITING, Status.IN_PROGRESS, Status.RESOLVED):
        case_move(actor=coordinator.member, case=case, status=status)
        case.refresh_from_db()
        assert case.status == status
    assert case.ended_hour is not None
    case_move(actor=coordinator.member, case=case, status=Status.IN_PROGRESS)
    case.refresh_from_db()
    assert case.ended_hour is None, "a reopened case no longer counts towards retention"
    case_move(
        actor=coordinator.member, case=case, status=Status.CLOSED, reason=CloseReason.NO_ANSWER
    )
    case.refresh_from_db()
    assert (case.status, case.close_reason) == (Status.CLOSED, CloseReason.NO_ANSWER)
    with pytest.raises(CaseRefused):
        case_move(actor=coordinator.member, case=case, status=Status.IN_PROGRESS)


def test_each_change_is_recorded_with_who_and_when(
    coordinator: Persona, make_request: Callable[..., Accepted]
) -> None:
    case = _triaged(make_request, coordinator)
    case_move(actor=coordinator.member, case=case, status=Status.IN_PROGRESS)
    page = login(Client(), coordinator).get(f"/en/desk/{case.pk}/").content.decode()
    assert "moved it to “Triaged”" in page
    assert "moved it to “In progress”" in page
    assert page.count(">anna<") >= 2


def test_sharing_gives_a_counselor_this_case_and_no_other(
    coordinator: Persona, counselor: Persona, make_request: Callable[..., Accepted]
) -> None:
    case = _triaged(make_request, coordinator)
    other = _triaged(make_request, coordinator)
    assert case_for(counselor.member, case.pk) is None
    case_share(
        actor=coordinator.member,
        keyring=keyring_of(coordinator),
        case=case,
        member=counselor.member,
    )
    share = CaseShare.objects.get(case=case, member=counselor.member)
    assert stored(share.sealed_key) != stored(case.sealed_key)
    assert counselor.member.sealed_organisation_key is None, "counselors hold no organisation key"
    keyring = keyring_of(counselor)
    assert case_key(keyring, case) == case_key(keyring_of(coordinator), case)
    assert case_for(counselor.member, case.pk) == case
    assert case_for(counselor.member, other.pk) is None
    with pytest.raises(RevealRefused):
        case_key(keyring, other)
    opened = case_reveal(
        actor=counselor.member, keyring=keyring, case=case, reason="first counselling call"
    )
    assert opened.fields["contact"] == "@telegram_handle"

    case_unshare(actor=coordinator.member, case=case, member=counselor.member)
    assert case_for(counselor.member, case.pk) is None
    with pytest.raises(RevealRefused):
        case_key(keyring, case)


def test_only_counselors_of_the_organisation_receive_a_case(
    coordinator: Persona, host: Persona, make_request: Callable[..., Accepted]
) -> None:
    case = _triaged(make_request, coordinator)
    with pytest.raises(CaseRefused):
        case_share(
            actor=coordinator.member, keyring=keyring_of(coordinator), case=case, member=host.member
        )


def test_suspending_a_counselor_withdraws_their_cases(
    coordinator: Persona, counselor: Persona, make_request: Callable[..., Accepted]
) -> None:
    case = _triaged(make_request, coordinator)
    case_share(
        actor=coordinator.member,
        keyring=keyring_of(coordinator),
        case=case,
        member=counselor.member,
    )
    member_suspend(actor=coordinator.member, member=counselor.member, reason="lost their phone")
    share = CaseShare.objects.get(case=case, member=counselor.member)
    assert share.sealed_key is None and share.unshared_at is not None


def test_notes_and_tasks_are_sealed_and_tasks_make_a_case_overdue(
    coordinator: Persona, make_request: Callable[..., Accepted]
) -> None:
    case = _triaged(make_request, coordinator)
    keyring = keyring_of(coordinator)
    note_add(actor=coordinator.member, keyring=keyring, case=case, text="Called, all is well")
    yesterday = timezone.localdate() - timedelta(days=1)
    task = note_add(
        actor=coordinator.member,
        keyring=keyring,
        case=case,
        text="File the claim",
        is_task=True,
        due_on=yesterday,
    )
    assert b"File the claim" not in stored(Note.objects.get(pk=task.pk).body)
    case.refresh_from_db()
    assert case.due_on == yesterday
    member = coordinator.member
    assert list(desk_cases(member, DeskFilter(overdue=True))) == [case]
    opened = case_reveal(actor=member, keyring=keyring, case=case, reason="checking the tasks")
    assert [item.text for item in opened.notes] == ["Called, all is well", "File the claim"]
    task_done(actor=member, note=task, done=True)
    case.refresh_from_db()
    assert case.due_on is None
    assert list(desk_cases(member, DeskFilter(overdue=True))) == []


def test_a_new_request_left_a_day_says_it_waits_and_only_a_late_task_is_overdue(
    coordinator: Persona, make_request: Callable[..., Accepted]
) -> None:
    old = make_request(contact="@old").case
    make_request(contact="@fresh")
    Case.objects.filter(pk=old.pk).update(created_hour=timezone.now() - timedelta(hours=30))
    assert list(desk_cases(coordinator.member, DeskFilter(overdue=True))) == []
    page = login(Client(), coordinator).get("/en/desk/").content.decode()
    assert page.count("untriaged for over a day") == 1 and 'class="overdue"' not in page
    # A task past its date makes an open case overdue; once the case ends, nothing is overdue.
    late = _triaged(make_request, coordinator)
    note_add(
        actor=coordinator.member,
        keyring=keyring_of(coordinator),
        case=late,
        text="Call the lawyer",
        is_task=True,
        due_on=timezone.localdate() - timedelta(days=1),
    )
    assert list(desk_cases(coordinator.member, DeskFilter(overdue=True))) == [late]
    case_move(actor=coordinator.member, case=late, status=Status.CLOSED, reason="no_answer")
    assert list(desk_cases(coordinator.member, DeskFilter(overdue=True))) == []
    assert 'class="overdue"' not in login(Client(), coordinator).get("/en/desk/").content.decode()


def test_a_checklist_template_becomes_tasks_in_the_members_language(
    coordinator: Persona, make_request: Callable[..., Accepted]
) -> None:
    case = _triaged(make_request, coordinator)
    keyring = keyring_of(coordinator)
    count = checklist_attach(
        actor=coordinator.member,
        keyring=keyring,
        case=case,
        checklist_id="generic",
        language="ru",
    )
    assert count == Note.objects.filter(case=case, is_task=True, checklist="generic").count() > 3
    opened = case_reveal(actor=coordinator.member, keyring=keyring, case=case, reason="checklist")
    # The generic checklist opens with the exit ban a summons in the register brings.
    assert opened.notes[0].text.startswith("Повестка в электронном реестре")
    with pytest.raises(CaseRefused, match="already"):
        checklist_attach(
            actor=coordinator.member,
            keyring=keyring,
            case=case,
            checklist_id="generic",
            language="en",
        )


def test_the_case_page_asks_for_a_reason_once_per_session(
    coordinator: Persona, make_request: Callable[..., Accepted]
) -> None:
    case = _triaged(make_request, coordinator)
    desk = login(Client(), coordinator)
    first = desk.get(f"/en/desk/{case.pk}/").content.decode()
    assert "Why do you need to read this?" in first and "@telegram_handle" not in first
    refused = desk.post(f"/en/desk/{case.pk}/notes/", {"text": "a note"})
    assert refused.status_code == 403
    assert "a note" in refused.content.decode(), "what the member typed is kept"
    assert (
        desk.post(
            f"/en/desk/{case.pk}/reveal/", {"reason": "calling them back", "scope": "full"}
        ).status_code
        == 200
    )
    again = desk.get(f"/en/desk/{case.pk}/").content.decode()
    assert "@telegram_handle" in again and "Why do you need to read this?" not in again
    # A new login asks again.
    fresh = login(Client(), coordinator).get(f"/en/desk/{case.pk}/").content.decode()
    assert "@telegram_handle" not in fresh


def test_a_counselor_works_only_on_the_case_shared_with_them(
    coordinator: Persona, counselor: Persona, make_request: Callable[..., Accepted]
) -> None:
    case = _triaged(make_request, coordinator)
    other = _triaged(make_request, coordinator)
    case_share(
        actor=coordinator.member,
        keyring=keyring_of(coordinator),
        case=case,
        member=counselor.member,
    )
    client = login(Client(), counselor)
    mine = client.get("/en/desk/mine/").content.decode()
    assert f"/en/desk/{case.pk}/" in mine and f"/en/desk/{other.pk}/" not in mine
    assert client.get(f"/en/desk/{other.pk}/").status_code == 404
    assert (
        client.post(
            f"/en/desk/{case.pk}/reveal/", {"reason": "first call", "scope": "full"}
        ).status_code
        == 200
    )
    assert client.post(f"/en/desk/{case.pk}/notes/", {"text": "Lawyer: Ani"}).status_code == 302
    answer = client.post(
        f"/en/desk/{case.pk}/move/", {"status": Status.IN_PROGRESS, "close_reason": ""}
    )
    assert answer.status_code == 302
    assert client.post(f"/en/desk/{case.pk}/triage/", {"decision": "spam"}).status_code == 403
    page = client.get(f"/en/desk/{case.pk}/").content.decode()
    assert "Lawyer: Ani" in page
    assert "Shred" not in page and "Share with" not in page


def test_a_bad_form_on_the_case_page_says_what_to_fix(
    coordinator: Persona, make_request: Callable[..., Accepted]
) -> None:
    case = make_request().case
    desk = login(Client(), coordinator)
    answer = desk.post(f"/en/desk/{case.pk}/triage/", {"decision": "duplicate"})
    assert answer.status_code == 400
    assert "Choose the request this one repeats." in answer.content.decode()
    russian = desk.post(f"/ru/desk/{case.pk}/triage/", {})
    assert russian.status_code == 400
    assert "Выберите" in russian.content.decode()


@pytest.mark.parametrize("role", [Role.COUNSELOR])
def test_an_unshared_counselor_finds_nothing(
    role: str, coordinator: Persona, make_request: Callable[..., Accepted]
) -> None:
    case = _triaged(make_request, coordinator)
    stranger = invite_member(coordinator, "stranger", role)
    client = login(Client(), stranger)
    for path in ("", "reveal/", "notes/", "messages/", "move/"):
        method = client.get if path == "" else client.post
        assert method(f"/en/desk/{case.pk}/{path}").status_code == 404, path
