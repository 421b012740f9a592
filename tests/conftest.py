"""Personas and factories shared by the suite.

Every test that checks access uses named people: `coordinator` (owns the desk), `counselor` (same
organisation, no desk), `outsider` (a coordinator of another organisation, who must see nothing of
the first), and anonymous requesters.
"""

import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pyotp
import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone, translation

from haven.accounts.credentials import member_unlock
from haven.accounts.invites import invite_accept, invite_create
from haven.accounts.models import Member, Organisation, Role
from haven.accounts.organisations import organisation_create
from haven.accounts.totp import totp_enrol_unattended
from haven.accounts.unlock import Keyring
from haven.cases.models import Case
from haven.intake.services import Accepted, Submission, request_submit

# Playwright's sync API runs an event loop in the test thread; the ORM calls made by the same test
# are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSPHRASE = "correct horse battery staple"


@dataclass
class Persona:
    member: Member
    passphrase: str
    totp_secret: str | None = None


def enrol_second_factor(persona: Persona) -> Persona:
    """Turn on the persona's second factor through the real service."""
    _unlocked, persona.totp_secret = totp_enrol_unattended(
        handle=persona.member.handle, passphrase=persona.passphrase
    )
    persona.member.refresh_from_db()
    return persona


def totp_code(persona: Persona) -> str:
    """A code the persona's app would show. Each code works once, so a test that logs in twice
    within one 30-second step is let past the replay guard as the next step would be."""
    assert persona.totp_secret
    Member.objects.filter(pk=persona.member.pk).update(totp_last_step=0)
    return pyotp.TOTP(persona.totp_secret).now()


def login(client: Client, persona: Persona) -> Client:
    """Log in through the real login view, so the session and the unlock cookie both exist."""
    response = client.post(
        "/en/accounts/login/",
        {"handle": persona.member.handle, "passphrase": persona.passphrase},
    )
    if response.status_code == 302 and "/login/code/" in response["Location"]:
        response = client.post("/en/accounts/login/code/", {"code": totp_code(persona)})
    assert response.status_code == 302, response.content.decode()[:500]
    assert "/login/" not in response["Location"], response["Location"]
    return client


def make_token(client: Client, persona: Persona, *, days: int = 1, label: str = "t") -> str:
    """Make an API token on the member's page, with a code from the persona's app (a second
    factor is turned on first if the persona has none)."""
    if persona.totp_secret is None:
        enrol_second_factor(persona)
    response = client.post(
        "/en/accounts/tokens/", {"label": label, "days": days, "code": totp_code(persona)}
    )
    assert response.status_code == 201, response.content.decode()[:500]
    return str(response.context["new_token"])


def keyring_of(persona: Persona) -> Keyring:
    """The persona's unlocked keys, as a login gives them to a request."""
    unlocked = member_unlock(handle=persona.member.handle, passphrase=persona.passphrase)
    assert unlocked is not None
    return Keyring(member=unlocked.member, _private=unlocked.private_key)


def small_jpeg(*, camera: str = "", size: tuple[int, int] = (64, 48)) -> bytes:
    """A real JPEG; with a camera name it also carries camera and GPS metadata, as a phone's
    photo would."""
    import io

    from PIL import Image

    image = Image.new("RGB", size, (200, 120, 40))
    out = io.BytesIO()
    exif = Image.Exif()
    if camera:
        exif[0x010F] = camera  # Make
        exif[0x0131] = f"{camera}-software"  # Software
        exif[0x8825] = {1: "N", 2: (55.0, 45.0, 21.0), 3: "E", 4: (37.0, 37.0, 4.0)}  # GPSInfo
    image.save(out, "JPEG", exif=exif.tobytes() if camera else b"")
    return out.getvalue()


@pytest.fixture(autouse=True)
def _ark_publishes_the_knowledge(settings: Any) -> None:
    """Ark's editors keep the shared knowledge, whichever organisation a test makes first."""
    settings.HAVEN_KNOWLEDGE_PUBLISHER = "ark"


@pytest.fixture
def organisation_with_coordinator(db: None) -> tuple[Organisation, Persona]:
    """Ark and its coordinator Anna, who also keeps the knowledge base."""
    from haven.knowledge.services import knowledge_editor_grant

    organisation, member = organisation_create(
        slug="ark", name="Ark", coordinator_handle="anna", coordinator_passphrase=PASSPHRASE
    )
    knowledge_editor_grant(actor=member, member=member)
    return organisation, enrol_second_factor(Persona(member, PASSPHRASE))


@pytest.fixture
def organisation(organisation_with_coordinator: tuple[Organisation, Persona]) -> Organisation:
    return organisation_with_coordinator[0]


@pytest.fixture
def coordinator(organisation_with_coordinator: tuple[Organisation, Persona]) -> Persona:
    return organisation_with_coordinator[1]


