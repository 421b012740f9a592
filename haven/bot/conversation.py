"""The bot's conversation: the web form's request, asked one question at a time.

Nothing here knows Matrix. The Matrix side (haven.bot.matrix) hands in who wrote and what, and
sends back the replies; so the whole conversation is tested without a homeserver too.

The questions of the request live in haven.bot.questions, the commands in haven.bot.commands and
the words said at any step in haven.bot.replies; this module takes each message in and hands it to
them.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from haven.accounts.models import Organisation
from haven.bot.commands import run_command
from haven.bot.questions import STEPS, choose_language
from haven.bot.replies import Reply, encrypted_refused, files_refused, in_language, needs_question
from haven.bot.services import State, conversation_load, conversation_save, lookup_of
from haven.cases.access import CaseRefused, RevealRefused
from haven.cases.models import Case
from haven.core.ratelimit import Budget
from haven.messaging.queries import volunteers_wrote_after
from haven.messaging.services import MAX_TEXT, SentBefore, requester_sends, thread_for_requester

_MINUTE = timedelta(minutes=1)


@dataclass
class Outcome:
    replies: list[Reply] = field(default_factory=list)
    # Events of the bot's own to delete from the room (the codename, once written down).
    redact: list[str] = field(default_factory=list)


class FrontDoor:
    """One organisation's front door: answers each message, keeps each person's state sealed."""

    def __init__(self, *, organisation: Organisation) -> None:
        self.organisation = organisation
        # Who was told of their flood in which minute, by the digest of their account, so the
        # bot answers a flood once, not once per message.
        self._told_of_flood: dict[bytes, int] = {}

    # What comes in

    def receive(self, *, user_id: str, text: str, event_id: str) -> Outcome:
        """Answer one text message from a person."""
        outcome = Outcome()
        state = conversation_load(user_id=user_id)
        if state is not None and state.codename_event:
            outcome.redact.append(state.codename_event)
            state.codename_event = ""
            conversation_save(user_id=user_id, state=state)
        language = state.language if state is not None and state.language else ""
        with translation.override(language or "ru"):
            refusal = self._refusal(user_id, text, language)
            if refusal is not None:
                if refusal:
                    outcome.replies.append(Reply(refusal))
                return outcome
            outcome.replies.extend(self._answer(user_id, state, text.strip(), event_id))
        return outcome

    def attachment(self, *, user_id: str) -> list[Reply]:
        """A file, photo, voice message or anything else that is not text."""
        state = conversation_load(user_id=user_id)
        language = state.language if state is not None and state.language else ""
        with translation.override(language or "ru"):
            refusal = self._refusal(user_id, "", language)
            if refusal is not None:
                return [Reply(refusal)] if refusal else []
            return [Reply(in_language(files_refused, language))]

    def unreadable(self, *, user_id: str) -> list[Reply]:
        """An end-to-end encrypted message the bot has no key for."""
        state = conversation_load(user_id=user_id)
        language = state.language if state is not None and state.language else ""
        with translation.override(language or "ru"):
            if self._refusal(user_id, "", language) is not None:
                return []
            return [Reply(in_language(encrypted_refused, language))]

    def codename_shown(self, *, user_id: str, event_id: str) -> None:
        """Remember the event that showed the codename, to delete it at the next message."""
        state = conversation_load(user_id=user_id)
        if state is not None:
            state.codename_event = event_id
            conversation_save(user_id=user_id, state=state)

    # What goes out without being asked

    def news(self, *, user_id: str) -> tuple[list[Reply], int]:
        """The volunteers' messages not yet passed on to this person, and the last one's number
        (to hand to `news_delivered` once they are sent)."""
        state = conversation_load(user_id=user_id)
        if state is None or not state.linked:
            return [], 0
        case = Case.objects.filter(pk=state.case_id).first()
        if case is None or case.shredded or not volunteers_wrote_after(case, state.relayed):
            return [], 0
        with translation.override(state.language or "ru"):
            try:
                thread = thread_for_requester(
                    case=case, requester_private=bytes.fromhex(state.requester_private)
                )
            except RevealRefused:
                return [], 0
            new = [
                opened
                for opened in thread
                if not opened.message.from_requester and opened.message.number > state.relayed
            ]
            replies = [
                Reply(_("From the volunteers:") + "\n\n" + opened.text)
                for opened in new
                if opened.text
            ]
        return replies, max((opened.message.number for opened in new), default=0)

    def news_delivered(self, *, user_id: str, number: int) -> None:
        """The volunteers' messages up to `number` reached the person."""
        state = conversation_load(user_id=user_id)
        if state is not None and number > state.relayed:
            state.relayed = number
            conversation_save(user_id=user_id, state=state)

    # Within the conversation

    def _refusal(self, user_id: str, text: str, language: str) -> str | None:
        """Why this message is not taken: a flood, or too long. "" means say nothing more."""
        lookup = lookup_of(user_id)
        budget = Budget("bot-messages", settings.HAVEN_BOT_MESSAGES_PER_MINUTE, window=_MINUTE)
        minute = int(timezone.now().timestamp() // 60)
        if budget.exhausted(lookup):
            if self._told_of_flood.get(lookup) == minute:
                return ""
            if len(self._told_of_flood) > 10_000:
                self._told_of_flood.clear()
            self._told_of_flood[lookup] = minute
            budget.refusing()
            limit = settings.HAVEN_BOT_MESSAGES_PER_MINUTE

            def flood() -> str:
                return _(
                    "You are sending messages faster than I can take them (%(limit)d a minute). "
                    "I did not keep what you sent from this one on: wait a minute, then send it "
                    "again."
                ) % {"limit": limit}

            return in_language(flood, language)
        budget.spend(lookup)
        if len(text) > MAX_TEXT:

            def too_long() -> str:
                return _(
                    "Your message has %(length)d characters; I take at most %(limit)d. I kept "
                    "none of it: send it again in shorter parts."
                ) % {"length": len(text), "limit": MAX_TEXT}

            return in_language(too_long, language)
        return None

    def _answer(self, user_id: str, state: State | None, text: str, event_id: str) -> list[Reply]:
        if text.startswith("/"):
            return run_command(self.organisation, user_id, state, text)
        if state is None or state.step == "language":
            return choose_language(user_id, state, text)
        if not text:
            return [Reply(_("Write your answer in words, please."))]
        if state.step == "linked":
            return self._pass_on(state, text, event_id)
        step = STEPS.get(state.step)
        if step is None:
            state.step = "needs"
            conversation_save(user_id=user_id, state=state)
            return [Reply(needs_question())]
        return step(self.organisation, user_id, state, text, event_id)

    def _pass_on(self, state: State, text: str, event_id: str) -> list[Reply]:
        """Pass a linked person's message on to the volunteers."""
        case = Case.objects.filter(pk=state.case_id).first()
        if case is None:
            return [Reply(_("Your request no longer exists here. Send /forget, then /new."))]
        try:
            requester_sends(
                case=case,
                requester_private=bytes.fromhex(state.requester_private),
                text=text,
                idempotency_key=event_id,
            )
        except (CaseRefused, RevealRefused) as refusal:
            return [Reply(str(refusal))]
        except SentBefore:
            return []
        return [Reply(_("Passed on to the volunteers."))]
