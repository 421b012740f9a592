"""Messages between a requester and the volunteers on their case, sealed under the case's thread
key. Volunteers open that key with the case's data key; the requester with the key their codename
gives, which exists only while they are logged in."""

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.accounts.models import Member, Role
from haven.accounts.unlock import Keyring
from haven.audit.services import audit_record, to_the_hour
from haven.cases.access import CaseRefused, RevealRefused, case_key, may_work_on, shredded_message
from haven.cases.lifecycle import case_move
from haven.cases.models import ENDED, Case, Status
from haven.crypto import CryptoError
from haven.crypto.keys import keyed_digest, open_sealed
from haven.crypto.sealing import (
    FieldSealer,
    new_data_key,
    seal_data_key,
    unwrap_key,
    wrap_key,
)
from haven.messaging.models import Message
from haven.notifications.models import Topic
from haven.notifications.services import notify, ping_requester

MAX_TEXT = 4000


@dataclass(frozen=True)
class OpenMessage:
    message: Message
    text: str


def _thread_key_for_staff(keyring: Keyring, case: Case) -> bytes:
    """Open the case's thread key; make one first if the case has none (made before threads)."""
    data_key = case_key(keyring, case)
    if case.thread_key_staff:
        try:
            return unwrap_key(bytes(case.thread_key_staff), under=data_key)
        except CryptoError:
            raise RevealRefused(
                _("This case's messages do not open: they may have been altered. Tell an admin.")
            ) from None
    thread_key = new_data_key()
    case.thread_key_staff = wrap_key(thread_key, under=data_key)
    case.thread_key_requester = seal_data_key(
        thread_key, to_public=bytes(case.requester_public_key)
    )
    Case.objects.filter(pk=case.pk).update(
        thread_key_staff=case.thread_key_staff, thread_key_requester=case.thread_key_requester
    )
    return thread_key


def _thread_key_for_requester(case: Case, requester_private: bytes) -> bytes:
    if case.shredded or not case.thread_key_requester:
        raise RevealRefused(_("No messages can be read on this request."))
    try:
        return open_sealed(requester_private, bytes(case.thread_key_requester))
    except CryptoError:
        raise RevealRefused(_("Your codename does not open this request's messages.")) from None


def _store(
    *,
    case: Case,
    thread_key: bytes,
    author: Member | None,
    text: str,
    photo: bytes | None,
    sent_as: bytes | None = None,
) -> Message:
    last = Message.objects.filter(case=case).aggregate(last=Max("number"))["last"]
    message = Message(
        case=case,
        from_requester=author is None,
        author=author,
        number=(last or 0) + 1,
        created_hour=to_the_hour(timezone.now()),
        sent_as=sent_as,
    )
    sealer = FieldSealer(thread_key, str(message.pk))
    message.body = sealer.seal("body", text) if text else None
    if photo is not None:
        message.photo = sealer.seal("photo", base64.b64encode(photo).decode("ascii"))
        message.has_photo = True
    message.save(force_insert=True)
    return message


@transaction.atomic
def message_to_requester(
    *, actor: Member, keyring: Keyring, case: Case, text: str, wait_for_answer: bool = False
) -> Message:
    """A member writes to the requester; optionally the case then waits for their answer."""
    if not may_work_on(actor, case):
        raise PermissionError("only coordinators and counselors it is shared with write")
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.shredded:
        raise CaseRefused(shredded_message())
    if case.status == Status.NEW:
        raise CaseRefused(_("Triage this request before writing to the requester."))
    thread_key = _thread_key_for_staff(keyring, case)
    message = _store(case=case, thread_key=thread_key, author=actor, text=text, photo=None)
    audit_record(
        actor=actor,
        action="message.send",
        organisation=case.organisation,
        target_type="case",
        target_id=str(case.pk),
        data={"number": message.number},
    )
    ping_requester(case_id=case.pk)
    if wait_for_answer and case.status != Status.WAITING and case.can_move_to(Status.WAITING):
        case_move(actor=actor, case=case, status=Status.WAITING)
    return message


class SentBefore(Exception):
    """A retry names a message sent before under the same Idempotency-Key with other words."""


def sent_as(case: Case, idempotency_key: str) -> bytes:
    """What a message sent under an Idempotency-Key is found by: a keyed digest, never the key."""
    return keyed_digest(
        f"{case.pk}\x00{idempotency_key}".encode(),
        key=settings.HAVEN_PEPPER.encode(),
        purpose="message-sent-as",
    )


@dataclass(frozen=True)
class Sent:
    message: Message
    repeated: bool = False


def message_from_requester(
    *, case: Case, requester_private: bytes, text: str, photo: bytes | None = None
) -> Message:
    """The logged-in requester answers; a case waiting for them goes back to the volunteers."""
    return requester_sends(
        case=case, requester_private=requester_private, text=text, photo=photo
    ).message


