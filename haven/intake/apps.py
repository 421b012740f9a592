from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "haven.intake"
    label = "intake"
