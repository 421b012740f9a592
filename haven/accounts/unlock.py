"""Keeping a member's unlocked private key for one login, where the database alone cannot open it.

At login a random cookie key is made. The member's private key is sealed under it and the result is
kept in the session (in the database); the cookie key goes only to the member's browser, in an
HttpOnly cookie that dies with the browser session. Each request joins the two. A seized database
holds only the sealed half; a stolen cookie alone holds only a random key.
"""

import base64
from dataclasses import dataclass, field

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy

from haven.accounts.models import Member
from haven.accounts.queries import running
from haven.crypto import WrongKey
from haven.crypto.keys import new_secret_key, open_sealed, secret_open, secret_seal
from haven.crypto.sealing import open_data_key

SESSION_FIELD = "haven.sealed-member-key"
# What a member is told when this browser no longer holds the cookie half of their key.
LOCKED_MESSAGE = gettext_lazy(
    "Your key is locked in this browser. Log out and log in again to unlock it."
)
# A requester's key, derived from the codename at login, kept the same way for the status page.
REQUESTER_FIELD = "haven.sealed-requester-key"


class Locked(Exception):
    """The member's key is not unlocked in this session (log in again), or gives no access."""


def previous_private_key(member: Member, current: bytes) -> bytes | None:
    """During a rotation, the old organisation private key, opened with the new one."""
    rotation = running(member.organisation_id)
    if rotation is None:
        return None
    try:
        return open_sealed(current, bytes(rotation.old_private_sealed))
    except WrongKey:
        return None


@dataclass
class Keyring:
    """One member's unlocked keys for the length of a request."""

    member: Member
    _private: bytes = field(repr=False)

    def member_private_key(self) -> bytes:
        return self._private

    def organisation_private_key(self) -> bytes:
        """Open the organisation key sealed to this member (the new one while the key is being
        replaced); raise Locked if they hold none."""
        sealed = self.member.sealed_next_organisation_key or self.member.sealed_organisation_key
        if not sealed:
            raise Locked("this member holds no organisation key")
        try:
            return open_sealed(self._private, bytes(sealed))
        except WrongKey:
            raise Locked("the organisation key sealed to this member does not open") from None

    def open_for_organisation(self, sealed: bytes) -> bytes:
        """Open a sealed box to the organisation. While its key is being replaced, what is not
        yet re-sealed opens with the old key, which the new one opens."""
        current = self.organisation_private_key()
        try:
            return open_sealed(current, sealed)
        except WrongKey:
            previous = previous_private_key(self.member, current)
            if previous is None:
                raise
            return open_sealed(previous, sealed)

    def open_record_key(self, sealed_key: bytes) -> bytes:
        """Open a record's data key sealed to the organisation."""
        return self.open_for_organisation(sealed_key)

    def open_shared_key(self, sealed_key: bytes) -> bytes:
        """Open a record's data key sealed to this member alone (a case shared with them)."""
        try:
            return open_data_key(sealed_key, with_private=self._private)
        except WrongKey:
            raise Locked("the key shared with this member does not open") from None


def begin(request: HttpRequest, private_key: bytes, *, field: str = SESSION_FIELD) -> None:
    """After login: seal the key under a fresh cookie key and keep the two halves apart."""
    cookie_key = new_secret_key()
    sealed = secret_seal(cookie_key, private_key)
    request.session[field] = base64.b64encode(sealed).decode("ascii")
    request._haven_unlock_cookie = base64.urlsafe_b64encode(cookie_key).decode("ascii")  # type: ignore[attr-defined]  # carried to the response by UnlockMiddleware


def _open(request: HttpRequest, field: str) -> bytes | None:
    sealed = request.session.get(field)
    cookie = request.COOKIES.get(settings.HAVEN_UNLOCK_COOKIE)
    if not sealed or not cookie:
        return None
    try:
        cookie_key = base64.urlsafe_b64decode(cookie.encode("ascii"))
        return secret_open(cookie_key, base64.b64decode(sealed))
    except (WrongKey, ValueError):
        return None


# Between a right passphrase and a right second-factor code, the key waits here, and the member
# it belongs to is named here.
PENDING_FIELD = "haven.sealed-pending-key"
PENDING_MEMBER_FIELD = "haven.pending-member"
ALL_FIELDS = (SESSION_FIELD, REQUESTER_FIELD, PENDING_FIELD)


def pending_private_key(request: HttpRequest) -> bytes | None:
    """The key of a member who gave the right passphrase but no second-factor code yet."""
    return _open(request, PENDING_FIELD)


def stash(request: HttpRequest, field: str, data: bytes) -> bool:
    """Keep something secret in the session under this browser's cookie key; False if none."""
    cookie = request.COOKIES.get(settings.HAVEN_UNLOCK_COOKIE)
    if not cookie:
        return False
    try:
        cookie_key = base64.urlsafe_b64decode(cookie.encode("ascii"))
        sealed = secret_seal(cookie_key, data)
    except ValueError:
        return False
    request.session[field] = base64.b64encode(sealed).decode("ascii")
    return True


def unstash(request: HttpRequest, field: str) -> bytes | None:
    """What `stash` kept, if this browser's cookie still opens it."""
    return _open(request, field)


def requester_private_key(request: HttpRequest) -> bytes | None:
    """The logged-in requester's private key, if this request carries both halves."""
    return _open(request, REQUESTER_FIELD)


def keyring_for(request: HttpRequest) -> Keyring | None:
    """The member's keys if this request carries both halves, else None."""
    member = getattr(request, "user", None)
    if not isinstance(member, Member):
        return None
    private = _open(request, SESSION_FIELD)
    return None if private is None else Keyring(member=member, _private=private)


def set_cookie(response: HttpResponse, value: str) -> None:
    """Give the browser its half: HttpOnly, same-site only, gone when the browser closes."""
    response.set_cookie(
        settings.HAVEN_UNLOCK_COOKIE,
        value,
        secure=settings.SECURE_COOKIES,
        httponly=True,
        samesite="Strict",
        path="/",
    )


def clear_cookie(response: HttpResponse) -> None:
    """Remove the browser's half."""
    response.delete_cookie(settings.HAVEN_UNLOCK_COOKIE, path="/", samesite="Strict")


def cookie_present(request: HttpRequest) -> bool:
    """Whether the browser sent its half."""
    return settings.HAVEN_UNLOCK_COOKIE in request.COOKIES
