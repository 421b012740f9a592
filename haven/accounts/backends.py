"""Django's view of Haven's login: sessions find their member here."""

from typing import Any

from django.contrib.auth.backends import BaseBackend
from django.http import HttpRequest

from haven.accounts.models import Member


class PassphraseBackend(BaseBackend):
    """Sessions load their member here. Passphrases are checked by `services.member_unlock`,
    which opens the member's key in the same Argon2id run; this backend never checks one itself."""

    def authenticate(self, request: HttpRequest | None, **credentials: Any) -> Member | None:
        return None

    def get_user(self, user_id: int) -> Member | None:
        return (
            Member.objects.select_related("organisation").filter(pk=user_id, is_active=True).first()
        )
