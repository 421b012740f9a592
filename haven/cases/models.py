import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Need(models.TextChoices):
    SHELTER = "shelter", _("A place to stay")
    LEGAL = "legal", _("Legal or asylum advice")
    ROUTE = "route", _("A route or transport")
    MONEY = "money", _("Money for tickets or food")
    MEDICAL = "medical", _("Medical help")
    TALK = "talk", _("Someone to talk to")


class Status(models.TextChoices):
    NEW = "new", pgettext_lazy("case status", "New")
    TRIAGED = "triaged", pgettext_lazy("case status", "Triaged")
    IN_PROGRESS = "in_progress", pgettext_lazy("case status", "In progress")
    WAITING = "waiting", pgettext_lazy("case status", "Waiting for the requester")
    RESOLVED = "resolved", pgettext_lazy("case status", "Resolved")
    CLOSED = "closed", pgettext_lazy("case status", "Closed")


class Urgency(models.IntegerChoices):
    ONE = 1, _("Within a month")
    TWO = 2, _("Within two weeks")
    THREE = 3, _("Within a week")
    FOUR = 4, _("Within two days")
    FIVE = 5, _("Today: nowhere safe to sleep tonight")


class MilitaryStatus(models.TextChoices):
    NOT_CALLED = "not_called", _("Not called up yet")
    CALLED_UP = "called_up", _("Received a call-up paper")
    MOBILISED = "mobilised", _("Mobilised")
    CONTRACT = "contract", _("Contract soldier")
    DESERTER = "deserter", _("Left the army without permission")
    OBJECTOR = "objector", _("Conscientious objector")
    OTHER = "other", _("Other, or I prefer not to say")


# The sealed fields of a case, in the order the desk shows them. The military status is sealed too:
# "deserter, in Almaty" is exactly what must not sit in plaintext.
SEALED_FIELDS = ("name", "contact", "military_status", "location_detail", "story", "for_counselor")


class Case(models.Model):
    """A request for help and, once triaged, the case built on it.

    Coarse columns (plaintext) are enough to triage, match and count and never identify anyone on
    their own. Sealed columns hold ciphertext under this case's data key, which is itself sealed to
    the organisation's public key (`sealed_key`); clearing `sealed_key` shreds the case.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="cases"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW)

    # Coarse.
    country = models.CharField(max_length=2)
    place = models.CharField(max_length=40)
    need_shelter = models.BooleanField(default=False)
    need_legal = models.BooleanField(default=False)
    need_route = models.BooleanField(default=False)
    need_money = models.BooleanField(default=False)
    need_medical = models.BooleanField(default=False)
    need_talk = models.BooleanField(default=False)
    group_size = models.PositiveSmallIntegerField()
    languages = models.JSONField(default=list)
    urgency = models.PositiveSmallIntegerField(choices=Urgency.choices)
    date_from = models.DateField()
    date_until = models.DateField(null=True)
    created_hour = models.DateTimeField()
    updated_hour = models.DateTimeField()

    # Keys and look-ups.
    sealed_key = models.BinaryField(null=True)
    requester_public_key = models.BinaryField(max_length=32)
    codename_digest = models.BinaryField(max_length=32, unique=True)
    submission_digest = models.BinaryField(max_length=32, unique=True)
    content_digest = models.BinaryField(max_length=32)

    # Sealed.
    name_sealed = models.BinaryField(null=True)
    contact_sealed = models.BinaryField(null=True)
    military_status_sealed = models.BinaryField(null=True)
    location_detail_sealed = models.BinaryField(null=True)
    story_sealed = models.BinaryField(null=True)
    for_counselor_sealed = models.BinaryField(null=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["organisation", "status", "-urgency", "created_hour"], name="case_desk"
            ),
            models.Index(
                fields=["organisation", "country", "-urgency", "created_hour"],
                name="case_desk_country",
            ),
        ]

    def __str__(self) -> str:
        return f"case {self.pk}"

    @property
    def needs(self) -> list[str]:
        return [need for need in Need.values if getattr(self, f"need_{need}")]

    @property
    def shredded(self) -> bool:
        return not self.sealed_key
