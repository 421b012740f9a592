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
