"""The acts an admin does on a member through `haven org` that other apps carry out.

Suspending a member belongs to volunteers and releasing their reveal holds to cases, both above
accounts: each registers its act here from its AppConfig.ready(), so the command calls down into
this registry and never up into those apps.
"""

from typing import Protocol

from haven.accounts.models import Member

SUSPEND = "suspend"
RELEASE_HOLDS = "release-hold"


class AdminAct(Protocol):
    """Does the act on the member; returns how many things it changed (holds released, members
    suspended). A ValidationError says what the admin must give."""

    def __call__(self, *, member: Member, reason: str) -> int: ...


_ACTS: dict[str, AdminAct] = {}


def admin_act_register(name: str, act: AdminAct) -> None:
    """Name the function that carries out an admin's act (an app's AppConfig.ready() does)."""
    _ACTS[name] = act


def admin_act(name: str) -> AdminAct:
    """The function registered for an admin's act."""
    try:
        return _ACTS[name]
    except KeyError:  # pragma: no cover - every app registers its acts at start
        raise LookupError(f"no function is registered for the admin's act {name}") from None
