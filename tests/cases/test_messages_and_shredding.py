"""Two-way sealed messages, photos without metadata, reveal limits, retention and "forget me"."""

import contextlib
import io
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from PIL import Image

from haven.accounts.organisations import organisation_configure
from haven.accounts.unlock import Keyring, Locked
from haven.cases.access import RevealRefused, case_key
from haven.cases.lifecycle import case_move, case_triage
from haven.cases.models import Case, CaseSeal, CaseShare, Note, RevealHold, Status
from haven.cases.notes import note_add
from haven.cases.retention import shred_due
from haven.cases.reveal import case_reveal, reveal_hold_approve
from haven.cases.sharing import case_share
from haven.crypto import CryptoError
from haven.crypto.codenames import requester_key_pair
from haven.crypto.keys import open_sealed
from haven.crypto.sealing import FieldSealer, open_data_key
from haven.intake.services import Accepted
from haven.messaging.models import Message
from haven.messaging.photos import PhotoRefused, clean_photo
from haven.messaging.services import (
    message_from_requester,
    message_to_requester,
    thread_for_requester,
    thread_for_staff,
    unread_for_requester,
)
from tests.conftest import Persona, invite_member, keyring_of, login, small_jpeg, stored


def _triaged(make_request: Callable[..., Accepted], coordinator: Persona) -> Accepted:
    accepted = make_request()
    case_triage(actor=coordinator.member, case=accepted.case, decision="accept")
    accepted.case.refresh_from_db()
    return accepted


def _requester(codename: str) -> Client:
    client = Client()
    assert client.post("/en/status/", {"codename": codename}).status_code == 302
    return client


def test_a_message_is_sealed_to_the_requester_and_opens_only_with_their_codename(
    coordinator: Persona, make_request: Callable[..., Accepted]
) -> None:
    accepted = _triaged(make_request, coordinator)
    case = accepted.case
    message_to_requester(
        actor=coordinator.member,
        keyring=keyring_of(coordinator),
        case=case,
        text="Can you come to Almaty on Friday?",
        wait_for_answer=True,
    )
    case.refresh_from_db()
    assert case.status == Status.WAITING
    assert b"Almaty" not in stored(Message.objects.get(case=case).body)
    assert unread_for_requester(case) == 1
    other = make_request(contact="@other")
    with pytest.raises(RevealRefused):
        thread_for_requester(
            case=case, requester_private=requester_key_pair(other.codename).private
        )
    private = requester_key_pair(accepted.codename).private
    [opened] = thread_for_requester(case=case, requester_private=private)
    assert opened.text == "Can you come to Almaty on Friday?"
    assert unread_for_requester(case) == 0
    message_from_requester(case=case, requester_private=private, text="Yes, by train.")
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS, "an answer puts the case back with the volunteers"
    assert case.requester_wrote
    staff_view = thread_for_staff(keyring=keyring_of(coordinator), case=case)
    assert [item.text for item in staff_view] == [
        "Can you come to Almaty on Friday?",
        "Yes, by train.",
    ]
    case.refresh_from_db()
    assert not case.requester_wrote


def test_the_status_page_says_there_is_a_message_and_nothing_of_it(
    coordinator: Persona, make_request: Callable[..., Accepted]
) -> None:
    accepted = _triaged(make_request, coordinator)
    message_to_requester(
        actor=coordinator.member,
        keyring=keyring_of(coordinator),
        case=accepted.case,
        text="A bed is free in Yerevan",
    )
    client = _requester(accepted.codename)
    status = client.get("/en/status/").content.decode()
    assert "1 new message from the volunteers." in status
    assert "Yerevan" not in status
    inbox = client.get("/en/status/messages/").content.decode()
    assert "A bed is free in Yerevan" in inbox
    assert "new message" not in client.get("/en/status/").content.decode()
    russian = client.get("/ru/status/messages/").content.decode()
    assert "Написать волонтёрам" in russian


