"""Keeping a Matrix account's conversation with the bot, sealed, found by a digest of the account.

The bot must pass the volunteers' answers on while the person is away, so it cannot hold the
requester's key only for the live conversation; and asking for the codename again each time would
put the codename into the chat, and onto the homeserver, again and again. So the requester's key
(never the codename, which cannot be got back from it) is kept in the sealed state, under a key
derived from the Matrix user id and the pepper. The user id itself is not stored: the bot learns it
from the homeserver when the person writes, or from the rooms it is in when it polls.
"""

import json
from dataclasses import asdict, dataclass, field
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from haven.audit.services import to_the_hour
from haven.bot.models import Conversation
from haven.crypto import CryptoError
from haven.crypto.keys import derive_key, keyed_digest
from haven.crypto.sealing import FieldSealer

_STATE = "state"


@dataclass
class State:
    """Where one person is in the conversation, and what they answered so far."""

    language: str = ""
    step: str = "language"
    needs: list[str] = field(default_factory=list)
    place: str = ""
    # How many people need a place (asked when a place to stay is among the needs), and how
    # urgent it is (0: not said, taken as the form takes it).
    group_size: int = 1
    urgency: int = 0
    contact: str = ""
    messages_only: bool = False
    # What the numbers of the last list stand for (place ids, or country codes).
    choices: list[str] = field(default_factory=list)
    # The request's Idempotency key, kept until it is stored, so a retry gets the same codename.
    submission: str = ""
    case_id: str = ""
    # The requester's private key (hex), derived from the codename; it opens the case's thread.
    requester_private: str = ""
    # The number of the last volunteers' message passed on.
    relayed: int = 0
    # The Matrix event that showed the codename, deleted from the room at the next message.
    codename_event: str = ""

    @property
    def linked(self) -> bool:
        return bool(self.case_id and self.requester_private)


def _pepper() -> bytes:
    return settings.HAVEN_PEPPER.encode()


def _lookup(user_id: str) -> bytes:
    return keyed_digest(user_id.encode(), key=_pepper(), purpose="bot-account")


def _sealer(user_id: str) -> FieldSealer:
    key = keyed_digest(user_id.encode(), key=_pepper(), purpose="bot-state-key")
    return FieldSealer(key, "bot-conversation")


def lookup_of(user_id: str) -> bytes:
    """What a Matrix account's row and its budgets are found by: a keyed digest, never the id."""
    return _lookup(user_id)


def conversation_load(*, user_id: str) -> State | None:
    """The account's conversation, opened; None if it never wrote (or was forgotten)."""
    row = Conversation.objects.filter(lookup=_lookup(user_id)).first()
    if row is None:
        return None
    try:
        raw = json.loads(_sealer(user_id).open(_STATE, bytes(row.state)))
    except (CryptoError, ValueError):
        # A row that does not open (another pepper, or altered) is of no use: start afresh.
        return None
    known = {name: raw[name] for name in State.__dataclass_fields__ if name in raw}
    return State(**known)


def conversation_save(*, user_id: str, state: State) -> None:
    """Seal and store the account's conversation."""
    sealed = _sealer(user_id).seal(_STATE, json.dumps(asdict(state), ensure_ascii=False))
    Conversation.objects.update_or_create(
        lookup=_lookup(user_id),
        defaults={"state": sealed, "updated_hour": to_the_hour(timezone.now())},
    )


def conversation_forget(*, user_id: str) -> bool:
    """Delete all the bot keeps about this account; True if there was something."""
    deleted, _ = Conversation.objects.filter(lookup=_lookup(user_id)).delete()
    return deleted > 0


def conversations_forget_stale(*, older_than: timedelta | None = None) -> int:
    """Delete the conversations untouched for HAVEN_BOT_FORGET_DAYS; returns how many went."""
    age = older_than or timedelta(days=settings.HAVEN_BOT_FORGET_DAYS)
    deleted, _ = Conversation.objects.filter(updated_hour__lt=timezone.now() - age).delete()
    return deleted


def key_store_passphrase() -> str:
    """What the bot's encryption keys are pickled under in nio's store: derived from the pepper,
    which that store's disk does not hold."""
    return derive_key(_pepper(), purpose="bot-key-store").hex()
