"""Every write of the notifications app, and the worker's sending round."""

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count, F, Max
from django.db.models.functions import Greatest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from haven.accounts.models import Member
from haven.audit.services import audit_record
from haven.cases.models import Case
from haven.crypto.keys import KeyPair, derive_key, key_pair_from_seed
from haven.crypto.sealing import FieldSealer, new_data_key, open_data_key, seal_data_key
from haven.notifications.models import Cadence, Channel, Kind, Notice, Ping, Topic
from haven.notifications.sending import Round, deliver, is_due, retry_later
from haven.notifications.text import compose, compose_ping

DEFAULT_EVERY_MINUTES = 15
EVERY_MINUTES_RANGE = (1, 24 * 60)
_ADDRESS = "address"


def _sealer(member_id: int) -> FieldSealer:
    """The worker tells members with nobody logged in, so the address cannot be sealed to the
    organisation; it is sealed under a key derived from the pepper, which the database does not
    hold, and bound to its member so a row moved to another member does not open."""
    key = derive_key(settings.HAVEN_PEPPER.encode(), purpose="notify-address")
    return FieldSealer(key, f"channel:{member_id}")


def address_of(channel: Channel) -> str:
    """The channel's address, opened for sending or for its own member's page."""
    return _sealer(channel.member_id).open(_ADDRESS, bytes(channel.address_sealed))


def clean_address(address: str) -> str:
    """An e-mail address as it will be used, or a ValidationError that says what to type."""
    address = address.strip()
    try:
        validate_email(address)
    except ValidationError:
        raise ValidationError(
            _("Enter an e-mail address such as name@example.org."), code="address"
        ) from None
    return address


# A Matrix user id as the spec allows it today: @localpart:server, the server a host name or
# address with an optional port; 255 characters at most.
_MATRIX_ID = re.compile(r"@[a-z0-9._=/+-]+:(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?")


def clean_matrix_id(address: str) -> str:
    """A Matrix user id as it will be used, or a ValidationError that says what to type."""
    address = address.strip()
    if len(address) > 255 or not _MATRIX_ID.fullmatch(address):
        raise ValidationError(_("Enter a Matrix id such as @name:example.org."), code="address")
    return address


def clean_channel(kind: str, address: str) -> str:
    """The address for a channel of this kind, checked as that kind needs."""
    if kind == Kind.MATRIX:
        return clean_matrix_id(address)
    if kind == Kind.EMAIL:
        return clean_address(address)
    raise ValidationError(_("Choose e-mail or Matrix."), code="kind")


def _clean_language(language: str) -> str:
    if language not in dict(settings.LANGUAGES):
        raise ValidationError(_("Choose a language from the list."), code="language")
    return language


@transaction.atomic
def channel_set(*, actor: Member, address: str, language: str, kind: str = Kind.EMAIL) -> Channel:
    """A member chooses where to be told (an e-mail address or a Matrix id) and in which
    language."""
    address = clean_channel(kind, address)
    language = _clean_language(language)
    channel, _created = Channel.objects.update_or_create(
        member=actor,
        defaults={
            "kind": kind,
            "address_sealed": _sealer(actor.pk).seal(_ADDRESS, address),
            "language": language,
            "enabled": True,
            "failures": 0,
            "next_try_at": None,
        },
    )
    audit_record(
        actor=actor,
        action="notify.channel-set",
        organisation=actor.organisation,
        target_type="member",
        target_id=str(actor.pk),
        data={"kind": kind},
    )
    return channel


@transaction.atomic
def channel_switch(*, actor: Member, enabled: bool) -> Channel:
    """The member's off switch (and back on). Off drops what was waiting to be told."""
    channel = Channel.objects.select_for_update().get(member=actor)
    channel.enabled = enabled
    channel.save(update_fields=["enabled"])
    if not enabled:
        Notice.objects.filter(member=actor).delete()
    audit_record(
        actor=actor,
        action="notify.on" if enabled else "notify.off",
        organisation=actor.organisation,
        target_type="member",
        target_id=str(actor.pk),
    )
    return channel


@transaction.atomic
def channel_remove(*, actor: Member) -> None:
    """Forget the member's address and everything waiting for them."""
    Channel.objects.filter(member=actor).delete()
    Notice.objects.filter(member=actor).delete()
    audit_record(
        actor=actor,
        action="notify.remove",
        organisation=actor.organisation,
        target_type="member",
        target_id=str(actor.pk),
    )


@transaction.atomic
def cadence_set(*, actor: Member, every_minutes: int) -> Cadence:
    """A coordinator sets how often the organisation's members may be told at most."""
    if not actor.is_coordinator:
        raise PermissionError("only coordinators set the organisation's cadence")
    low, high = EVERY_MINUTES_RANGE
    if not low <= every_minutes <= high:
        raise ValidationError(
            _("Choose between %(low)d and %(high)d minutes.") % {"low": low, "high": high},
            code="every_minutes",
        )
    cadence, _created = Cadence.objects.update_or_create(
        organisation_id=actor.organisation_id, defaults={"every_minutes": every_minutes}
    )
    audit_record(
        actor=actor,
        action="notify.cadence",
        organisation=actor.organisation,
        target_type="organisation",
        target_id=str(actor.organisation_id),
        data={"every_minutes": every_minutes},
    )
    return cadence