def test_the_requester_answers_with_a_photo_stripped_of_its_metadata(
    coordinator: Persona, make_request: Callable[..., Accepted]
) -> None:
    accepted = _triaged(make_request, coordinator)
    client = _requester(accepted.codename)
    photo = SimpleUploadedFile("p.jpg", small_jpeg(camera="PhoneCam"), "image/jpeg")
    answer = client.post("/en/status/messages/", {"text": "my passport", "photo": photo})
    assert answer.status_code == 302
    message = Message.objects.get(case=accepted.case)
    assert message.has_photo and b"PhoneCam" not in stored(message.photo)
    desk = login(Client(), coordinator)
    desk.post(
        f"/en/desk/{accepted.case.pk}/reveal/", {"reason": "reading the passport", "scope": "full"}
    )
    served = desk.get(f"/en/desk/{accepted.case.pk}/messages/{message.pk}/photo/")
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert served["Cache-Control"] == "no-store"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in served["Content-Security-Policy"]
    data = served.content
    assert b"PhoneCam" not in data and b"Exif" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (64, 48)
        assert not image.getexif()
    own = client.get(f"/en/status/messages/{message.pk}/photo/")
    assert own.status_code == 200 and own.content == data
    assert own["Cache-Control"] == "no-store"


def test_a_bad_file_is_refused_and_the_text_is_kept(
    coordinator: Persona, make_request: Callable[..., Accepted]
) -> None:
    accepted = _triaged(make_request, coordinator)
    client = _requester(accepted.codename)
    fake = SimpleUploadedFile("p.jpg", b"not an image at all", "image/jpeg")
    answer = client.post("/ru/status/messages/", {"text": "мой паспорт", "photo": fake})
    assert answer.status_code == 400
    page = answer.content.decode()
    assert "мой паспорт" in page
    assert "не фотография" in page
    empty = client.post("/en/status/messages/", {"text": "  "})
    assert empty.status_code == 400
    assert "Write a message or choose a photo." in empty.content.decode()
    assert not Message.objects.filter(case=accepted.case).exists()


def test_an_answer_written_after_the_login_ended_is_shown_back_not_lost(
    coordinator: Persona, make_request: Callable[..., Accepted]
) -> None:
    accepted = _triaged(make_request, coordinator)
    client = _requester(accepted.codename)
    session = client.session
    session["haven.requester-since"] = 0
    session.save()
    answer = client.post("/ru/status/messages/", {"text": "Длинный ответ про паспорт"})
    assert answer.status_code == 401
    page = answer.content.decode()
    assert "Длинный ответ про паспорт" in page and "не было отправлено" in page
    assert not Message.objects.filter(case=accepted.case).exists()


def test_clean_photo_turns_and_shrinks_and_refuses_what_is_not_a_photo() -> None:
    big = small_jpeg(size=(4000, 3000))
    with Image.open(io.BytesIO(clean_photo(big))) as image:
        assert max(image.size) == 2000
    with pytest.raises(PhotoRefused):
        clean_photo(b"GIF89a" + b"\x00" * 20)
    with pytest.raises(PhotoRefused, match="too large"):
        clean_photo(b"\xff" * (9 * 1024 * 1024))


def test_too_many_reveals_in_an_hour_wait_for_a_second_coordinator(
    coordinator: Persona, make_request: Callable[..., Accepted]
) -> None:
    organisation_configure(organisation=coordinator.member.organisation, reveals_per_hour=2)
    cases = [_triaged(make_request, coordinator).case for _ in range(4)]
    second = invite_member(coordinator, "vera", "coordinator", established=True)
    keyring = keyring_of(coordinator)
    member = coordinator.member
    for case in cases[:2]:
        case_reveal(actor=member, keyring=keyring, case=case, reason="working the queue")
    # Opening one of them again is no new reveal.
    case_reveal(actor=member, keyring=keyring, case=cases[0], reason="working the queue")
    with pytest.raises(RevealRefused, match="2 cases within an hour"):
        case_reveal(actor=member, keyring=keyring, case=cases[2], reason="working the queue")
    hold = RevealHold.objects.get(member=member)
    with pytest.raises(RevealRefused, match="Another coordinator"):
        case_reveal(actor=member, keyring=keyring, case=cases[3], reason="working the queue")
    desk = login(Client(), second)
    listing = desk.get("/en/desk/").content.decode()
    assert "anna opened 2 cases within an hour" in listing
    with pytest.raises(PermissionError):
        reveal_hold_approve(actor=member, hold=hold)
    assert desk.post(f"/en/desk/holds/{hold.pk}/approve/").status_code == 302
    hold.refresh_from_db()
    assert hold.approved_by == second.member
    case_reveal(actor=member, keyring=keyring, case=cases[2], reason="working the queue")


