from django.apps import AppConfig


class OpsConfig(AppConfig):
    """What runs the apps together: the demo network, the worker's jobs, serving."""

    name = "haven.ops"
    label = "ops"
