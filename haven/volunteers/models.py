"""The volunteer network: who applied, who vouched, who offers what, and which placements hosts
were asked to take. Coarse columns say what and where; contacts, addresses and free text are
sealed to the organisation like a case's."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Offering(models.TextChoices):
    BEDS = "beds", _("Beds")
    LEGAL = "legal", _("Legal or asylum counseling")
    PSYCHOLOGICAL = "psychological", _("Psychological support")
    MEDICAL = "medical", _("Medical help")
    TRANSPORT = "transport", _("Transport")
    TRANSLATION = "translation", _("Translation")
    MONEY = "money", _("Money")


class ApplicationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for vouches and approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Not accepted")


class Application(models.Model):
    """Someone who wants to help, before the network trusts them. They have no account."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="applications"
    )
    status = models.CharField(
        max_length=12, choices=ApplicationStatus.choices, default=ApplicationStatus.PENDING
    )
    offerings = models.JSONField(default=list)
    country = models.CharField(max_length=2)
    place = models.CharField(max_length=40)
    languages = models.JSONField(default=list)
    created_hour = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        "accounts.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The applicant hands this code to the members who know them; they vouch by typing it, so a
    # voucher never needs to read the applicant's sealed name. Only a digest is stored.
    code_digest = models.BinaryField(max_length=32, unique=True)
    sealed_key = models.BinaryField()
    name_sealed = models.BinaryField(null=True)
    contact_sealed = models.BinaryField(null=True)
    about_sealed = models.BinaryField(null=True)

    class Meta:
        indexes = [models.Index(fields=["organisation", "status", "created_hour"], name="app_desk")]

    def __str__(self) -> str:
        return f"application #{self.pk}"


class Vouch(models.Model):
    """A vetted member's word for an applicant, with how they know them (sealed)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="vouches")
    voucher = models.ForeignKey(
        "accounts.Member", on_delete=models.PROTECT, related_name="vouches_given"
    )
    created_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    sealed_key = models.BinaryField()
    how_known_sealed = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["application", "voucher"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="one_live_vouch_per_voucher",
            )
        ]

    def __str__(self) -> str:
        return f"vouch by {self.voucher_id} for application {self.application_id}"


class MemberReport(models.Model):
    """Any member's report about another; only coordinators read it."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    reporter = models.ForeignKey("accounts.Member", on_delete=models.PROTECT, related_name="+")
    subject = models.ForeignKey(
        "accounts.Member", on_delete=models.PROTECT, related_name="reports_about"
    )
    created_at = models.DateTimeField()
    sealed_key = models.BinaryField()
    text_sealed = models.BinaryField()

    def __str__(self) -> str:
        return f"report #{self.pk}"


class Accepts(models.TextChoices):
    FAMILIES = "families", _("Families")
    WOMEN = "women", _("Women")
    CHILDREN = "children", _("Children")
    PETS = "pets", _("Pets")
    STEP_FREE = "step_free", _("Step-free access")


class BedOffer(models.Model):
    """Beds a host offers in one city for one date range. The exact address is sealed, and goes
    to a requester only through escrow."""

    member = models.ForeignKey("accounts.Member", on_delete=models.CASCADE, related_name="beds")
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    country = models.CharField(max_length=2)
    place = models.CharField(max_length=40)
    capacity = models.PositiveSmallIntegerField()
    available_from = models.DateField()
    available_until = models.DateField()
    languages = models.JSONField(default=list)
    accepts = models.JSONField(default=list)
    paused = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    sealed_key = models.BinaryField()
    # The same data key sealed to the host, who can read their offer back and escrow the address.
    host_sealed_key = models.BinaryField()
    address_sealed = models.BinaryField(null=True)
    contact_sealed = models.BinaryField(null=True)
    rules_sealed = models.BinaryField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "country", "paused"], name="bed_region"),
        ]

    def __str__(self) -> str:
        return f"{self.capacity} beds in {self.place}"


class Mode(models.TextChoices):
    REMOTE = "remote", _("Remote")
    IN_PERSON = "in_person", _("In person")
    BOTH = "both", _("Remote or in person")


class CounselingOffer(models.Model):
    """What a counselor can help with, in which languages and countries, and how often."""

    member = models.ForeignKey(
        "accounts.Member", on_delete=models.CASCADE, related_name="counseling"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    topics = models.JSONField(default=list)
    languages = models.JSONField(default=list)
    countries = models.JSONField(default=list)
    weekly_capacity = models.PositiveSmallIntegerField()
    mode = models.CharField(max_length=10, choices=Mode.choices)
    place = models.CharField(max_length=40, blank=True)
    paused = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"counseling by {self.member_id}"


class TransportOffer(models.Model):
    """A drive on one day from one place to another, with free seats."""

    member = models.ForeignKey(
        "accounts.Member", on_delete=models.CASCADE, related_name="transport"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    origin = models.CharField(max_length=40)
    destination = models.CharField(max_length=40)
    seats = models.PositiveSmallIntegerField()
    date = models.DateField()
    paused = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.seats} seats {self.origin} → {self.destination}"


class Decision(models.TextChoices):
    """Where a placement is in its life; docs/placements.md draws the diagram."""

    PROPOSED = "proposed", _("Waiting for the host")
    ACCEPTED = "accepted", _("Accepted by the host")
    DECLINED = "declined", _("Declined by the host")
    CHECKED_IN = "checked_in", _("Checked in")
    CHECKED_OUT = "checked_out", _("Checked out")
    WITHDRAWN = "withdrawn", _("Withdrawn by a coordinator")
    EXPIRED = "expired", _("Expired: the host did not answer in time")


# A placement in one of these states holds its beds for its stay; every other state has ended.
LIVE = (Decision.PROPOSED, Decision.ACCEPTED, Decision.CHECKED_IN)


class Placement(models.Model):
    """A coordinator's confirmed match of a case to a bed offer, put to the host.

    Until the host accepts, the host sees the group's coarse profile and the requester sees the
    city and dates. On acceptance the address is re-sealed to the requester. A live placement
    holds `people` beds of its offer from `stay_from` to `stay_until`; once it ends (declined,
    withdrawn, expired, checked out) the beds are free again.
    """

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="placements")
    offer = models.ForeignKey(BedOffer, on_delete=models.PROTECT, related_name="placements")
    people = models.PositiveSmallIntegerField()
    confirmed_by = models.ForeignKey("accounts.Member", on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField()
    decision = models.CharField(max_length=12, choices=Decision.choices, default=Decision.PROPOSED)
    decided_at = models.DateTimeField(null=True, blank=True)
    # The nights the beds are held: within the offer's dates, from the group's first day.
    stay_from = models.DateField()
    stay_until = models.DateField()
    checked_in_at = models.DateTimeField(null=True, blank=True)
    # When it was checked out, withdrawn or expired.
    ended_at = models.DateTimeField(null=True, blank=True)
    # The host's address and contact, sealed to the requester's public key, once the host accepts.
    address_for_requester = models.BinaryField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(decision__in=["proposed", "accepted", "checked_in"]),
                name="one_live_placement_per_case",
            )
        ]
        indexes = [
            models.Index(
                fields=["decision", "confirmed_at"],
                condition=models.Q(decision="proposed"),
                name="placement_waiting",
            )
        ]

    def __str__(self) -> str:
        return f"placement of {self.case_id} with offer {self.offer_id}"

    @property
    def live(self) -> bool:
        return self.decision in LIVE
