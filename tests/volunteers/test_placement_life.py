"""A placement's whole life: proposed, accepted or declined, checked in and out, withdrawn or
expired; each step holds or frees beds for the stay's dates, moves the case only along its own
rules, is refused on an ended case, and shows in the case's history, the host's list and the
requester's status page."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from haven.accounts.organisations import organisation_configure
from haven.audit.models import Event
from haven.cases.lifecycle import case_move, case_triage
from haven.cases.models import Case, Status
from haven.cases.retention import case_shred
from haven.intake.services import Accepted
from haven.matching.regions import free_beds
from haven.matching.services import suggestions_for
from haven.ops.worker import run_due
from haven.volunteers.models import BedOffer, Decision, Placement
from haven.volunteers.offering import bed_offer_save
from haven.volunteers.placements import (
    beds_taken,
    placement_check_in,
    placement_check_out,
    placement_confirm,
    placement_decide,
    placement_withdraw,
    placements_expire,
)
from tests.conftest import Persona, login
from tests.volunteers.test_offers_and_escrow import _keyring


def _offer(host: Persona, capacity: int = 2, days: int = 20) -> BedOffer:
    today = timezone.localdate()
    return bed_offer_save(
        actor=host.member,
        offer=None,
        place="kz-almaty",
        capacity=capacity,
        available_from=today,
        available_until=today + timedelta(days=days),
        languages=["ru"],
        accepts=["families"],
        address="ул. Абая 150",
        contact="@hana_host",
        rules="",
    )


def _actions(case: Case) -> list[str]:
    return list(
        Event.objects.filter(target_type="case", target_id=str(case.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


def _status(case: Case) -> str:
    return Case.objects.get(pk=case.pk).status


def test_a_stay_runs_from_proposal_to_check_out_and_frees_the_beds_when_it_ends(
    coordinator: Persona, host: Persona, make_request: Callable[..., Accepted]
) -> None:
    today = timezone.localdate()
    case = make_request(group_size=2, date_from=today + timedelta(days=1)).case
    offer = _offer(host)
    placement = placement_confirm(actor=coordinator.member, case=case, offer=offer)
    assert (placement.stay_from, placement.stay_until) == (
        today + timedelta(days=1),
        offer.available_until,
    )
    # A new request is accepted by the proposal, then moved on: two legal steps, both recorded.
    assert _status(case) == Status.IN_PROGRESS
    statuses = Event.objects.filter(target_id=str(case.pk), action="case.status")
    assert [(e.data["was"], e.data["to"]) for e in statuses.order_by("id")] == [
        ("new", "triaged"),
        ("triaged", "in_progress"),
    ]
    assert beds_taken(offer) == 2
    placement_decide(keyring=_keyring(host), placement=placement, accept=True)
    placement_check_in(actor=host.member, placement=placement)
    assert Placement.objects.get(pk=placement.pk).decision == Decision.CHECKED_IN
    assert beds_taken(offer) == 2
    placement_check_out(actor=host.member, placement=placement)
    done = Placement.objects.get(pk=placement.pk)
    assert done.decision == Decision.CHECKED_OUT and done.address_for_requester is None
    assert beds_taken(offer) == 0
    assert [o.taken for o in free_beds(offer.organisation_id, "KZ", today)] == [0]  # type: ignore[attr-defined]
    assert _status(case) == Status.IN_PROGRESS
    assert [a for a in _actions(case) if a.startswith("placement.")] == [
        "placement.confirm",
        "placement.accept",
        "placement.check_in",
        "placement.check_out",
    ]


def test_beds_are_held_only_for_the_nights_of_the_stay(
    coordinator: Persona, host: Persona, make_request: Callable[..., Accepted]
) -> None:
    today = timezone.localdate()
    offer = _offer(host, capacity=2)
    early = make_request(group_size=2, date_from=today, date_until=today + timedelta(days=3)).case
    placement_confirm(actor=coordinator.member, case=early, offer=offer)
    late = make_request(
        group_size=2, date_from=today + timedelta(days=5), date_until=today + timedelta(days=8)
    ).case
    # The first group leaves before the second arrives: the same two beds take both.
    placement_confirm(actor=coordinator.member, case=late, offer=offer)
    assert beds_taken(offer, today, today + timedelta(days=3)) == 2
    assert beds_taken(offer, today + timedelta(days=4), today + timedelta(days=4)) == 0
    overlapping = make_request(
        group_size=1, date_from=today + timedelta(days=2), date_until=today + timedelta(days=6)
    ).case
    with pytest.raises(ValidationError, match="Not enough free beds"):
        placement_confirm(actor=coordinator.member, case=overlapping, offer=offer)


def test_a_spam_request_or_a_shredded_case_is_never_proposed(
    coordinator: Persona, host: Persona, make_request: Callable[..., Accepted]
) -> None:
    offer = _offer(host)
    spam = make_request().case
    case_triage(actor=coordinator.member, case=spam, decision="spam")
    with pytest.raises(ValidationError, match="closed"):
        placement_confirm(actor=coordinator.member, case=Case.objects.get(pk=spam.pk), offer=offer)
    case_shred(actor=None, case=Case.objects.get(pk=spam.pk), reason="forget")
    with pytest.raises(ValidationError, match="shredded"):
        placement_confirm(actor=coordinator.member, case=Case.objects.get(pk=spam.pk), offer=offer)
    spam_now = Case.objects.get(pk=spam.pk)
    assert (spam_now.status, spam_now.close_reason) == (Status.CLOSED, "forgotten")
    assert not Placement.objects.exists()
    # The case page does not offer it a bed either.
    page = login(Client(), coordinator).get(f"/en/desk/{spam.pk}/").content.decode()
    assert "Propose to this host" not in page and "In progress" not in page


def test_closing_or_shredding_a_case_ends_its_placement_and_frees_the_beds(
    coordinator: Persona, host: Persona, make_request: Callable[..., Accepted]
) -> None:
    offer = _offer(host)
    closed = make_request().case
    waiting = placement_confirm(actor=coordinator.member, case=closed, offer=offer)
    case_move(actor=coordinator.member, case=closed, status=Status.CLOSED, reason="no_answer")
    assert Placement.objects.get(pk=waiting.pk).decision == Decision.WITHDRAWN
    forgotten = make_request().case
    staying = placement_confirm(actor=coordinator.member, case=forgotten, offer=offer)
    placement_decide(keyring=_keyring(host), placement=staying, accept=True)
    case_shred(actor=None, case=forgotten, reason="forget")
    with pytest.raises(ValidationError, match="shredded"):
        placement_check_in(actor=host.member, placement=staying)
    ended = Placement.objects.get(pk=staying.pk)
    assert ended.decision == Decision.WITHDRAWN and ended.address_for_requester is None
    assert beds_taken(offer) == 0


def test_a_decline_or_a_withdrawal_returns_the_case_to_the_pool(
    coordinator: Persona, host: Persona, make_request: Callable[..., Accepted]
) -> None:
    offer = _offer(host)
    case = make_request(place="kz-almaty").case
    first = placement_confirm(actor=coordinator.member, case=case, offer=offer)
    placement_decide(keyring=_keyring(host), placement=first, accept=False)
    assert _status(case) == Status.TRIAGED
    again = placement_confirm(actor=coordinator.member, case=case, offer=offer)
    placement_decide(keyring=_keyring(host), placement=again, accept=True)
    with pytest.raises(PermissionError):
        placement_withdraw(actor=host.member, placement=again)
    placement_withdraw(actor=coordinator.member, placement=again)
    withdrawn = Placement.objects.get(pk=again.pk)
    assert withdrawn.decision == Decision.WITHDRAWN and withdrawn.address_for_requester is None
    assert _status(case) == Status.TRIAGED
    assert [item.offer.pk for item in suggestions_for(Case.objects.get(pk=case.pk))] == [offer.pk]
    with pytest.raises(ValidationError, match="checked in"):
        placement_check_in(actor=host.member, placement=withdrawn)


def test_a_proposal_the_host_leaves_unanswered_expires_after_the_organisations_hours(
    coordinator: Persona, host: Persona, make_request: Callable[..., Accepted]
) -> None:
    organisation_configure(organisation=coordinator.member.organisation, proposal_expiry_hours=6)
    offer = _offer(host)
    case = make_request().case
    placement = placement_confirm(actor=coordinator.member, case=case, offer=offer)
    assert placements_expire(timezone.now() + timedelta(hours=5)) == 0
    assert placements_expire(timezone.now() + timedelta(hours=6, minutes=1)) == 1
    expired = Placement.objects.get(pk=placement.pk)
    assert expired.decision == Decision.EXPIRED and beds_taken(offer) == 0
    assert _status(case) == Status.TRIAGED
    event = Event.objects.get(target_id=str(case.pk), action="placement.expire")
    assert event.actor_id is None and event.data["hours"] == 6
    with pytest.raises(ValidationError, match="already answered"):
        placement_decide(keyring=_keyring(host), placement=expired, accept=True)
    # The worker runs the same job.
    assert "expire-proposals" in run_due()


def test_the_host_the_desk_and_the_requester_each_see_every_step(
    coordinator: Persona, host: Persona, make_request: Callable[..., Accepted]
) -> None:
    accepted = make_request()
    case = accepted.case
    desk = login(Client(), coordinator)
    response = desk.post(f"/en/desk/{case.pk}/place/", {"offer": str(_offer(host).pk)})
    page = desk.get(response["Location"]).content.decode()
    assert "Proposed to the host in Almaty" in page and "within 12 hours" in page
    assert "proposed a bed with a host" in page
    placement = Placement.objects.get(case=case)
    requester = Client()
    requester.post("/en/status/", {"codename": accepted.codename})
    assert "waiting for the host to confirm" in requester.get("/en/status/").content.decode()
    hosting = login(Client(), host)
    hosting.post(f"/en/network/proposals/{placement.pk}/decide/", {"accept": "1"})
    listing = hosting.get("/en/network/proposals/").content.decode()
    assert "You accepted" in listing and "check in" in listing
    hosting.post(f"/en/network/proposals/{placement.pk}/stay/", {"step": "check_in"})
    assert "arrived" in requester.get("/en/status/").content.decode()
    page = desk.get(f"/en/desk/{case.pk}/").content.decode()
    assert "Checked in" in page and "recorded that the guests arrived" in page
    response = desk.post(f"/en/desk/{case.pk}/placement/{placement.pk}/", {"step": "check_out"})
    assert "Checked out" in desk.get(response["Location"]).content.decode()
    assert "Your stay has ended" in requester.get("/en/status/").content.decode()
    assert "Checked out" in hosting.get("/en/network/proposals/").content.decode()
