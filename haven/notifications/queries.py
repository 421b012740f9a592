"""What the notifications page reads."""

from django.db.models import Count

from haven.accounts.models import Member
from haven.notifications.models import Cadence, Channel, Notice, Topic
from haven.notifications.services import DEFAULT_EVERY_MINUTES


def channel_of(member: Member) -> Channel | None:
    return Channel.objects.filter(member=member).first()


def waiting_for(member: Member) -> list[tuple[str, int]]:
    """How many notices of each topic wait to be sent to the member, with the topic's words."""
    rows = Notice.objects.filter(member=member).values("topic").annotate(n=Count("id"))
    return [(str(Topic(row["topic"]).label), row["n"]) for row in rows.order_by("topic")]


def every_minutes(organisation_id: int) -> int:
    cadence = Cadence.objects.filter(organisation_id=organisation_id).first()
    return cadence.every_minutes if cadence else DEFAULT_EVERY_MINUTES