@transaction.atomic
def requester_sends(
    *,
    case: Case,
    requester_private: bytes,
    text: str,
    photo: bytes | None = None,
    idempotency_key: str = "",
) -> Sent:
    """Store the requester's message. With an idempotency key (the API's), the same message sent
    again is found, not stored twice; the same key with other words raises SentBefore."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.shredded:
        raise CaseRefused(shredded_message())
    thread_key = _thread_key_for_requester(case, requester_private)
    digest = sent_as(case, idempotency_key) if idempotency_key else None
    if digest is not None:
        earlier = Message.objects.filter(case=case, sent_as=digest).first()
        if earlier is not None:
            if _open_all([earlier], thread_key)[0].text != text:
                raise SentBefore
            return Sent(earlier, repeated=True)
    if case.status == Status.CLOSED:
        raise CaseRefused(_("This request is closed. If you still need help, send a new request."))
    message = _store(
        case=case, thread_key=thread_key, author=None, text=text, photo=photo, sent_as=digest
    )
    _requester_wrote(case, numbers=[message.number], photo=photo is not None)
    return Sent(message)


@transaction.atomic
def requester_relayed(*, case: Case, messages: Sequence[tuple[UUID, bytes]]) -> int:
    """Take the requester's messages as another install relays them, already sealed under this
    case's thread key (the requester opened it there with the codename); a message already here
    is not taken twice. Return how many were new."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.shredded:
        raise CaseRefused(shredded_message())
    if case.status == Status.CLOSED:
        raise CaseRefused(_("This request is closed. If you still need help, send a new request."))
    known = set(
        Message.objects.filter(pk__in=[pk for pk, _body in messages]).values_list("pk", flat=True)
    )
    last = Message.objects.filter(case=case).aggregate(last=Max("number"))["last"] or 0
    fresh = [
        Message(
            id=pk,
            case=case,
            from_requester=True,
            number=last + offset,
            created_hour=to_the_hour(timezone.now()),
            body=body,
        )
        for offset, (pk, body) in enumerate(
            [(pk, body) for pk, body in messages if pk not in known and body], start=1
        )
    ]
    if not fresh:
        return 0
    Message.objects.bulk_create(fresh)
    _requester_wrote(case, numbers=[message.number for message in fresh], photo=False)
    return len(fresh)


def _requester_wrote(case: Case, *, numbers: list[int], photo: bool) -> None:
    """What a requester's message does to its case: marked unread, audited, the members told,
    and a case waiting for them or ended back with the volunteers."""
    Case.objects.filter(pk=case.pk).update(
        requester_wrote=True, updated_hour=to_the_hour(timezone.now())
    )
    for number in numbers:
        audit_record(
            actor=None,
            action="message.receive",
            organisation=case.organisation,
            target_type="case",
            target_id=str(case.pk),
            data={"number": number, "photo": photo},
        )
    notify(member_ids=_told_of_messages(case), topic=Topic.MESSAGE)
    if case.status in (Status.WAITING, *ENDED):
        case_move(actor=None, case=case, status=Status.IN_PROGRESS)


def _told_of_messages(case: Case) -> list[int]:
    """Who hears of a requester's message: the members the case is shared with, and the
    organisation's coordinators when it is shared with nobody yet."""
    shared = list(
        case.shares.filter(
            unshared_at__isnull=True, sealed_key__isnull=False, member__is_active=True
        ).values_list("member_id", flat=True)
    )
    if shared:
        return shared
    return list(
        Member.objects.filter(
            organisation_id=case.organisation_id, role=Role.COORDINATOR, is_active=True
        ).values_list("pk", flat=True)
    )


def _open_all(messages: list[Message], thread_key: bytes) -> list[OpenMessage]:
    try:
        return [
            OpenMessage(
                message,
                FieldSealer(thread_key, str(message.pk)).open("body", bytes(message.body))
                if message.body
                else "",
            )
            for message in messages
        ]
    except CryptoError:
        raise RevealRefused(
            _("This case's messages do not open: they may have been altered. Tell an admin.")
        ) from None


def thread_for_staff(*, keyring: Keyring, case: Case) -> list[OpenMessage]:
    """The whole thread, opened; the requester's messages count as read from now on.

    Called only after `case_reveal` has recorded this member's reading of the case.
    """
    messages = list(Message.objects.filter(case=case).select_related("author").order_by("number"))
    if not messages:
        return []
    opened = _open_all(messages, _thread_key_for_staff(keyring, case))
    Message.objects.filter(case=case, from_requester=True, read=False).update(read=True)
    Case.objects.filter(pk=case.pk, requester_wrote=True).update(requester_wrote=False)
    return opened


def thread_for_requester(*, case: Case, requester_private: bytes) -> list[OpenMessage]:
    """The thread as the logged-in requester sees it; the volunteers' messages count as read."""
    messages = list(Message.objects.filter(case=case).order_by("number"))
    if not messages:
        return []
    opened = _open_all(messages, _thread_key_for_requester(case, requester_private))
    Message.objects.filter(case=case, from_requester=False, read=False).update(read=True)
    return opened


def unread_for_requester(case: Case) -> int:
    """How many of the volunteers' messages the requester has not opened: a count, no content."""
    return Message.objects.filter(case=case, from_requester=False, read=False).count()


def photo_for_staff(*, keyring: Keyring, message: Message) -> bytes:
    return _open_photo(message, _thread_key_for_staff(keyring, message.case))


def photo_for_requester(*, message: Message, requester_private: bytes) -> bytes:
    return _open_photo(message, _thread_key_for_requester(message.case, requester_private))


def _open_photo(message: Message, thread_key: bytes) -> bytes:
    if not message.photo:
        raise RevealRefused(_("This photo was shredded."))
    try:
        encoded = FieldSealer(thread_key, str(message.pk)).open("photo", bytes(message.photo))
    except CryptoError:
        raise RevealRefused(_("This photo does not open: it may have been altered.")) from None
    return base64.b64decode(encoded)
