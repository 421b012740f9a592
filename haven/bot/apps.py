from django.apps import AppConfig


class BotConfig(AppConfig):
    name = "haven.bot"
    label = "bot"
    default_auto_field = "django.db.models.BigAutoField"
