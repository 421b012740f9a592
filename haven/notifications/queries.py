"""What the notifications page reads."""

from uuid import UUID

from django.db.models import Count

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


def every_minutes(organisation_id: int) -> int:
    cadence = Cadence.objects.filter(organisation_id=organisation_id).first()
    return cadence.every_minutes if cadence else DEFAULT_EVERY_MINUTES