def notify(*, member_ids: Iterable[int], topic: Topic) -> None:
    """Note one more thing to tell each member who asked to be told; called inside the caller's
    transaction, so a notice exists exactly when what it tells of does."""
    ids = set(member_ids)
    if not ids:
        return
    listening = Channel.objects.filter(member_id__in=ids, enabled=True).values_list(
        "member_id", flat=True
    )
    now = timezone.now()
    Notice.objects.bulk_create(
        [Notice(member_id=member_id, topic=topic, created_at=now) for member_id in listening]
    )


def _due_channels(
    kind: str, now: datetime, organisation_id: int | None = None
) -> tuple[list[Channel], dict[int, int]]:
    """The channels of this kind (of one organisation's members, if given) whose cadence and
    back-off allow telling them now, and for every member with something waiting, the last
    notice's id (what a message tells up to)."""
    waiting = (
        Notice.objects.values("member_id").annotate(last=Max("id")).values_list("member_id", "last")
    )
    last_notice = dict(waiting)
    channels = Channel.objects.filter(
        member_id__in=last_notice, enabled=True, member__is_active=True, kind=kind
    ).select_related("member")
    if organisation_id is not None:
        channels = channels.filter(member__organisation_id=organisation_id)
    every = dict(Cadence.objects.values_list("organisation_id", "every_minutes"))
    due = [
        channel
        for channel in channels
        if is_due(channel, every.get(channel.member.organisation_id, DEFAULT_EVERY_MINUTES), now)
    ]
    return due, last_notice


def send_due(*, now: datetime | None = None) -> Round:
    """Tell every member with an e-mail channel whose cadence allows it what is waiting, as
    counts alone, one message each; retry a failed one later with back-off. Run by `haven
    worker`; the Matrix channels are told by `haven bot` (matrix_due, matrix_sent)."""
    now = now or timezone.now()
    due, last_notice = _due_channels(Kind.EMAIL, now)
    if not due or not settings.HAVEN_SMTP_HOST:
        return Round(sent=0, failed=0, waiting=len(last_notice))
    sent, failed = deliver(
        due,
        write=lambda channel: _counts_message(channel, last_notice[channel.member_id]),
        told=lambda channel: _told(channel, last_notice[channel.member_id], now),
        now=now,
    )
    return Round(sent=sent, failed=failed, waiting=len(last_notice) - sent)


def _counts_text(channel: Channel, upto: int) -> tuple[str, str]:
    """Subject and body telling one member the counts of their notices up to `upto`, in the
    channel's language."""
    counts = dict(
        Notice.objects.filter(member_id=channel.member_id, id__lte=upto)
        .values("topic")
        .annotate(n=Count("id"))
        .values_list("topic", "n")
    )
    with translation.override(channel.language):
        return compose(counts)


def _counts_message(channel: Channel, upto: int) -> EmailMessage:
    """One member's e-mail: the counts of their notices up to `upto`."""
    subject, body = _counts_text(channel, upto)
    return EmailMessage(subject, body, settings.HAVEN_NOTIFY_FROM, [address_of(channel)])


@dataclass(frozen=True)
class MatrixNotice:
    """One due Matrix notification: to whom, its words, and the notices it tells up to."""

    channel: Channel
    user_id: str
    text: str
    upto: int


def matrix_due(
    *, organisation_id: int | None = None, now: datetime | None = None
) -> list[MatrixNotice]:
    """The Matrix channels due now (the e-mail round's cadence and back-off), of one
    organisation's members if given, each with the e-mail's body as its text. Called by `haven
    bot`, which holds the logged-in Matrix client, for its organisation's members; it reports
    each one back through matrix_sent."""
    now = now or timezone.now()
    due, last_notice = _due_channels(Kind.MATRIX, now, organisation_id)
    notices = []
    for channel in due:
        upto = last_notice[channel.member_id]
        _subject, body = _counts_text(channel, upto)
        notices.append(MatrixNotice(channel, address_of(channel), body, upto))
    return notices


def matrix_sent(*, notice: MatrixNotice, delivered: bool, now: datetime | None = None) -> None:
    """The bot's report on one Matrix notification: told (its notices go), or failed (retried
    with the e-mail round's back-off)."""
    now = now or timezone.now()
    if delivered:
        _told(notice.channel, notice.upto, now)
    else:
        retry_later(notice.channel, now, None)


@transaction.atomic
def _told(channel: Channel, upto: int, now: datetime) -> None:
    Notice.objects.filter(member_id=channel.member_id, id__lte=upto).delete()
    Channel.objects.filter(pk=channel.pk).update(last_sent_at=now, failures=0, next_try_at=None)


