from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from haven.accounts.models import Member
from haven.knowledge.content import load_content, validate
from haven.knowledge.present import FIELD_LABELS
from haven.knowledge.queries import knowledge, publisher, review_queue
from haven.knowledge.seed import knowledge_load
from haven.knowledge.services import knowledge_editor_grant, knowledge_editor_revoke


class Command(BaseCommand):
    help = (
        "The knowledge base. `load` brings the tables up to the shipped files (adds what is "
        "missing, replaces facts nobody edited here, never overwrites an edit; migrate does it "
        "too); `check` checks the shipped files and the facts as edited against the content's "
        "rules; `stale` lists the review queue (facts not checked within "
        "HAVEN_KNOWLEDGE_STALE_DAYS, the most dangerous first, then the oldest); `editor HANDLE "
        "--by COORDINATOR` gives a member of the publishing organisation the knowledge-editor "
        "role (`--revoke` takes it away)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["load", "check", "stale", "editor"])
        parser.add_argument("handle", nargs="?", help="editor: the member to grant the role to")
        parser.add_argument("--by", help="editor: the coordinator who grants it (audited)")
        parser.add_argument("--revoke", action="store_true", help="editor: take the role away")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "load":
            loaded = knowledge_load()
            if loaded:
                self.stdout.write(f"Loaded {loaded} facts from the shipped files.")
            else:
                self.stdout.write("The knowledge base is up to date with the shipped files.")
        elif action == "check":
            problems = [f"shipped: {p}" for p in validate(load_content())]
            problems += [f"database: {p}" for p in validate(knowledge())]
            if problems:
                raise CommandError("\n".join(problems))
            self.stdout.write("The knowledge base keeps every rule.")
        elif action == "stale":
            self._stale()
        else:
            self._editor(options["handle"], options["by"], revoke=options["revoke"])

    def _stale(self) -> None:
        queue = review_queue()
        dangerous = sum(item.dangerous for item in queue)
        self.stdout.write(f"{len(queue)} facts wait for a check, {dangerous} about a danger.")
        for item in queue:
            self.stdout.write(
                f"{item.fact.country_id}  {item.fact.field:<18} danger {item.level:<7} "
                f"{item.age.grade:<6}  {item.age.words}  ({FIELD_LABELS[item.fact.field]})"
            )

    def _editor(self, handle: str | None, by: str | None, *, revoke: bool) -> None:
        if not handle or not by:
            raise CommandError("Name the member and the coordinator: editor HANDLE --by HANDLE.")
        members = {m.handle: m for m in Member.objects.filter(handle__in=[handle, by])}
        if handle not in members or by not in members:
            missing = handle if handle not in members else by
            raise CommandError(f"There is no member {missing!r}.")
        try:
            if revoke:
                knowledge_editor_revoke(actor=members[by], member=members[handle])
                self.stdout.write(f"{handle} no longer edits the knowledge base.")
                return
            knowledge_editor_grant(actor=members[by], member=members[handle])
        except PermissionError:
            home = publisher()
            raise CommandError(
                f"{by} is not a coordinator of the publishing organisation "
                f"({home.slug if home else 'none yet'})."
            ) from None
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(f"{handle} now verifies and edits the knowledge base.")
