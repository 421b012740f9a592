from django.apps import AppConfig


class BenchConfig(AppConfig):
    """Holds the `haven bench` command; no models."""

    name = "haven.bench"
    label = "bench"
