"""Recovery without a back door: a member who lost their passphrase gets a new key through two
coordinators and both their codes; no server secret, and no coordinator alone, can do it."""

import re
from datetime import timedelta

import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.test import Client
from django.utils import timezone

from haven.accounts.approvals import ApprovalRefused, approval_grant
from haven.accounts.credentials import member_unlock
from haven.accounts.models import Act, Approval, KeyRecovery, MemberSession, Role, SecurityKey
from haven.accounts.recovery import FIRST, SECOND, recovery_complete, recovery_request
from haven.audit.models import Event
from haven.crypto import WrongKey
from haven.crypto.keys import derive_key, secret_open
from haven.volunteers.models import BedOffer
from haven.volunteers.offering import bed_offer_read_own, bed_offer_save
from tests.conftest import Persona, enrol_second_factor, invite_member, keyring_of, login

NEW = "my new and longer passphrase"
ADDRESS = "Abay avenue 10, flat 4"


@pytest.fixture
def bea(coordinator: Persona) -> Persona:
    """A second coordinator, a member for a year: independent of anna."""
    return invite_member(coordinator, "bea", Role.COORDINATOR, established=True)


@pytest.fixture
def hana(coordinator: Persona) -> Persona:
    """A host with a bed offer and a second factor, who is about to lose her passphrase."""
    host = enrol_second_factor(invite_member(coordinator, "hana", Role.HOST))
    today = timezone.localdate()
    bed_offer_save(
        actor=host.member,
        offer=None,
        place="kz-almaty",
        capacity=2,
        available_from=today,
        available_until=today + timedelta(days=20),
        languages=["ru"],
        accepts=["families"],
        address=ADDRESS,
        contact="@hana_host",
        rules="",
    )
    return host


def _ask_and_approve(coordinator: Persona, hana: Persona, bea: Persona) -> tuple[str, str]:
    asked = recovery_request(
        actor=coordinator.member,
        keyring=keyring_of(coordinator),
        member=hana.member,
        reason="called her on the known number",
    )
    assert asked.approval is not None and asked.second_code is None
    second = approval_grant(actor=bea.member, keyring=keyring_of(bea), approval=asked.approval)
    assert second is not None
    return asked.first_code, second


def test_two_coordinators_and_both_codes_give_a_new_key(
    coordinator: Persona, hana: Persona, bea: Persona
) -> None:
    first, second = _ask_and_approve(coordinator, hana, bea)
    # From the approval on, the old passphrase opens nothing.
    assert member_unlock(handle="hana", passphrase=hana.passphrase) is None
    recovery = recovery_complete(
        handle="hana", first_code=first, second_code=second, passphrase=NEW
    )
    assert recovery.recreated == {"bed_offers": 1, "shared_cases": 0}
    assert recovery.lost == ["second-factor"]
    assert bytes(recovery.wrapped_new_key) == b""
    hana.passphrase = NEW
    keyring = keyring_of(hana)
    assert not keyring.member.has_second_factor
    offer = BedOffer.objects.get(member=hana.member)
    assert bed_offer_read_own(keyring=keyring, offer=offer)["address"] == ADDRESS
    assert member_unlock(handle="hana", passphrase="hana passphrase long enough") is None
    # The codes worked once.
    with pytest.raises(ValidationError):
        recovery_complete(handle="hana", first_code=first, second_code=second, passphrase=NEW)


def test_one_coordinators_code_alone_recovers_nothing(
    coordinator: Persona, hana: Persona, bea: Persona
) -> None:
    first, second = _ask_and_approve(coordinator, hana, bea)
    for pair in ((first, first), (second, second), (second, first), (first, "")):
        with pytest.raises(ValidationError, match="do not open a recovery"):
            recovery_complete(
                handle="hana", first_code=pair[0], second_code=pair[1], passphrase=NEW
            )
    assert KeyRecovery.objects.get().completed_at is None


