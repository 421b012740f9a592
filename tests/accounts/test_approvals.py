"""Two-person rules: what one coordinator may ask for, and only a second, independent one lets
happen. Each test is a way one compromised coordinator could betray the network alone."""

from collections.abc import Callable
from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from haven.accounts.approvals import ApprovalRefused, approval_grant, may_approve
from haven.accounts.invites import invite_accept, invite_create
from haven.accounts.models import Act, ApiToken, Approval, Member, Role
from haven.cases.access import CaseRefused, RevealRefused
from haven.cases.lifecycle import case_move, case_triage
from haven.cases.models import Case, RevealHold, Status
from haven.cases.retention import case_shred
from haven.cases.reveal import case_reveal, reveal_hold_approve
from haven.cases.sharing import case_share
from haven.intake.services import Accepted
from haven.volunteers.suspension import member_suspend
from haven.volunteers.vetting import application_approve, application_submit, vouch_give
from tests.conftest import Persona, invite_member, keyring_of, login, make_token


@pytest.fixture
def bea(coordinator: Persona) -> Persona:
    """A second coordinator, a member for a year: independent of anna."""
    return invite_member(coordinator, "bea", Role.COORDINATOR, established=True)


@pytest.fixture
def cara(coordinator: Persona, bea: Persona) -> Persona:
    """A third coordinator, a member for a year."""
    return invite_member(coordinator, "cara", Role.COORDINATOR, approver=bea, established=True)


def _approval(act: str, target: object) -> Approval:
    return Approval.objects.get(act=act, target_id=str(target), decided_at__isnull=True)


def _triaged(make_request: Callable[..., Accepted], coordinator: Persona) -> Case:
    case = make_request().case
    case_triage(actor=coordinator.member, case=case, decision="accept")
    case.refresh_from_db()
    return case


def test_an_invite_for_any_role_waits_for_a_second_coordinator(
    coordinator: Persona, bea: Persona
) -> None:
    for role in (Role.COUNSELOR, Role.HOST):
        invite, code = invite_create(
            actor=coordinator.member, role=role, organisation_private_key=None
        )
        with pytest.raises(ValidationError, match="second coordinator"):
            invite_accept(code=code, handle=f"new-{role}", passphrase="a passphrase long enough")
        approval = _approval(Act.INVITE, invite.pk)
        with pytest.raises(ApprovalRefused):
            approval_grant(
                actor=coordinator.member, keyring=keyring_of(coordinator), approval=approval
            )
        approval_grant(actor=bea.member, keyring=keyring_of(bea), approval=approval)
        invite_accept(code=code, handle=f"new-{role}", passphrase="a passphrase long enough")


def test_a_coordinator_invite_needs_two_coordinators_even_after_vouches(
    coordinator: Persona, elders: tuple[Persona, Persona], bea: Persona
) -> None:
    application, _code = application_submit(
        organisation=coordinator.member.organisation,
        offerings=["legal"],
        place="ge-tbilisi",
        languages=["ru"],
        name="Vera",
        contact="@vera",
        about="",
    )
    for elder in elders:
        vouch_give(actor=elder.member, application=application, how_known="known for many years")
    invite, code = application_approve(
        actor=coordinator.member,
        application=application,
        role=Role.COORDINATOR,
        organisation_private_key=keyring_of(coordinator).organisation_private_key(),
    )
    with pytest.raises(ValidationError, match="second coordinator"):
        invite_accept(code=code, handle="vera", passphrase="a passphrase long enough")
    approval_grant(
        actor=bea.member, keyring=keyring_of(bea), approval=_approval(Act.INVITE, invite.pk)
    )
    assert invite_accept(code=code, handle="vera", passphrase="a passphrase long enough")


def test_a_vouched_application_invites_a_counselor_at_once(
    coordinator: Persona, elders: tuple[Persona, Persona], bea: Persona
) -> None:
    application, _code = application_submit(
        organisation=coordinator.member.organisation,
        offerings=["legal"],
        place="ge-tbilisi",
        languages=["ru"],
        name="Pavel",
        contact="@pavel",
        about="",
    )
    for elder in elders:
        vouch_give(actor=elder.member, application=application, how_known="known for many years")
    _invite, code = application_approve(
        actor=coordinator.member,
        application=application,
        role=Role.COUNSELOR,
        organisation_private_key=None,
    )
    assert invite_accept(code=code, handle="pavel", passphrase="a passphrase long enough")