def test_the_case_page_shows_who_read_it(
    coordinator: Persona, counselor: Persona, make_request: Callable[..., Accepted]
) -> None:
    case = _triaged(make_request, coordinator).case
    case_share(
        actor=coordinator.member,
        keyring=keyring_of(coordinator),
        case=case,
        member=counselor.member,
    )
    case_reveal(
        actor=counselor.member,
        keyring=keyring_of(counselor),
        case=case,
        reason="first counselling call",
    )
    page = login(Client(), coordinator).get(f"/en/desk/{case.pk}/").content.decode()
    assert "boris" in page and "opened the sealed details, giving a reason" in page


def _everything_sealed(accepted: Accepted, coordinator: Persona, counselor: Persona) -> Case:
    case = accepted.case
    keyring = keyring_of(coordinator)
    case_share(actor=coordinator.member, keyring=keyring, case=case, member=counselor.member)
    note_add(actor=counselor.member, keyring=keyring_of(counselor), case=case, text="ShredNote")
    message_to_requester(actor=coordinator.member, keyring=keyring, case=case, text="ShredOut")
    message_from_requester(
        case=case,
        requester_private=requester_key_pair(accepted.codename).private,
        text="ShredIn",
        photo=small_jpeg(),
    )
    case.refresh_from_db()
    return case


def _try_every_key(case: Case, codename: str, keyrings: list[Keyring]) -> list[str]:
    """Every way anyone holding every key might open what was sealed: what opened."""
    case = Case.objects.get(pk=case.pk)
    candidates: list[bytes] = []

    def attempt(opener: Callable[[], bytes]) -> None:
        with contextlib.suppress(CryptoError, RevealRefused, Locked, ValueError, TypeError):
            candidates.append(opener())

    for keyring in keyrings:
        attempt(lambda keyring=keyring: case_key(keyring, case))  # type: ignore[misc]
        for sealed in (case.sealed_key, case.thread_key_requester):
            attempt(
                lambda keyring=keyring, sealed=sealed: open_data_key(  # type: ignore[misc]
                    bytes(sealed or b""), with_private=keyring.organisation_private_key()
                )
            )
        for share in CaseShare.objects.filter(case=case):
            attempt(
                lambda keyring=keyring, share=share: keyring.open_shared_key(  # type: ignore[misc]
                    bytes(share.sealed_key or b"")
                )
            )
    attempt(
        lambda: open_sealed(
            requester_key_pair(codename).private, bytes(case.thread_key_requester or b"")
        )
    )
    seal = CaseSeal.objects.filter(case=case).first()
    records: list[tuple[str, str, object]] = []
    if seal is not None:
        records.append((str(case.pk), "story", seal.story))
    records += [(str(note.pk), "body", note.body) for note in Note.objects.filter(case=case)]
    for message in Message.objects.filter(case=case):
        records += [(str(message.pk), "body", message.body)]
        records += [(str(message.pk), "photo", message.photo)]
    opened = []
    for key in candidates:
        for record_id, field, ciphertext in records:
            if ciphertext:
                with contextlib.suppress(CryptoError):
                    opened.append(FieldSealer(key, record_id).open(field, stored(ciphertext)))
    return opened


def test_retention_shreds_ended_cases_so_no_key_opens_them(
    coordinator: Persona, counselor: Persona, make_request: Callable[..., Accepted]
) -> None:
    accepted = _triaged(make_request, coordinator)
    kept = _triaged(make_request, coordinator).case
    case = _everything_sealed(accepted, coordinator, counselor)
    keyrings = [keyring_of(coordinator), keyring_of(counselor)]
    assert "ShredNote" in _try_every_key(case, accepted.codename, keyrings), "the probe works"
    case_move(actor=coordinator.member, case=case, status=Status.RESOLVED)
    case_move(actor=coordinator.member, case=kept, status=Status.RESOLVED)
    Case.objects.filter(pk=case.pk).update(ended_hour=timezone.now() - timedelta(days=91))
    Case.objects.filter(pk=kept.pk).update(ended_hour=timezone.now() - timedelta(days=89))
    call_command("shred", "--due")
    case.refresh_from_db()
    kept.refresh_from_db()
    assert case.shredded and case.shredded_hour is not None
    assert not kept.shredded
    assert (case.country, case.group_size, case.status) == ("KZ", 1, Status.RESOLVED)
    assert _try_every_key(case, accepted.codename, keyrings) == []
    assert _requester_login_fails(accepted.codename)
    assert shred_due() == 0