def test_the_asker_cannot_approve_and_nothing_changes_before_approval(
    coordinator: Persona, hana: Persona, bea: Persona
) -> None:
    asked = recovery_request(
        actor=coordinator.member,
        keyring=keyring_of(coordinator),
        member=hana.member,
        reason="called her on the known number",
    )
    assert asked.approval is not None
    with pytest.raises(ApprovalRefused):
        approval_grant(
            actor=coordinator.member, keyring=keyring_of(coordinator), approval=asked.approval
        )
    # Until a second coordinator approves, hana's old passphrase still works.
    assert member_unlock(handle="hana", passphrase=hana.passphrase) is not None
    with pytest.raises(ValidationError):
        recovery_complete(
            handle="hana", first_code=asked.first_code, second_code="", passphrase=NEW
        )


def test_a_coordinator_being_recovered_cannot_approve_it(
    coordinator: Persona, bea: Persona
) -> None:
    asked = recovery_request(
        actor=coordinator.member,
        keyring=keyring_of(coordinator),
        member=bea.member,
        reason="bea lost her passphrase",
    )
    assert asked.approval is not None
    with pytest.raises(ApprovalRefused):
        approval_grant(actor=bea.member, keyring=keyring_of(bea), approval=asked.approval)
    with pytest.raises(ValidationError, match="your own key"):
        recovery_request(
            actor=coordinator.member,
            keyring=keyring_of(coordinator),
            member=coordinator.member,
            reason="i lost mine myself",
        )


def test_a_recovered_coordinator_holds_the_organisation_key_again(
    coordinator: Persona, bea: Persona, organisation: object
) -> None:
    cara = invite_member(coordinator, "cara", Role.COORDINATOR, approver=bea, established=True)
    asked = recovery_request(
        actor=coordinator.member,
        keyring=keyring_of(coordinator),
        member=cara.member,
        reason="cara lost her passphrase",
    )
    assert asked.approval is not None
    second = approval_grant(actor=bea.member, keyring=keyring_of(bea), approval=asked.approval)
    assert second is not None
    recovery_complete(
        handle="cara", first_code=asked.first_code, second_code=second, passphrase=NEW
    )
    cara.passphrase = NEW
    assert keyring_of(cara).organisation_private_key() == keyring_of(bea).organisation_private_key()


def test_recovery_ends_the_members_sessions(
    coordinator: Persona, hana: Persona, bea: Persona
) -> None:
    browser = login(Client(), hana)
    assert browser.get("/en/accounts/").status_code == 200
    _ask_and_approve(coordinator, hana, bea)
    assert browser.get("/en/accounts/").status_code == 302
    assert not MemberSession.objects.filter(member=hana.member).exists()


def test_a_lone_coordinator_holds_both_codes_and_it_is_audited_as_alone(
    coordinator: Persona, hana: Persona
) -> None:
    asked = recovery_request(
        actor=coordinator.member,
        keyring=keyring_of(coordinator),
        member=hana.member,
        reason="called her on the known number",
    )
    assert asked.approval is None and asked.second_code
    recovery_complete(
        handle="hana", first_code=asked.first_code, second_code=asked.second_code, passphrase=NEW
    )
    event = Event.objects.get(action="member.recover")
    assert event.data["alone"] is True


def _everything_the_server_holds() -> list[bytes]:
    """Every secret in the settings and every binary or text value of every row."""
    held = [settings.SECRET_KEY.encode(), settings.HAVEN_PEPPER.encode()]
    for model in apps.get_models():
        for row in model._default_manager.all():
            for field in model._meta.concrete_fields:
                value = getattr(row, field.attname)
                if isinstance(value, memoryview | bytes) and value:
                    held.append(bytes(value))
                elif isinstance(field, models.CharField | models.TextField) and value:
                    held.append(str(value).encode())
    return held


