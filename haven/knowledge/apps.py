from django.apps import AppConfig
from django.db.models.signals import post_migrate


class KnowledgeConfig(AppConfig):
    name = "haven.knowledge"
    label = "knowledge"

    def ready(self) -> None:
        from haven.core.authz import ROLE_CHECKS, Who
        from haven.knowledge.queries import is_editor
        from haven.knowledge.seed import seed_after_migrate

        # Who may keep the shared knowledge is this app's to say; the middleware asks it.
        ROLE_CHECKS[Who.KNOWLEDGE_EDITOR] = is_editor
        # Like Django's content types: every migrate (and every test flush) finds the shipped
        # knowledge in place when the tables are empty, and never overwrites an edit.
        post_migrate.connect(seed_after_migrate, sender=self)
