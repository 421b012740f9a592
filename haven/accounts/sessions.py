"""Database sessions that know their member, so trust can end every one of them at once."""

from typing import Any

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

from haven.accounts.models import MemberSession
from haven.accounts.unlock import PENDING_MEMBER_FIELD


class SessionStore(DatabaseSessionStore):
    """Django's database sessions, each row marked with the member logged in to it, or half way
    through logging in."""

    @classmethod
    def get_model_class(cls) -> type[MemberSession]:
        return MemberSession

    def create_model_instance(self, data: dict[str, Any]) -> MemberSession:
        session = super().create_model_instance(data)
        # A login half way (passphrase right, code still to come) holds the key too.
        member_id = data.get(SESSION_KEY) or data.get(PENDING_MEMBER_FIELD)
        session.member_id = int(member_id) if member_id else None  # type: ignore[attr-defined]  # the FK's column
        return session  # type: ignore[return-value]  # get_model_class names MemberSession