def test_a_made_up_coordinator_cannot_approve_its_makers_reveal_hold(
    coordinator: Persona, bea: Persona, cara: Persona, make_request: Callable[..., Accepted]
) -> None:
    # anna and bea together bring in "fake"; for its first voucher_min_days it is not
    # independent of either, so it cannot lift anna's hold. cara, who did not, can.
    fake = invite_member(coordinator, "fake", Role.COORDINATOR, approver=bea)
    organisation = coordinator.member.organisation
    organisation.reveals_per_hour = 1
    organisation.save()
    keyring = keyring_of(coordinator)
    cases = [_triaged(make_request, coordinator) for _ in range(2)]
    case_reveal(actor=coordinator.member, keyring=keyring, case=cases[0], reason="working it")
    with pytest.raises(RevealRefused):
        case_reveal(actor=coordinator.member, keyring=keyring, case=cases[1], reason="working it")
    hold = RevealHold.objects.get(member=coordinator.member)
    with pytest.raises(PermissionError):
        reveal_hold_approve(actor=fake.member, hold=hold)
    with pytest.raises(PermissionError):
        reveal_hold_approve(actor=coordinator.member, hold=hold)
    refused = login(Client(), fake).post(f"/en/desk/holds/{hold.pk}/approve/")
    assert refused.status_code == 302
    hold.refresh_from_db()
    assert hold.approved_at is None
    reveal_hold_approve(actor=cara.member, hold=hold)
    hold.refresh_from_db()
    assert hold.approved_by == cara.member


def test_a_coordinator_under_a_hold_cannot_share_cases(
    coordinator: Persona, counselor: Persona, make_request: Callable[..., Accepted]
) -> None:
    case = _triaged(make_request, coordinator)
    RevealHold.objects.create(
        organisation=coordinator.member.organisation,
        member=coordinator.member,
        opened=20,
        created_at=timezone.now(),
    )
    with pytest.raises(CaseRefused, match="cannot share"):
        case_share(
            actor=coordinator.member,
            keyring=keyring_of(coordinator),
            case=case,
            member=counselor.member,
        )


def test_a_new_counselor_takes_no_shares_from_the_coordinator_who_brought_it_in(
    coordinator: Persona, bea: Persona, cara: Persona, make_request: Callable[..., Accepted]
) -> None:
    newcomer = invite_member(coordinator, "nika", Role.COUNSELOR, approver=bea)
    case = _triaged(make_request, coordinator)
    for sponsor in (coordinator, bea):
        with pytest.raises(CaseRefused, match="brought this counselor in"):
            case_share(
                actor=sponsor.member, keyring=keyring_of(sponsor), case=case, member=newcomer.member
            )
    case_share(actor=cara.member, keyring=keyring_of(cara), case=case, member=newcomer.member)


def test_shredding_before_retention_needs_a_second_coordinator(
    coordinator: Persona, bea: Persona, make_request: Callable[..., Accepted]
) -> None:
    cases = [_triaged(make_request, coordinator) for _ in range(5)]
    for case in cases:
        waiting = case_shred(
            actor=coordinator.member, case=case, reason="coordinator", why="a seized phone"
        )
        assert isinstance(waiting, Approval)
    assert Case.objects.filter(shredded_hour__isnull=False).count() == 0
    approval = _approval(Act.SHRED, cases[0].pk)
    assert not may_approve(coordinator.member, approval)
    approval_grant(actor=bea.member, keyring=keyring_of(bea), approval=approval)
    assert Case.objects.filter(shredded_hour__isnull=False).count() == 1
    assert Case.objects.get(pk=cases[0].pk).shredded


def test_the_shred_page_asks_and_the_approvals_page_shows_the_reason(
    coordinator: Persona, bea: Persona, make_request: Callable[..., Accepted]
) -> None:
    case = _triaged(make_request, coordinator)
    asked = login(Client(), coordinator).post(
        f"/en/desk/{case.pk}/shred/", {"confirm": "shred", "why": "the requester's phone was taken"}
    )
    assert asked.status_code == 302
    assert not Case.objects.get(pk=case.pk).shredded
    desk = login(Client(), bea)
    page = desk.get("/en/accounts/approvals/").content.decode()
    assert "the requester&#x27;s phone was taken" in page
    approval = _approval(Act.SHRED, case.pk)
    assert desk.post(f"/en/accounts/approvals/{approval.pk}/approve/").status_code == 302
    assert Case.objects.get(pk=case.pk).shredded


def test_shredding_after_retention_is_one_coordinators_act(
    coordinator: Persona, bea: Persona, make_request: Callable[..., Accepted]
) -> None:
    case = _triaged(make_request, coordinator)
    case_move(actor=coordinator.member, case=case, status=Status.CLOSED)
    Case.objects.filter(pk=case.pk).update(ended_hour=timezone.now() - timedelta(days=365))
    case.refresh_from_db()
    assert case_shred(actor=coordinator.member, case=case, reason="coordinator") is None
    assert Case.objects.get(pk=case.pk).shredded


def test_suspending_a_coordinator_needs_a_second_one_who_is_not_the_subject(
    coordinator: Persona, bea: Persona, cara: Persona
) -> None:
    make_token(login(Client(), bea), bea)
    asked = member_suspend(actor=coordinator.member, member=bea.member, reason="sold addresses")
    assert isinstance(asked, Approval)
    bea.member.refresh_from_db()
    assert bea.member.is_active
    with pytest.raises(ApprovalRefused):
        approval_grant(actor=bea.member, keyring=keyring_of(bea), approval=asked)
    approval_grant(actor=cara.member, keyring=keyring_of(cara), approval=asked)
    bea.member.refresh_from_db()
    assert not bea.member.is_active and bea.member.suspended_at is not None
    assert not ApiToken.objects.filter(member=bea.member, revoked_at__isnull=True).exists()


