from django.apps import AppConfig


class VolunteersConfig(AppConfig):
    name = "haven.volunteers"
    label = "volunteers"
