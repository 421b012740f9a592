"""Replacing an organisation's key: after it the old private key opens nothing stored (but the
append-only audit notes), readers keep reading, intake goes on throughout, and a run that stopped
resumes where it stopped."""

import json
from collections.abc import Callable
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from haven.accounts.approvals import ApprovalRefused, approval_grant
from haven.accounts.invites import invite_create
from haven.accounts.models import (
    Act,
    Approval,
    Invite,
    KeyRotation,
    Member,
    Organisation,
    Role,
)
from haven.accounts.queries import running
from haven.audit.models import Event
from haven.cases.models import Case, CaseSeal
from haven.crypto import WrongKey
from haven.crypto.keys import open_sealed
from haven.crypto.sealing import FieldSealer, unwrap_key
from haven.intake.services import Accepted
from haven.volunteers.offering import bed_offer_save
from haven.volunteers.suspension import member_report, member_suspend, member_suspend_by_admin
from haven.volunteers.vetting import application_submit
from tests.conftest import Persona, invite_member, keyring_of, login

CASES = 23


@pytest.fixture(autouse=True)
def _no_wait_for_web_processes(settings: object) -> None:
    """One process here: no other can still hold the old public key, so the sweep need not wait
    (production waits HAVEN_ROTATION_SETTLE_SECONDS)."""
    settings.HAVEN_ROTATION_SETTLE_SECONDS = 0  # type: ignore[attr-defined]


@pytest.fixture
def network(
    coordinator: Persona,
    counselor: Persona,
    host: Persona,
    make_request: Callable[..., Accepted],
) -> list[Case]:
    """Everything that is sealed to the organisation key, a few of each."""
    cases = [make_request().case for _ in range(CASES)]
    today = timezone.localdate()
    bed_offer_save(
        actor=host.member,
        offer=None,
        place="kz-almaty",
        capacity=2,
        available_from=today,
        available_until=today + timedelta(days=9),
        languages=["ru"],
        accepts=[],
        address="Abay avenue 10",
        contact="@hana",
        rules="",
    )
    application_submit(
        organisation=coordinator.member.organisation,
        offerings=["legal"],
        place="ge-tbilisi",
        languages=["ru"],
        name="Vera",
        contact="@vera",
        about="a lawyer",
    )
    member_report(actor=counselor.member, subject=host.member, text="asked for a passport")
    # A second coordinator, suspended: the approval to suspend her holds a sealed reason.
    bea = invite_member(coordinator, "bea", Role.COORDINATOR, established=True)
    member_suspend(actor=coordinator.member, member=bea.member, reason="asked for the key")
    member_suspend_by_admin(member=bea.member, reason="asked for the key")
    return cases


def _passphrase_file(tmp_path: Path, persona: Persona) -> str:
    path = tmp_path / "passphrase"
    path.write_text(persona.passphrase + "\n", encoding="utf-8")
    return str(path)


def _rotate(tmp_path: Path, persona: Persona, *extra: str) -> str:
    out = StringIO()
    call_command(
        "org",
        "rotate-key",
        "ark",
        "--coordinator",
        persona.member.handle,
        "--passphrase-file",
        _passphrase_file(tmp_path, persona),
        *extra,
        stdout=out,
    )
    return out.getvalue()


def _sealed_values(*, skip_audit: bool) -> list[bytes]:
    """Every binary value stored in every row of every table."""
    values = []
    for model in apps.get_models():
        if skip_audit and model is Event:
            continue
        for row in model._default_manager.all():
            for field in model._meta.concrete_fields:
                value = getattr(row, field.attname)
                if isinstance(value, memoryview | bytes) and len(value) > 48:
                    values.append(bytes(value))
    return values


def _opens(private: bytes, sealed: bytes) -> bool:
    try:
        open_sealed(private, sealed)
    except WrongKey:
        return False
    return True


def _reads_every_case(persona: Persona) -> None:
    keyring = keyring_of(persona)
    for case in Case.objects.all():
        data_key = keyring.open_record_key(bytes(case.sealed_key or b""))
        assert unwrap_key(bytes(case.thread_key_staff or b""), under=data_key)
        seal = CaseSeal.objects.get(case=case)
        assert FieldSealer(data_key, str(case.pk)).open("story", bytes(seal.story or b""))


