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
