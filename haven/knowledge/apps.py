from django.apps import AppConfig
from django.db.models.signals import post_migrate


class KnowledgeConfig(AppConfig):
    name = "haven.knowledge"
    label = "knowledge"

    def ready(self) -> None:
        from haven.knowledge.seed import seed_after_migrate

        # Like Django's content types: every migrate (and every test flush) finds the shipped
        # knowledge in place when the tables are empty, and never overwrites an edit.
        post_migrate.connect(seed_after_migrate, sender=self)
