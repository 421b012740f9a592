from django.db import models


class WeeklyRelease(models.Model):
    """One organisation's figures for one week that is over, with their noise, drawn once.

    It is also the privacy ledger: `epsilon` is what OpenDP's privacy map says each group of
    measures spent. Nothing reads the exact counts again once this row exists, so comparing two
    releases never gives a second look at the same week (haven.reports.release).
    """

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    week = models.DateField()
    # {country: {measure: noisy count}} for every listed country, zero or not.
    figures = models.JSONField()
    # {group: epsilon spent}
    epsilon = models.JSONField()
    published_hour = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "week"], name="one_release_per_week")
        ]

    def __str__(self) -> str:
        return f"release of {self.organisation_id} for the week of {self.week}"

    @property
    def epsilon_spent(self) -> float:
        return float(sum(self.epsilon.values()))


class Sharing(models.Model):
    """What an organisation lets the public see of its released figures. Both off until a
    coordinator turns them on."""

    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+", primary_key=True
    )
    # Its own public page for funders.
    public = models.BooleanField(default=False)
    # Counted in the network's public figures.
    network = models.BooleanField(default=False)
    changed_hour = models.DateTimeField()

    def __str__(self) -> str:
        return f"sharing of {self.organisation_id}"