def invite_member(
    coordinator: Persona,
    handle: str,
    role: str,
    *,
    approver: Persona | None = None,
    established: bool = False,
) -> Persona:
    """Invite and join a member the way the pages do. Where the invite needs a second
    coordinator, `approver` approves it. An `established` member joined a year ago, so it is past
    its first `voucher_min_days` and counts as independent of whoever brought it in."""
    from haven.accounts.approvals import approval_grant
    from haven.accounts.credentials import member_unlock
    from haven.accounts.models import Act, Approval

    unlocked = member_unlock(handle=coordinator.member.handle, passphrase=coordinator.passphrase)
    assert unlocked is not None
    organisation_key = None
    if role == Role.COORDINATOR:
        from haven.accounts.unlock import Keyring

        organisation_key = Keyring(
            member=unlocked.member, _private=unlocked.private_key
        ).organisation_private_key()
    invite, code = invite_create(
        actor=coordinator.member, role=role, organisation_private_key=organisation_key
    )
    if invite.needs_approval:
        assert approver is not None, "this invite needs a second coordinator to approve it"
        approval_grant(
            actor=approver.member,
            keyring=keyring_of(approver),
            approval=Approval.objects.get(act=Act.INVITE, target_id=str(invite.pk)),
        )
    passphrase = f"{handle} passphrase long enough"
    member = invite_accept(code=code, handle=handle, passphrase=passphrase)
    if established:
        Member.objects.filter(pk=member.pk).update(created_at=timezone.now() - timedelta(days=365))
        member.refresh_from_db()
    persona = Persona(member, passphrase)
    return enrol_second_factor(persona) if role == Role.COORDINATOR else persona


@pytest.fixture
def counselor(coordinator: Persona) -> Persona:
    return invite_member(coordinator, "boris", Role.COUNSELOR)


@pytest.fixture
def outsider(db: None) -> Persona:
    _organisation, member = organisation_create(
        slug="other",
        name="Other group",
        coordinator_handle="olga",
        coordinator_passphrase=PASSPHRASE,
    )
    return enrol_second_factor(Persona(member, PASSPHRASE))


def submission(**overrides: object) -> Submission:
    """A realistic request; override any field."""
    fields: dict[str, object] = {
        "needs": ("legal", "shelter"),
        "place": "kz-almaty",
        "group_size": 1,
        "languages": ("ru",),
        "urgency": 4,
        "date_from": timezone.localdate(),
        "date_until": None,
        "contact": "@telegram_handle",
        "name": "Алексей",
        "military_status": "called_up",
        "location_detail": "",
        "story": "Получил повестку, уехал в тот же день.",
        "for_counselor": "",
    }
    fields.update(overrides)
    return Submission(**fields)  # type: ignore[arg-type]


@pytest.fixture
def make_request(organisation: Organisation) -> Callable[..., Accepted]:
    """Store a request through the real intake service."""

    def make(target: Organisation | None = None, **overrides: object) -> Accepted:
        return request_submit(
            organisation=target or organisation,
            submission=submission(**overrides),
            submission_key=secrets.token_urlsafe(24),
        )

    return make


@pytest.fixture
def case(make_request: Callable[..., Accepted]) -> Case:
    return make_request().case


@pytest.fixture
def member_client(db: None) -> Callable[[Persona], Client]:
    """A fresh browser-like client logged in as the persona."""

    def make(persona: Persona) -> Client:
        return login(Client(), persona)

    return make


def is_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "haven.core.postgresql"


# For a module that touches no database of the half it runs in (the matching engine's, two installs
# with SQLite files of their own): the PostgreSQL half would only run it a second time.
SQLITE_HALF_ONLY = pytest.mark.skipif(
    is_postgres(), reason="uses no database of the half: runs in the SQLite half only"
)


def stored(value: object) -> bytes:
    """A binary column's bytes, failing if the column is empty."""
    assert isinstance(value, bytes | memoryview), f"expected stored bytes, got {value!r}"
    return bytes(value)


@pytest.fixture(autouse=True)
def _fresh_budgets() -> Iterator[None]:
    """Each test starts with its rate counters and organisations rolled back, so no web process
    memory of them either."""
    from haven.core.ratelimit import forget_spent_budgets
    from haven.intake.queries import forget_organisations

    forget_spent_budgets()
    forget_organisations()
    yield
    forget_spent_budgets()
    forget_organisations()


@pytest.fixture(autouse=True)
def _english_outside_requests() -> Iterator[None]:
    """Code run outside a request speaks English in tests, whatever an earlier page activated."""
    with translation.override("en"):
        yield


@pytest.fixture
def host(coordinator: Persona) -> Persona:
    return invite_member(coordinator, "hana", Role.HOST)


@pytest.fixture
def elders(coordinator: Persona) -> tuple[Persona, Persona]:
    """Two members vetted months ago, whose vouches count."""
    first = invite_member(coordinator, "elder-one", Role.COUNSELOR)
    second = invite_member(coordinator, "elder-two", Role.HOST)
    Member.objects.filter(pk__in=[first.member.pk, second.member.pk]).update(
        vetted_at=timezone.now() - timedelta(days=60)
    )
    return first, second
