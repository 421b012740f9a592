"""Partners an organisation refers to, the referrals it sends, and the ones it receives.

A referral has one id on both sides. The sender keeps `Referral` (what was proposed, whether the
requester consented, where it went); the receiver keeps `Arrival` (the sealed package until a
coordinator answers, then the new case it became). Nothing here is personal data in plaintext:
reasons and notes are sealed, fields are named, never copied.
"""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Partner(models.Model):
    """An organisation this one refers to: on this install (`local`) or at another (`address`).

    Its keys are trusted once a coordinator compared the fingerprint out of band. A delivery signed
    with other keys is refused and the keys are kept as `offered_*`, until a coordinator compares
    and accepts the new fingerprint.
    """

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="partners"
    )
    name = models.CharField(max_length=120)
    local = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    address = models.CharField(max_length=200, blank=True)
    # What the partner offers (coarse): needs, countries and languages, as codes.
    needs = models.JSONField(default=list)
    countries = models.JSONField(default=list)
    languages = models.JSONField(default=list)
    signing_public = models.BinaryField(max_length=32)
    box_public = models.BinaryField(max_length=32)
    fingerprint = models.CharField(max_length=40)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        "accounts.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    offered_signing_public = models.BinaryField(max_length=32, null=True)
    offered_box_public = models.BinaryField(max_length=32, null=True)
    offered_fingerprint = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "local"],
                condition=models.Q(local__isnull=False),
                name="partner_local_once",
            ),
            models.UniqueConstraint(
                fields=["organisation", "address"],
                condition=~models.Q(address=""),
                name="partner_address_once",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None and not self.offered_fingerprint


class Identity(models.Model):
    """The public half of an organisation's signing key, so partners can be shown its
    fingerprint. Written when a coordinator first unlocks the organisation key for referrals."""

    organisation = models.OneToOneField(
        "accounts.Organisation", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    signing_public = models.BinaryField(max_length=32)
    box_public = models.BinaryField(max_length=32)
    fingerprint = models.CharField(max_length=40, db_index=True)

    def __str__(self) -> str:
        return f"identity of {self.organisation_id}"


class ReferralStatus(models.TextChoices):
    PROPOSED = "proposed", pgettext_lazy("referral status", "Waiting for the requester")
    REFUSED = "refused", pgettext_lazy("referral status", "Refused by the requester")
    SENDING = "sending", pgettext_lazy("referral status", "Being sent")
    SENT = "sent", pgettext_lazy("referral status", "Sent, waiting for an answer")
    ACCEPTED = "accepted", pgettext_lazy("referral status", "Accepted")
    DECLINED = "declined", pgettext_lazy("referral status", "Declined")


# The sealed fields a coordinator may choose to send, as the desk names them.
FIELD_LABELS = {
    "name": _("Name"),
    "contact": _("Contact"),
    "military_status": _("Military status"),
    "location_detail": _("Where exactly"),
    "story": _("Their story"),
    "for_counselor": _("For the counselor"),
}
# What a package may carry besides the sealed fields of the case.
THREAD = "thread"
DOCUMENTS = "documents"


class Referral(models.Model):
    """One case referred to one partner, on the sending side."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="referrals")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="referrals")
    status = models.CharField(max_length=16, choices=ReferralStatus.choices)
    # The names of the sealed fields chosen, and whether the thread and documents go along.
    fields = models.JSONField(default=list)
    with_thread = models.BooleanField(default=False)
    with_documents = models.BooleanField(default=False)
    # Why (sealed under the case's data key). An emergency reason goes without consent; it is also
    # sealed to the requester, who is shown it.
    reason = models.BinaryField(null=True)
    emergency = models.BooleanField(default=False)
    emergency_for_requester = models.BinaryField(null=True)
    proposed_by = models.ForeignKey("accounts.Member", on_delete=models.PROTECT, related_name="+")
    proposed_hour = models.DateTimeField()
    consent_hour = models.DateTimeField(null=True, blank=True)
    sent_hour = models.DateTimeField(null=True, blank=True)
    answered_hour = models.DateTimeField(null=True, blank=True)
    # The signed delivery, kept until the partner has it; the worker retries it with back-off.
    envelope = models.BinaryField(null=True)
    signature = models.BinaryField(null=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=40, blank=True)
    # The partner's fingerprint when it was sent, and its answer's note to the requester (sealed
    # to the requester's key by the partner: this side cannot read it).
    partner_fingerprint = models.CharField(max_length=40, blank=True)
    answer_for_requester = models.BinaryField(null=True)
    # For a partner on another install that accepted: the key its relayed messages are signed
    # with (named in its signed answer), and its thread key sealed to the requester.
    relay_public = models.BinaryField(max_length=32, null=True)
    thread_for_requester = models.BinaryField(null=True)
    # For a partner on another install: the seed of the key the requester's answers to it are
    # relayed with, its public half named in the signed referral. Like the partner's relay key,
    # a seized database can sign with it, but cannot make words the partner's thread key opens.
    reply_seed = models.BinaryField(null=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(envelope__isnull=False),
                name="referral_outbox",
            )
        ]

    def __str__(self) -> str:
        return f"referral {self.pk}"


class ArrivalStatus(models.TextChoices):
    RECEIVED = "received", pgettext_lazy("referral status", "Waiting for an answer")
    ACCEPTED = "accepted", pgettext_lazy("referral status", "Accepted")
    DECLINED = "declined", pgettext_lazy("referral status", "Declined")


class Arrival(models.Model):
    """A referral another organisation sent here. The package stays sealed to this organisation
    until a coordinator answers: accepting opens it into a new case of our own, under its own
    case key; declining destroys it."""

    id = models.UUIDField(primary_key=True, editable=False)
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="arrivals")
    status = models.CharField(max_length=16, choices=ArrivalStatus.choices)
    package = models.BinaryField(null=True)
    # What the delivery was, so a repeat is told apart from a replay with other content.
    digest = models.BinaryField(max_length=32)
    size = models.PositiveIntegerField()
    received_hour = models.DateTimeField()
    emergency = models.BooleanField(default=False)
    case = models.OneToOneField(
        "cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="arrival"
    )
    answered_by = models.ForeignKey(
        "accounts.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_hour = models.DateTimeField(null=True, blank=True)
    # The signed answer, kept until the sender has it.
    envelope = models.BinaryField(null=True)
    signature = models.BinaryField(null=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=40, blank=True)
    # For a sender on another install: the seed of the key our messages to the requester are
    # relayed with, and the number of the last message relayed. A seized database can sign a
    # relay with it, but cannot make a message the requester's thread key opens.
    relay_seed = models.BinaryField(null=True)
    relayed_number = models.PositiveIntegerField(default=0)
    # The key the requester's answers relayed from the sender's install are signed with, as the
    # signed referral named it.
    reply_public = models.BinaryField(max_length=32, null=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(envelope__isnull=False),
                name="arrival_outbox",
            )
        ]

    def __str__(self) -> str:
        return f"arrival {self.pk}"


class RelayedMessage(models.Model):
    """A message between the requester and a partner on another install, sealed under the
    partner's thread key, which only the requester opens here: the partner's volunteers' words
    relayed from there, or the requester's answer waiting to be relayed there (and kept after)."""

    id = models.UUIDField(primary_key=True, editable=False)
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="relayed")
    number = models.PositiveIntegerField()
    created_hour = models.CharField(max_length=40)
    body = models.BinaryField()
    from_requester = models.BooleanField(default=False)
    # A requester's answer the partner does not have yet.
    waiting = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"relayed message {self.pk}"


class Document(models.Model):
    """A document that came with a referral, sealed under the new case's data key in chunks
    (each fits a sealed field's largest bucket)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    number = models.PositiveSmallIntegerField()
    size = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"document {self.pk}"


class DocumentChunk(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="parts")
    number = models.PositiveSmallIntegerField()
    body = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="document_chunk_once")
        ]

    def __str__(self) -> str:
        return f"chunk {self.number} of {self.document_id}"


REFUSALS = {
    "malformed": _("The delivery is not a referral Haven can read."),
    "too-large": _("The delivery is larger than a referral may be."),
    "bad-signature": _("The signature does not match the delivery."),
    "unknown-sender": _("The sender is not a confirmed partner of the organisation addressed."),
    "key-changed": _(
        "The sender's keys changed; a coordinator here must compare and accept the new fingerprint."
    ),
    "wrong-fingerprint": _(
        "No organisation here has the fingerprint the delivery is addressed to."
    ),
    "replayed": _("A different delivery with this referral id was received before."),
    "unknown-referral": _("No referral with this id was sent to the organisation answering."),
    "busy": _("Too many deliveries were refused here in the last minute; try again later."),
}
