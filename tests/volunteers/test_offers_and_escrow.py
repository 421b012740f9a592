"""Offers, one-click pause, and the address escrow: a host's address reaches a requester only
after a coordinator confirms the placement and the host accepts it."""

import json
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from haven.accounts.credentials import member_unlock
from haven.accounts.unlock import Keyring
from haven.cases.models import Case, Status
from haven.crypto.codenames import normalise, requester_key_pair
from haven.crypto.keys import open_sealed
from haven.intake.services import Accepted
from haven.volunteers.models import BedOffer, Decision
from haven.volunteers.offering import bed_offer_save
from haven.volunteers.placements import placement_confirm, placement_decide
from tests.conftest import Persona, login, stored

ADDRESS = "ул. Абая 150, кв. 12, Алматы"


def _keyring(persona: Persona) -> Keyring:
    unlocked = member_unlock(handle=persona.member.handle, passphrase=persona.passphrase)
    assert unlocked is not None
    return Keyring(member=unlocked.member, _private=unlocked.private_key)


def _offer(host: Persona, capacity: int = 3) -> BedOffer:
    today = timezone.localdate()
    return bed_offer_save(
        actor=host.member,
        offer=None,
        place="kz-almaty",
        capacity=capacity,
        available_from=today,
        available_until=today + timedelta(days=20),
        languages=["ru", "kk"],
        accepts=["families"],
        address=ADDRESS,
        contact="@hana_host",
        rules="Не курить",
    )


def test_host_offers_beds_with_the_address_sealed_and_reads_it_back(host: Persona) -> None:
    client = login(Client(), host)
    today = timezone.localdate()
    response = client.post(
        "/en/network/offers/beds/new/",
        {
            "place": "kz-almaty",
            "capacity": "2",
            "available_from": today.isoformat(),
            "available_until": (today + timedelta(days=9)).isoformat(),
            "languages": ["ru"],
            "accepts": ["women", "pets"],
            "address": ADDRESS,
            "contact": "@hana",
            "rules": "",
        },
    )
    assert response.status_code == 302
    offer = BedOffer.objects.get()
    assert ADDRESS.encode() not in stored(offer.address_sealed)
    assert offer.accepts == ["pets", "women"]
    edit = client.get(f"/en/network/offers/beds/{offer.pk}/")
    assert ADDRESS in edit.content.decode()


def test_bad_offer_input_is_explained_and_kept(host: Persona) -> None:
    client = login(Client(), host)
    today = timezone.localdate()
    response = client.post(
        "/ru/network/offers/beds/new/",
        {
            "place": "kz-almaty",
            "capacity": "0",
            "available_from": today.isoformat(),
            "available_until": (today - timedelta(days=1)).isoformat(),
            "languages": ["ru"],
            "address": ADDRESS,
            "contact": "@hana",
        },
    )
    assert response.status_code == 400
    assert ADDRESS in response.content.decode()
    assert BedOffer.objects.count() == 0


def test_offers_pause_and_resume_in_one_click(host: Persona) -> None:
    offer = _offer(host)
    client = login(Client(), host)
    client.post(f"/en/network/offers/beds/{offer.pk}/pause/", {"paused": "1"})
    assert BedOffer.objects.get().paused
    client.post(f"/en/network/offers/beds/{offer.pk}/pause/", {"paused": "0"})
    assert not BedOffer.objects.get().paused


def test_counseling_and_transport_offers(counselor: Persona) -> None:
    client = login(Client(), counselor)
    missing_city = client.post(
        "/en/network/offers/counseling/new/",
        {"topics": ["legal"], "languages": ["ru"], "weekly_capacity": "5", "mode": "in_person"},
    )
    assert "Choose the city where you meet people" in missing_city.content.decode()
    remote = client.post(
        "/en/network/offers/counseling/new/",
        {
            "topics": ["legal"],
            "languages": ["ru", "en"],
            "countries": ["DE", "FR"],
            "weekly_capacity": "5",
            "mode": "remote",
        },
    )
    assert remote.status_code == 302
    drive = client.post(
        "/en/network/offers/transport/new/",
        {
            "origin": "ru-orenburg",
            "destination": "kz-oral",
            "seats": "3",
            "day": timezone.localdate().isoformat(),
        },
    )
    assert drive.status_code == 302
    page = client.get("/en/network/offers/").content.decode()
    assert "Remote" in page and "Oral" in page


def test_the_address_reaches_the_requester_only_after_confirmation_and_acceptance(
    coordinator: Persona, host: Persona, make_request: Callable[..., Accepted]
) -> None:
    accepted = make_request(group_size=2)
    offer = _offer(host)
    placement = placement_confirm(actor=coordinator.member, case=accepted.case, offer=offer)
    assert placement.address_for_requester is None
    assert Case.objects.get(pk=accepted.case.pk).status == Status.IN_PROGRESS
    # The host sees the group's coarse profile and nothing sealed.
    page = login(Client(), host).get("/en/network/proposals/").content.decode()
    assert "Waiting for the host" in page and "@telegram_handle" not in page
    placement_decide(keyring=_keyring(host), placement=placement, accept=True)
    placement.refresh_from_db()
    private = requester_key_pair(normalise(accepted.codename)).private
    escrowed = json.loads(open_sealed(private, stored(placement.address_for_requester)))
    assert escrowed["address"] == ADDRESS
    # Only the requester's key opens it: not the organisation's, not the host's.
    with pytest.raises(Exception, match="does not open"):
        open_sealed(
            _keyring(coordinator).organisation_private_key(),
            stored(placement.address_for_requester),
        )


def test_a_declined_placement_returns_the_case_to_the_pool(
    coordinator: Persona, host: Persona, make_request: Callable[..., Accepted]
) -> None:
    case = make_request().case
    placement = placement_confirm(actor=coordinator.member, case=case, offer=_offer(host))
    placement_decide(keyring=_keyring(host), placement=placement, accept=False)
    placement.refresh_from_db()
    assert placement.decision == Decision.DECLINED and placement.address_for_requester is None
    assert Case.objects.get(pk=case.pk).status == Status.TRIAGED
    again = placement_confirm(actor=coordinator.member, case=case, offer=_offer(host))
    assert again.decision == Decision.PROPOSED


def test_capacity_pause_and_ownership_are_enforced(
    coordinator: Persona,
    host: Persona,
    counselor: Persona,
    make_request: Callable[..., Accepted],
) -> None:
    offer = _offer(host, capacity=2)
    placement_confirm(actor=coordinator.member, case=make_request(group_size=2).case, offer=offer)
    with pytest.raises(ValidationError, match="Not enough free beds"):
        placement_confirm(actor=coordinator.member, case=make_request().case, offer=offer)
    paused = _offer(host)
    BedOffer.objects.filter(pk=paused.pk).update(paused=True)
    with pytest.raises(ValidationError, match="paused"):
        placement_confirm(actor=coordinator.member, case=make_request().case, offer=paused)
    with pytest.raises(PermissionError):
        placement_confirm(actor=counselor.member, case=make_request().case, offer=offer)
    placement = offer.placements.get()
    with pytest.raises(PermissionError):
        placement_decide(keyring=_keyring(counselor), placement=placement, accept=True)