def test_after_a_rotation_the_old_key_opens_nothing_stored(
    tmp_path: Path, coordinator: Persona, network: list[Case]
) -> None:
    old_private = keyring_of(coordinator).organisation_private_key()
    before = [value for value in _sealed_values(skip_audit=True) if _opens(old_private, value)]
    # Case keys, the offer's key, the application's, the report's, the suspension's approval…
    assert len(before) >= CASES + 3
    printed = _rotate(tmp_path, coordinator, "--batch-size", "5")
    assert "rotation finished" in printed
    assert "rows/s" in printed
    after = [value for value in _sealed_values(skip_audit=True) if _opens(old_private, value)]
    assert after == []
    new_private = keyring_of(coordinator).organisation_private_key()
    assert new_private != old_private
    _reads_every_case(coordinator)
    assert not KeyRotation.objects.get().old_private_sealed
    assert not Member.objects.filter(sealed_next_organisation_key__isnull=False).exists()
    assert Event.objects.filter(action="organisation.rotate_key.finish").exists()


def test_audit_notes_from_before_a_rotation_keep_the_old_key(
    tmp_path: Path, coordinator: Persona, network: list[Case]
) -> None:
    """The audit log is append-only and hash-chained: its notes are not re-sealed (the limit
    docs/security.md states). Notes written after the rotation are sealed to the new key."""
    old_private = keyring_of(coordinator).organisation_private_key()
    _rotate(tmp_path, coordinator)
    notes = Event.objects.exclude(sealed_note=None)
    assert any(_opens(old_private, bytes(event.sealed_note)) for event in notes)  # type: ignore[arg-type]
    call_command("audit", "verify", stdout=StringIO())


def test_a_suspended_coordinator_gets_no_new_key(
    tmp_path: Path, coordinator: Persona, network: list[Case]
) -> None:
    _rotate(tmp_path, coordinator)
    suspended = Member.objects.get(handle="bea")
    assert suspended.sealed_organisation_key is None
    assert suspended.sealed_next_organisation_key is None


def test_a_stopped_rotation_resumes_and_intake_seals_to_the_new_key_meanwhile(
    tmp_path: Path,
    coordinator: Persona,
    network: list[Case],
    make_request: Callable[..., Accepted],
) -> None:
    old_private = keyring_of(coordinator).organisation_private_key()
    stale = Organisation.objects.get(pk=coordinator.member.organisation_id)
    printed = _rotate(tmp_path, coordinator, "--batch-size", "5", "--stop-after", "2")
    assert "stopped part way" in printed
    rotation = running(coordinator.member.organisation_id)
    assert rotation is not None
    assert rotation.done["cases.Case"] == 10
    still_old = [case for case in Case.objects.all() if _opens(old_private, bytes(case.sealed_key))]  # type: ignore[arg-type]
    assert len(still_old) == CASES - 10
    # Intake goes on: a request made now is sealed to the new key at once…
    organisation = Organisation.objects.get(pk=coordinator.member.organisation_id)
    fresh = make_request(target=organisation).case
    assert not _opens(old_private, bytes(fresh.sealed_key))  # type: ignore[arg-type]
    # …except in a process that still holds the organisation as it was (as intake keeps it for
    # a few seconds): the sweep at the end re-seals such a request too.
    straggler = make_request(target=stale).case
    assert _opens(old_private, bytes(straggler.sealed_key))  # type: ignore[arg-type]
    # Readers read what is re-sealed and what is not yet, and the new request.
    _reads_every_case(coordinator)
    printed = _rotate(tmp_path, coordinator, "--batch-size", "5")
    assert "resuming" in printed and "rotation finished" in printed
    assert [value for value in _sealed_values(skip_audit=True) if _opens(old_private, value)] == []
    _reads_every_case(coordinator)
    assert KeyRotation.objects.get().done["cases.Case"] == CASES + 1


