from django.apps import AppConfig


class SituationConfig(AppConfig):
    name = "haven.situation"
    label = "situation"
