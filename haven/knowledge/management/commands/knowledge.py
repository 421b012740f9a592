from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from haven.knowledge.content import load_content, validate
from haven.knowledge.queries import knowledge
from haven.knowledge.seed import knowledge_load


class Command(BaseCommand):
    help = (
        "The knowledge base. `load` fills empty tables from the shipped files (it never "
        "overwrites an edit; migrate does it too); `check` checks the shipped files and the "
        "facts as edited against the content's rules."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["load", "check"])

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "load":
            loaded = knowledge_load()
            if loaded:
                self.stdout.write(f"Loaded {loaded} facts from the shipped files.")
            else:
                self.stdout.write("The knowledge base already holds facts; nothing was loaded.")
            return
        problems = [f"shipped: {p}" for p in validate(load_content())]
        problems += [f"database: {p}" for p in validate(knowledge())]
        if problems:
            raise CommandError("\n".join(problems))
        self.stdout.write("The knowledge base keeps every rule.")
