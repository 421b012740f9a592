"""Every write of the notifications app, and the worker's sending round."""

import logging
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, mailers
from django.core.mail.backends.base import BaseEmailBackend
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from haven.accounts.models import Member
from haven.audit.services import audit_record
from haven.crypto.keys import derive_key
from haven.crypto.sealing import FieldSealer
from haven.notifications.models import Cadence, Channel, Kind, Notice, Topic
from haven.notifications.text import compose

logger = logging.getLogger(__name__)

DEFAULT_EVERY_MINUTES = 15
EVERY_MINUTES_RANGE = (1, 24 * 60)
# After a failed send: 1, 2, 4 … minutes, at most a day, until the mail server answers again.
FIRST_RETRY = timedelta(minutes=1)
LAST_RETRY = timedelta(days=1)
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


@transaction.atomic
def channel_set(*, actor: Member, address: str, language: str) -> Channel:
    """A member chooses where to be told (an e-mail address) and in which language."""
    address = address.strip()
    try:
        validate_email(address)
    except ValidationError:
        raise ValidationError(
            _("Enter an e-mail address such as name@example.org."), code="address"
        ) from None
    if language not in dict(settings.LANGUAGES):
        raise ValidationError(_("Choose a language from the list."), code="language")
    channel, _created = Channel.objects.update_or_create(
        member=actor,
        defaults={
            "kind": Kind.EMAIL,
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
        data={"kind": Kind.EMAIL},
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


@dataclass(frozen=True)
class Round:
    sent: int
    failed: int
    waiting: int


def _due(channel: Channel, every: dict[int, int], now: datetime) -> bool:
    minutes = every.get(channel.member.organisation_id, DEFAULT_EVERY_MINUTES)
    if channel.last_sent_at and channel.last_sent_at + timedelta(minutes=minutes) > now:
        return False
    return channel.next_try_at is None or channel.next_try_at <= now


def send_due(*, now: datetime | None = None) -> Round:
    """Tell every member whose cadence allows it what is waiting, as counts alone, one message
    each; retry a failed one later with back-off. Run by `haven worker`."""
    now = now or timezone.now()
    waiting = (
        Notice.objects.values("member_id").annotate(last=Max("id")).values_list("member_id", "last")
    )
    last_notice = dict(waiting)
    channels = Channel.objects.filter(
        member_id__in=last_notice, enabled=True, member__is_active=True
    ).select_related("member")
    every = dict(Cadence.objects.values_list("organisation_id", "every_minutes"))
    due = [channel for channel in channels if _due(channel, every, now)]
    sent = failed = 0
    if not due or not settings.HAVEN_SMTP_HOST:
        return Round(sent=0, failed=0, waiting=len(last_notice))
    connection = mailers.default
    try:
        connection.open()
    except (smtplib.SMTPException, OSError) as error:
        for channel in due:
            _failed(channel, now, error)
        return Round(sent=0, failed=len(due), waiting=len(last_notice))
    try:
        for channel in due:
            if _send(connection, channel, last_notice[channel.member_id]):
                sent += 1
                _told(channel, last_notice[channel.member_id], now)
            else:
                failed += 1
                _failed(channel, now, None)
    finally:
        connection.close()
    return Round(sent=sent, failed=failed, waiting=len(last_notice) - sent)


def _send(connection: BaseEmailBackend, channel: Channel, upto: int) -> bool:
    """Send one member the counts of their notices up to `upto`; False if the server refused."""
    counts = dict(
        Notice.objects.filter(member_id=channel.member_id, id__lte=upto)
        .values("topic")
        .annotate(n=Count("id"))
        .values_list("topic", "n")
    )
    with translation.override(channel.language):
        subject, body = compose(counts)
    message = EmailMessage(subject, body, settings.HAVEN_NOTIFY_FROM, [address_of(channel)])
    try:
        return connection.send_messages([message]) == 1
    except (smtplib.SMTPException, OSError):
        return False


@transaction.atomic
def _told(channel: Channel, upto: int, now: datetime) -> None:
    Notice.objects.filter(member_id=channel.member_id, id__lte=upto).delete()
    Channel.objects.filter(pk=channel.pk).update(last_sent_at=now, failures=0, next_try_at=None)


def _failed(channel: Channel, now: datetime, error: Exception | None) -> None:
    failures = channel.failures + 1
    wait = min(FIRST_RETRY * 2 ** (failures - 1), LAST_RETRY)
    Channel.objects.filter(pk=channel.pk).update(failures=failures, next_try_at=now + wait)
    # The error's text may name the address; the member's id is enough to find the row.
    logger.warning(
        "notification to member %s failed (%s); next try in %s",
        channel.member_id,
        type(error).__name__ if error else "refused",
        wait,
    )
