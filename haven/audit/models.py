from django.conf import settings
from django.db import models


class Event(models.Model):
    """One append-only, hash-chained record of a write or a reveal.

    `data` holds coarse values only; free text a member typed (a reveal's reason) is sealed to the
    organisation in `sealed_note`. Database triggers refuse UPDATE and DELETE.
    """

    # Numbered by the service while it holds the chain's lock, so the hash can cover the number.
    id = models.BigIntegerField(primary_key=True)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", null=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=64)
    target_type = models.CharField(max_length=32, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict)
    sealed_note = models.BinaryField(null=True)
    previous_hash = models.BinaryField(max_length=32)
    hash = models.BinaryField(max_length=32)

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "action", "at"], name="audit_org_action_at"),
            models.Index(fields=["target_type", "target_id"], name="audit_target"),
            models.Index(fields=["actor", "action", "at"], name="audit_actor_action_at"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action}"


class ChainHead(models.Model):
    """The chain's last link: locked while appending, and proof against cutting off the tail."""

    last_event_id = models.BigIntegerField(default=0)
    last_hash = models.BinaryField(max_length=32)

    def __str__(self) -> str:
        return f"chain head at #{self.last_event_id}"


class Pending(models.Model):
    """An anonymous event recorded in its write's transaction but not yet linked into the chain.

    Intake in a surge writes these instead of taking the chain's lock for every request; the worker
    (and any member's audited write) links them into the chain in order, in batches, and deletes
    them. Until then they are covered by nothing but the database's own protections.
    """

    at = models.DateTimeField()
    organisation = models.ForeignKey(
        "accounts.Organisation", null=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=64)
    target_type = models.CharField(max_length=32, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"pending {self.action}"
