from django.db import models


class RateCounter(models.Model):
    """How many times something keyed by a digest happened in one fixed window."""

    key = models.BinaryField(max_length=32)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window_start"], name="rate_counter_window")
        ]
        indexes = [models.Index(fields=["window_start"], name="rate_counter_age")]

    def __str__(self) -> str:
        return f"{self.count} since {self.window_start:%H:%M}"


class ScheduledJob(models.Model):
    """A recurring job of `haven worker`. A worker claims a due job with one conditional UPDATE,
    so any number of workers run each job once per interval."""

    name = models.CharField(max_length=40, unique=True)
    next_run_at = models.DateTimeField()
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_result = models.JSONField(default=dict)

    def __str__(self) -> str:
        return self.name