def test_a_counselor_is_still_suspended_by_one_coordinator_at_once(
    coordinator: Persona, counselor: Persona, bea: Persona
) -> None:
    member_suspend(actor=coordinator.member, member=counselor.member, reason="sold addresses")
    assert not Member.objects.get(pk=counselor.member.pk).is_active


def test_a_lone_coordinator_is_told_which_protections_it_lacks(coordinator: Persona) -> None:
    client = login(Client(), coordinator)
    for page in ("/en/accounts/team/", "/en/accounts/approvals/"):
        text = client.get(page).content.decode()
        assert "This organisation has a single coordinator" in text
        assert "before their retention ends by one coordinator alone" in text


def test_with_two_coordinators_no_protection_is_said_missing(
    coordinator: Persona, bea: Persona
) -> None:
    text = login(Client(), coordinator).get("/en/accounts/team/").content.decode()
    assert "single coordinator" not in text


def test_the_approvals_page_lets_the_asker_withdraw_but_not_approve(
    coordinator: Persona, bea: Persona
) -> None:
    invite, _code = invite_create(
        actor=coordinator.member,
        role=Role.HOST,
        organisation_private_key=None,
        reason="my aunt from Tbilisi",
    )
    approval = _approval(Act.INVITE, invite.pk)
    client = login(Client(), coordinator)
    assert client.post(f"/en/accounts/approvals/{approval.pk}/approve/").status_code == 409
    assert client.post(f"/en/accounts/approvals/{approval.pk}/refuse/").status_code == 302
    approval.refresh_from_db()
    assert approval.approved is False
    invite.refresh_from_db()
    assert invite.approved_at is None


def test_with_two_coordinators_an_admin_suspends_one_from_the_command_line(
    coordinator: Persona, bea: Persona
) -> None:
    asked = member_suspend(actor=coordinator.member, member=bea.member, reason="sold addresses")
    assert isinstance(asked, Approval)
    assert not may_approve(bea.member, asked) and not may_approve(coordinator.member, asked)
    call_command("org", "suspend", "ark", "bea", "--reason", "sold addresses", stdout=StringIO())
    assert not Member.objects.get(pk=bea.member.pk).is_active


def test_an_admin_releases_a_lone_coordinators_hold(coordinator: Persona) -> None:
    hold = RevealHold.objects.create(
        organisation=coordinator.member.organisation,
        member=coordinator.member,
        opened=20,
        created_at=timezone.now(),
    )
    call_command("org", "release-hold", "ark", "anna", stdout=StringIO())
    hold.refresh_from_db()
    assert hold.approved_at is not None


def test_changing_the_vetting_rule_needs_a_second_coordinator(
    coordinator: Persona, bea: Persona
) -> None:
    client = login(Client(), coordinator)
    asked = client.post(
        "/en/accounts/rules/",
        {
            "vouches_required": 0,
            "voucher_min_days": 0,
            "reveals_per_hour": 1000,
            "reason": "let my friends in quickly",
        },
    )
    assert asked.status_code == 200
    assert "when a second coordinator approves" in asked.content.decode()
    organisation = coordinator.member.organisation
    organisation.refresh_from_db()
    assert (organisation.vouches_required, organisation.reveals_per_hour) == (2, 20)
    approval = _approval(Act.RULES, organisation.pk)
    assert not may_approve(coordinator.member, approval)
    approval_grant(actor=bea.member, keyring=keyring_of(bea), approval=approval)
    organisation.refresh_from_db()
    assert (organisation.vouches_required, organisation.voucher_min_days) == (0, 0)
    assert organisation.reveals_per_hour == 1000


def test_a_rules_change_with_a_bad_value_keeps_what_was_typed(
    coordinator: Persona, bea: Persona
) -> None:
    answer = login(Client(), coordinator).post(
        "/en/accounts/rules/",
        {"vouches_required": 99, "voucher_min_days": 30, "reveals_per_hour": 20, "reason": "x"},
    )
    assert answer.status_code == 400
    assert 'value="99"' in answer.content.decode()
    assert not Approval.objects.exists()


def test_a_lone_coordinator_changes_the_rules_alone_and_is_told_so(coordinator: Persona) -> None:
    answer = login(Client(), coordinator).post(
        "/en/accounts/rules/",
        {
            "vouches_required": 3,
            "voucher_min_days": 30,
            "reveals_per_hour": 20,
            "reason": "we grew, ask for more",
        },
    )
    assert "single coordinator, so no one approved it" in answer.content.decode()
    coordinator.member.organisation.refresh_from_db()
    assert coordinator.member.organisation.vouches_required == 3
