from django.db import models


class RegionVersion(models.Model):
    """Bumped by every write that changes one organisation's free beds in one country, so each
    web process knows when its cached suggestion index has gone stale."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    country = models.CharField(max_length=2)
    version = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "country"], name="one_version_a_region")
        ]

    def __str__(self) -> str:
        return f"{self.country} v{self.version}"


class MatchRun(models.Model):
    """What a scheduled optimiser run over an organisation's whole network found: the surge
    signal on the desk. It stores counts only; proposals are made again when a coordinator asks."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    ran_at = models.DateTimeField()
    open_cases = models.PositiveIntegerField()
    people_placed = models.PositiveIntegerField()
    urgent_people = models.PositiveIntegerField()
    urgent_placed = models.PositiveIntegerField()
    urgent_unplaced = models.JSONField(default=dict)
    seconds = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=["organisation", "-ran_at"], name="match_run_latest")]

    def __str__(self) -> str:
        return f"match run {self.ran_at:%Y-%m-%d %H:%M}"


class PotentialsRun(models.Model):
    """The newest pricing of one organisation's free beds (the worker's "potentials" job): when it
    ran and over how many groups. Its OfferPotential rows are replaced with it, in one transaction.
    """

    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    computed_at = models.DateTimeField()
    waiting = models.PositiveIntegerField()
    forecast = models.PositiveIntegerField()
    offers_priced = models.PositiveIntegerField()
    seconds = models.FloatField()

    def __str__(self) -> str:
        return f"potentials {self.computed_at:%Y-%m-%d %H:%M}"


class OfferPotential(models.Model):
    """What one bed at an offer is worth to the groups that wait and are expected (the engine's
    potential, per person in its VALUE_SCALE units). Counts and prices only, no one's data; an
    offer without a row is priced 0."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    offer = models.OneToOneField("volunteers.BedOffer", on_delete=models.CASCADE, related_name="+")
    potential = models.PositiveIntegerField()
    computed_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["organisation"], name="offer_potential_organisation")]

    def __str__(self) -> str:
        return f"offer {self.offer_id}: {self.potential}"