def _requester_login_fails(codename: str) -> bool:
    answer = Client().post("/en/status/", {"codename": codename})
    return answer.status_code == 400 and "No request has this codename" in answer.content.decode()


def test_the_requester_forgets_their_own_case_with_the_codename(
    coordinator: Persona, counselor: Persona, make_request: Callable[..., Accepted]
) -> None:
    accepted = _triaged(make_request, coordinator)
    case = _everything_sealed(accepted, coordinator, counselor)
    client = _requester(accepted.codename)
    assert "Forget my request" in client.get("/en/status/").content.decode()
    wrong = client.post("/en/status/forget/", {"codename": "wrong words " * 3})
    assert wrong.status_code == 400
    assert "These are not the words of this request." in wrong.content.decode()
    assert not Case.objects.get(pk=case.pk).shredded
    done = client.post("/en/status/forget/", {"codename": accepted.codename.upper()})
    assert done.status_code == 200 and "Your request is forgotten" in done.content.decode()
    case.refresh_from_db()
    assert case.shredded and case.status == Status.CLOSED
    assert case.close_reason == "forgotten"
    keyrings = [keyring_of(coordinator), keyring_of(counselor)]
    assert _try_every_key(case, accepted.codename, keyrings) == []
    assert _requester_login_fails(accepted.codename)
    assert client.get("/en/status/").status_code == 200  # logged out, back to the login form
    page = login(Client(), coordinator).get(f"/en/desk/{case.pk}/").content.decode()
    assert "This case was shredded" in page


def test_the_worker_runs_shredding_daily(
    coordinator: Persona, make_request: Callable[..., Accepted]
) -> None:
    from haven.ops.worker import JOBS

    job = next(job for job in JOBS if job.name == "shred-due")
    assert job.every == timedelta(days=1)
    case = _triaged(make_request, coordinator).case
    case_move(actor=coordinator.member, case=case, status=Status.RESOLVED)
    Case.objects.filter(pk=case.pk).update(ended_hour=timezone.now() - timedelta(days=100))
    assert job.run() == {"shredded": 1}


REQUESTER_SEES: dict[str, str] = {
    Status.NEW: "Volunteers have not looked at it yet.",
    Status.TRIAGED: "A coordinator has read it and is looking for the right help.",
    Status.IN_PROGRESS: "Volunteers are working on it.",
    Status.WAITING: "Volunteers are waiting for an answer from you.",
    Status.RESOLVED: "If you still need help, write to them in your messages.",
    Status.CLOSED: "This request is closed. If you need help again, send a new request.",
}


@pytest.mark.parametrize("status", list(REQUESTER_SEES))
def test_the_requester_sees_where_the_case_stands_and_nothing_sealed(
    status: str, coordinator: Persona, make_request: Callable[..., Accepted]
) -> None:
    accepted = make_request(story="SealedStoryText")
    Case.objects.filter(pk=accepted.case.pk).update(status=status)
    page = _requester(accepted.codename).get("/en/status/").content.decode()
    assert REQUESTER_SEES[status] in page
    assert "SealedStoryText" not in page and "@telegram_handle" not in page


def test_a_requester_whose_duplicate_was_closed_is_told_where_the_answers_go(
    coordinator: Persona, make_request: Callable[..., Accepted]
) -> None:
    first = make_request().case
    second = make_request(contact="@second")
    case_triage(
        actor=coordinator.member, case=second.case, decision="duplicate", duplicate_of=first
    )
    page = _requester(second.codename).get("/en/status/").content.decode()
    assert "it repeats another request we have from you" in page
