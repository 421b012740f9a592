import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from haven.situation.scoring import Kind, Outcome, Queue, Review


class Direction(models.TextChoices):
    LEAVING = "out", _("Leaving Russia")
    ENTERING = "in", _("Entering Russia")


class CrossingReport(models.Model):
    """One report of what happened at a border crossing.

    Nothing in it says who sent it: no member, no case, no address, and both times rounded to the
    hour. Only the kind of reporter is kept, because the board weighs by it. A volunteer's note is
    sealed to their organisation.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    crossing = models.CharField(max_length=40)
    direction = models.CharField(max_length=3, choices=Direction.choices)
    queue = models.CharField(max_length=10, choices=[(q.value, q.value) for q in Queue])
    outcome = models.CharField(max_length=12, choices=[(o.value, o.value) for o in Outcome])
    questioned = models.BooleanField(default=False)
    phone_searched = models.BooleanField(default=False)
    summons = models.BooleanField(default=False)
    # When it happened, and when the report came in; both to the hour.
    hour = models.DateTimeField()
    received_hour = models.DateTimeField()
    kind = models.CharField(max_length=10, choices=[(k.value, k.value) for k in Kind])
    organisation = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The note's data key sealed to the organisation, and the note sealed under it.
    sealed_key = models.BinaryField(null=True)
    sealed_note = models.BinaryField(null=True)
    review = models.CharField(
        max_length=10, blank=True, default="", choices=[(r.value, r.value) for r in Review]
    )
    reviewed_hour = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["hour", "crossing", "direction"], name="situation_report_hour"),
        ]

    def __str__(self) -> str:
        return f"{self.crossing} {self.direction} {self.hour:%Y-%m-%d %H}:00"
