from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "haven.notifications"
    default_auto_field = "django.db.models.BigAutoField"