# Requesters' pings.


def _ping_keys() -> KeyPair:
    """The install's ping key pair, made from HAVEN_PING_KEY (its own secret, not the pepper)."""
    return key_pair_from_seed(derive_key(settings.HAVEN_PING_KEY.encode(), purpose="ping-key"))


def _ping_sealer(data_key: bytes, case_id: uuid.UUID) -> FieldSealer:
    return FieldSealer(data_key, f"ping:{case_id}")


def sealed_ping(*, case_id: uuid.UUID, address: str, language: str) -> Ping:
    """A ping row (not saved) with the address sealed: to a fresh key, bound to the case, and
    that key sealed to the install's ping public key: sealing uses only the public half."""
    data_key = new_data_key()
    return Ping(
        case_id=case_id,
        sealed_key=seal_data_key(data_key, to_public=_ping_keys().public),
        address_sealed=_ping_sealer(data_key, case_id).seal(_ADDRESS, clean_address(address)),
        language=_clean_language(language),
    )


def ping_address_of(ping: Ping) -> str:
    """The address a ping goes to: only the worker's sending round opens it."""
    data_key = open_data_key(bytes(ping.sealed_key), with_private=_ping_keys().private)
    return _ping_sealer(data_key, ping.case_id).open(_ADDRESS, bytes(ping.address_sealed))


def _requester_audit(case: Case, action: str) -> None:
    audit_record(
        actor=None,
        action=action,
        organisation=case.organisation,
        target_type="case",
        target_id=str(case.pk),
    )


@transaction.atomic
def ping_set(*, case: Case, address: str, language: str) -> Ping:
    """The logged-in requester leaves (or changes) the address for "there is an answer" pings;
    the pings are on from then."""
    ping = sealed_ping(case_id=case.pk, address=address, language=language)
    if case.shredded:
        raise ValidationError(_("This request was shredded; nothing can be added to it."))
    Ping.objects.filter(case_id=case.pk).delete()
    ping.save(force_insert=True)
    _requester_audit(case, "ping.set")
    return ping


@transaction.atomic
def ping_switch(*, case: Case, enabled: bool) -> bool:
    """The requester's off switch (and back on); off drops what waited. False if no address."""
    changes: dict[str, object] = {"enabled": enabled}
    if not enabled:
        changes["waiting"] = 0
    if not Ping.objects.filter(case_id=case.pk).update(**changes):
        return False
    _requester_audit(case, "ping.on" if enabled else "ping.off")
    return True


@transaction.atomic
def ping_remove(*, case: Case) -> None:
    """Forget the requester's ping address."""
    Ping.objects.filter(case_id=case.pk).delete()
    _requester_audit(case, "ping.remove")


def ping_requester(*, case_id: uuid.UUID) -> None:
    """Note that there is something new for the requester to see; called inside the caller's
    transaction by whatever a member did that the requester's pages show. One UPDATE, nothing
    when the requester left no address."""
    Ping.objects.filter(case_id=case_id, enabled=True).update(waiting=F("waiting") + 1)


def send_pings(*, now: datetime | None = None) -> Round:
    """Ping every requester with something waiting whose organisation's cadence allows it, one
    message each with no content; retry a failed one later with back-off. Run by `haven
    worker`, with the members' round."""
    now = now or timezone.now()
    waiting = list(
        Ping.objects.filter(enabled=True, waiting__gt=0, case__shredded_hour__isnull=True).annotate(
            organisation_id=F("case__organisation_id")
        )
    )
    every = dict(Cadence.objects.values_list("organisation_id", "every_minutes"))
    due = [
        ping
        for ping in waiting
        if is_due(ping, every.get(ping.organisation_id, DEFAULT_EVERY_MINUTES), now)
    ]
    if not due or not settings.HAVEN_SMTP_HOST:
        return Round(sent=0, failed=0, waiting=len(waiting))
    sent, failed = deliver(due, write=_ping_message, told=lambda ping: _pinged(ping, now), now=now)
    return Round(sent=sent, failed=failed, waiting=len(waiting) - sent)


def _ping_message(ping: Ping) -> EmailMessage:
    with translation.override(ping.language):
        subject, body = compose_ping(status_address(ping.language))
    return EmailMessage(subject, body, settings.HAVEN_NOTIFY_FROM, [ping_address_of(ping)])


def status_address(language: str) -> str:
    """Where a ping sends the requester: the install's status page in their language."""
    base = settings.HAVEN_STATUS_ADDRESS
    return f"{base}/{language}/status/" if base else ""


def _pinged(ping: Ping, now: datetime) -> None:
    # Less what was told, not to zero: what a member did meanwhile waits for the next ping.
    Ping.objects.filter(pk=ping.pk).update(
        waiting=Greatest(F("waiting") - ping.waiting, 0),
        last_sent_at=now,
        failures=0,
        next_try_at=None,
    )
