"""Notifications that carry no content: who wants them, where, and what is waiting to be told.

A notice row says only "this member has one more proposal (or message)": no case, no place, no
name. The worker sends a member at most one notification per cadence, with the counts alone, and
deletes the notices it told. A requester's ping channel says only "there is an answer for you".
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from haven.accounts.models import Member, Organisation
from haven.cases.models import Case


class Kind(models.TextChoices):
    EMAIL = "email", _("E-mail")
    MATRIX = "matrix", _("Matrix")


class Listener(models.Model):
    """What the worker's sending round needs of anyone it tells: their language, the off
    switch, when they were last told (the cadence) and the back-off after a failed send."""

    language = models.CharField(max_length=5, default="ru")
    enabled = models.BooleanField(default=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveSmallIntegerField(default=0)
    next_try_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class Channel(Listener):
    """Where one member is told: an e-mail address (sent by `haven worker`) or a Matrix id (sent
    by `haven bot`). The address is sealed under a key derived from the server's pepper, bound to
    the member, because the sender must open it with no member logged in."""

    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.EMAIL)
    address_sealed = models.BinaryField()

    def __str__(self) -> str:
        return f"{self.kind} channel of member {self.member_id}"


class Ping(Listener):
    """Where a requester asked to be pinged when there is an answer for them. The address is a
    secret box under its own random key, bound to the case, and that key is sealed to the
    install's ping key pair (HAVEN_PING_KEY), which the worker opens with nobody logged in. No
    member ever reads it. `waiting` counts what happened since the last ping."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="+")
    sealed_key = models.BinaryField()
    address_sealed = models.BinaryField()
    waiting = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["waiting"])]

    def __str__(self) -> str:
        return f"ping channel {self.pk}"


class Topic(models.TextChoices):
    PROPOSAL = "proposal", _("a guest proposed to you")
    MESSAGE = "message", _("a new message on a case of yours")


class Notice(models.Model):
    """One thing a member has not been told of yet; deleted once told."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    topic = models.CharField(max_length=10, choices=Topic.choices)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["member", "created_at"])]

    def __str__(self) -> str:
        return f"{self.topic} for member {self.member_id}"


class Cadence(models.Model):
    """How often an organisation's members may be told at most (the organisation's choice)."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="+")
    every_minutes = models.PositiveSmallIntegerField(default=15)

    def __str__(self) -> str:
        return f"every {self.every_minutes} min for organisation {self.organisation_id}"
