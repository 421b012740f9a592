import uuid

from django.db import models


class Message(models.Model):
    """One message between a requester and the volunteers on their case.

    The text and any photo are sealed under the case's thread key, which the requester opens with
    the key their codename gives and the volunteers with the case's data key. Who wrote, in which
    order and whether it was read are coarse; the hour is rounded like every timestamp.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="messages")
    from_requester = models.BooleanField()
    author = models.ForeignKey(
        "accounts.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    number = models.PositiveIntegerField()
    created_hour = models.DateTimeField()
    # The other side has opened it: the requester (for a member's message) or any member.
    read = models.BooleanField(default=False)
    body = models.BinaryField(null=True)
    photo = models.BinaryField(null=True)
    has_photo = models.BooleanField(default=False)
    # A requester's message sent through the API with an Idempotency-Key: a keyed digest of the
    # case and the key, so a retry whose answer was lost finds the message instead of a second one.
    sent_as = models.BinaryField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="message_number_once"),
            models.UniqueConstraint(
                fields=["case", "sent_as"],
                condition=models.Q(sent_as__isnull=False),
                name="message_sent_once",
            ),
        ]

    def __str__(self) -> str:
        return f"message {self.pk}"