def test_a_coordinator_invite_made_before_the_rotation_is_cancelled(
    tmp_path: Path, coordinator: Persona, network: list[Case]
) -> None:
    keyring = keyring_of(coordinator)
    invite, _code = invite_create(
        actor=coordinator.member,
        role=Role.COORDINATOR,
        organisation_private_key=keyring.organisation_private_key(),
    )
    _rotate(tmp_path, coordinator)
    invite = Invite.objects.get(pk=invite.pk)
    assert invite.wrapped_organisation_key is None
    assert invite.expires_at <= timezone.now()


def test_two_coordinators_rotate_on_the_page_and_suspension_offers_it(
    coordinator: Persona, make_request: Callable[..., Accepted]
) -> None:
    bea = invite_member(coordinator, "bea", Role.COORDINATOR, established=True)
    cara = invite_member(coordinator, "cara", Role.COORDINATOR, approver=bea, established=True)
    for _ in range(5):
        make_request()
    old_private = keyring_of(coordinator).organisation_private_key()
    member_suspend(actor=coordinator.member, member=cara.member, reason="copied the case list")
    bea_browser = login(Client(), bea)
    approval = Approval.objects.get(act=Act.SUSPEND)
    approved = bea_browser.post(f"/en/accounts/approvals/{approval.pk}/approve/")
    assert approved["Location"].endswith("/accounts/rotation/")
    offer = bea_browser.get("/en/accounts/rotation/").content.decode()
    assert "cara" in offer and "Replace the key" in offer

    anna = login(Client(), coordinator)
    asked = anna.post("/en/accounts/rotation/", {"reason": "cara copied the case list"})
    assert asked.status_code == 200
    assert running(coordinator.member.organisation_id) is None
    approval = Approval.objects.get(act=Act.ROTATE)
    with pytest.raises(ApprovalRefused, match="cannot approve"):
        approval_grant(actor=coordinator.member, keyring=keyring_of(coordinator), approval=approval)
    bea_browser.post(f"/en/accounts/approvals/{approval.pk}/approve/")
    assert running(coordinator.member.organisation_id) is not None
    done = bea_browser.post("/en/accounts/rotation/continue/")
    assert done.status_code == 302
    assert running(coordinator.member.organisation_id) is None
    assert (
        "everything is sealed to the new key"
        in bea_browser.get("/en/accounts/rotation/").content.decode()
    )
    assert all(not _opens(old_private, bytes(case.sealed_key)) for case in Case.objects.all())  # type: ignore[arg-type]
    _reads_every_case(coordinator)


def test_the_rotation_bench_rotates_every_case_it_loads(db: None) -> None:
    out = StringIO()
    call_command("bench", "rotate", "--cases", "30", "--batch-size", "7", "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["finished"] is True
    assert result["rows_resealed"] >= 30
    assert result["rows_per_second"] > 0
    organisation = Organisation.objects.get(slug=result["organisation"])
    rotation = KeyRotation.objects.get(organisation=organisation)
    assert rotation.done["cases.Case"] == 30


def test_a_coordinator_recovered_during_a_rotation_keeps_the_new_key(
    tmp_path: Path, coordinator: Persona, make_request: Callable[..., Accepted]
) -> None:
    from haven.accounts.recovery import recovery_complete, recovery_request

    bea = invite_member(coordinator, "bea", Role.COORDINATOR, established=True)
    cara = invite_member(coordinator, "cara", Role.COORDINATOR, approver=bea, established=True)
    for _ in range(3):
        make_request()
    assert "stopped part way" in _rotate(tmp_path, coordinator, "--stop-after", "0")
    asked = recovery_request(
        actor=coordinator.member,
        keyring=keyring_of(coordinator),
        member=cara.member,
        reason="cara lost her passphrase",
    )
    assert asked.approval is not None
    second = approval_grant(actor=bea.member, keyring=keyring_of(bea), approval=asked.approval)
    assert second is not None
    new = "cara's new long passphrase"
    recovery_complete(
        handle="cara", first_code=asked.first_code, second_code=second, passphrase=new
    )
    cara.passphrase = new
    _reads_every_case(cara)
    assert "rotation finished" in _rotate(tmp_path, coordinator)
    assert keyring_of(cara).organisation_private_key() == (
        keyring_of(coordinator).organisation_private_key()
    )
    _reads_every_case(cara)