def test_no_key_the_server_holds_opens_a_recovery(
    coordinator: Persona, hana: Persona, bea: Persona
) -> None:
    first, second = _ask_and_approve(coordinator, hana, bea)
    wrapped = bytes(KeyRecovery.objects.get().wrapped_new_key)
    # Even the coordinators' unlocked keys and the organisation key open nothing of it.
    candidates = [
        *_everything_the_server_holds(),
        keyring_of(coordinator).member_private_key(),
        keyring_of(bea).organisation_private_key(),
    ]
    assert len(candidates) > 50
    tried = 0
    for candidate in candidates:
        keys = [derive_key(candidate, purpose=FIRST), derive_key(candidate, purpose=SECOND)]
        if len(candidate) == 32:
            keys.append(candidate)
        for key in keys:
            with pytest.raises(WrongKey):
                secret_open(key, wrapped)
            tried += 1
        text = candidate.decode("utf-8", "replace")
        for code in (text, candidate.hex()):
            with pytest.raises(ValidationError):
                recovery_complete(handle="hana", first_code=code, second_code=code, passphrase=NEW)
            with pytest.raises(ValidationError):
                recovery_complete(handle="hana", first_code=first, second_code=code, passphrase=NEW)
    assert tried > 100
    # The real codes still work: the failures above were the keys', not the test's.
    recovery_complete(handle="hana", first_code=first, second_code=second, passphrase=NEW)


def _code(page: str, which: str) -> str:
    found = re.search(rf'data-code="{which}">([^<]+)<', page)
    assert found, page[:2000]
    return found.group(1).strip()


def test_the_pages_walk_a_recovery_through(
    coordinator: Persona, hana: Persona, bea: Persona
) -> None:
    anna = login(Client(), coordinator)
    asked = anna.post(
        f"/en/accounts/team/{hana.member.pk}/recover/", {"reason": "called her on the number"}
    )
    assert asked.status_code == 201
    first = _code(asked.content.decode(), "first")
    approval = Approval.objects.get(act=Act.RECOVER)
    approved = login(Client(), bea).post(f"/en/accounts/approvals/{approval.pk}/approve/")
    assert approved.status_code == 200
    second = _code(approved.content.decode(), "second")
    member = Client()
    wrong = member.post(
        "/ru/accounts/recover/",
        {
            "handle": "hana",
            "first_code": first,
            "second_code": "not the code",
            "passphrase": NEW,
            "passphrase_again": NEW,
        },
    )
    assert wrong.status_code == 400
    assert 'value="hana"' in wrong.content.decode()
    done = member.post(
        "/en/accounts/recover/",
        {
            "handle": "hana",
            "first_code": first,
            "second_code": second,
            "passphrase": NEW,
            "passphrase_again": NEW,
        },
    )
    assert done.status_code == 200
    text = done.content.decode()
    assert "1 bed offer" in text and "Your second factor" in text
    hana.passphrase = NEW
    login(Client(), hana)


def test_an_outsider_cannot_start_a_recovery_of_another_organisations_member(
    outsider: Persona, hana: Persona
) -> None:
    response = login(Client(), outsider).post(
        f"/en/accounts/team/{hana.member.pk}/recover/", {"reason": "not my member at all"}
    )
    assert response.status_code == 404
    assert not KeyRecovery.objects.exists()


def test_recovery_removes_the_members_security_keys_and_says_so(
    coordinator: Persona, hana: Persona, bea: Persona
) -> None:
    from tests.accounts.authenticator import SoftKey
    from tests.accounts.test_security_keys import _register

    _register(hana, SoftKey())
    first, second = _ask_and_approve(coordinator, hana, bea)
    # What named the keys was sealed to the old key pair: the keys go at the approval.
    assert not SecurityKey.objects.filter(member=hana.member).exists()
    page = Client().post(
        "/en/accounts/recover/",
        {
            "handle": "hana",
            "first_code": first,
            "second_code": second,
            "passphrase": NEW,
            "passphrase_again": NEW,
        },
    )
    assert page.status_code == 200
    assert KeyRecovery.objects.get(member=hana.member).lost == ["second-factor", "security-keys"]
    text = page.content.decode()
    assert "Your security keys: they were removed" in text
    assert "set it up again" in text.lower() or "Set it up again" in text
