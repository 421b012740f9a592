"""Reads of the message threads that open nothing."""

from haven.cases.models import Case
from haven.messaging.models import Message


def volunteers_wrote_after(case: Case, number: int) -> bool:
    """Whether a volunteer's message numbered above `number` is on the case: coarse, unopened."""
    return Message.objects.filter(case=case, from_requester=False, number__gt=number).exists()
