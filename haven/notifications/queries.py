"""What the notifications page reads."""

from datetime import datetime, timedelta
from uuid import UUID

from django.db.models import Count, Min
from django.utils import timezone

from haven.accounts.models import Member
from haven.notifications.models import Cadence, Channel, Notice, Ping, Topic
from haven.notifications.services import DEFAULT_EVERY_MINUTES


def channel_of(member: Member) -> Channel | None:
    return Channel.objects.filter(member=member).first()


def ping_of(case_id: UUID) -> Ping | None:
    """The requester's ping channel, if they left one (its address stays sealed)."""
    return Ping.objects.filter(case_id=case_id).first()


def waiting_for(member: Member) -> list[tuple[str, int]]:
    """How many notices of each topic wait to be sent to the member, with the topic's words."""
    rows = Notice.objects.filter(member=member).values("topic").annotate(n=Count("id"))
    return [(str(Topic(row["topic"]).label), row["n"]) for row in rows.order_by("topic")]


# How long past the cadence a notice may wait before the page says it is not going out: a round
# that runs each minute, a back-off try, a slow homeserver all fit well inside it.
OVERDUE_GRACE = timedelta(minutes=30)


def _overdue_before(organisation_id: int, now: datetime) -> datetime:
    """A notice made before this has waited longer than the cadence and the grace allow."""
    return now - timedelta(minutes=every_minutes(organisation_id)) - OVERDUE_GRACE


def overdue_minutes(member: Member, now: datetime | None = None) -> int | None:
    """How many minutes the member's oldest notice has waited, when that is longer than the
    organisation's cadence (and a grace) allows on a channel that is on; else None.

    Nothing else tells a member that the worker (e-mail) or the bot (Matrix) is not sending: a
    notice that nobody sends waits without a sound, and they would go on waiting for it.
    """
    channel = channel_of(member)
    if channel is None or not channel.enabled:
        return None
    oldest = Notice.objects.filter(member=member).aggregate(oldest=Min("created_at"))["oldest"]
    now = now or timezone.now()
    if oldest is None or oldest >= _overdue_before(member.organisation_id, now):
        return None
    return int((now - oldest).total_seconds() // 60)


def overdue_by_kind(organisation_id: int, now: datetime | None = None) -> dict[str, int]:
    """How many of the organisation's members, per kind of channel that is on, have a notice
    waiting past the cadence and the grace: for coordinators, who can start what is not sending."""
    members = (
        Notice.objects.filter(member__organisation_id=organisation_id)
        .values("member_id")
        .annotate(oldest=Min("created_at"))
        .filter(oldest__lt=_overdue_before(organisation_id, now or timezone.now()))
        .values("member_id")
    )
    # A suspended member is told nothing on purpose (as the rounds skip them): not a delay.
    rows = (
        Channel.objects.filter(member_id__in=members, enabled=True, member__is_active=True)
        .values("kind")
        .annotate(n=Count("id"))
    )
    return {row["kind"]: row["n"] for row in rows}


def every_minutes(organisation_id: int) -> int:
    cadence = Cadence.objects.filter(organisation_id=organisation_id).first()
    return cadence.every_minutes if cadence else DEFAULT_EVERY_MINUTES
