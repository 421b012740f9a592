"""Matching on the desk: suggestions for one case, the optimiser over a country, and confirming."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from haven.accounts.models import Organisation
from haven.accounts.organisations import organisation_configure
from haven.cases.models import Case
from haven.intake.services import Accepted
from haven.matching.models import MatchRun
from haven.matching.regions import load_region
from haven.matching.services import propose, suggestions_for
from haven.ops.worker import run_due
from haven.volunteers.models import BedOffer, Decision, Placement
from haven.volunteers.offering import bed_offer_save, offer_pause
from haven.volunteers.placements import placement_confirm, placement_decide
from haven.volunteers.suspension import member_suspend
from tests.conftest import Persona, login
from tests.volunteers.test_offers_and_escrow import _keyring


def _beds(persona: Persona, place: str, capacity: int, **extra: object) -> BedOffer:
    today = timezone.localdate()
    fields: dict[str, object] = {
        "actor": persona.member,
        "offer": None,
        "place": place,
        "capacity": capacity,
        "available_from": today,
        "available_until": today + timedelta(days=30),
        "languages": ["ru"],
        "accepts": [],
        "address": "ул. Тестовая 1",
        "contact": "@h",
        "rules": "",
    }
    fields.update(extra)
    return bed_offer_save(**fields)  # type: ignore[arg-type]


def test_suggestions_rank_near_beds_first_and_explain_them(
    host: Persona, make_request: Callable[..., Accepted]
) -> None:
    case = make_request(place="kz-almaty", group_size=2).case
    near = _beds(host, "kz-almaty", 2)
    _beds(host, "kz-taldykorgan", 4)
    _beds(host, "kz-astana", 4)  # beyond the radius
    _beds(host, "kz-almaty", 1)  # too small for the group
    found = suggestions_for(case)
    assert found[0].offer.pk == near.pk
    assert all(item.offer.place != "kz-astana" for item in found)
    assert all(item.terms.capacity_left >= 2 for item in found)
    assert found[0].terms.distance_km < 1


def test_group_needs_must_be_allowed_by_the_host(
    host: Persona, make_request: Callable[..., Accepted]
) -> None:
    case = make_request(place="kz-almaty", group_needs=("children", "pets")).case
    _beds(host, "kz-almaty", 4, accepts=["children"])
    assert suggestions_for(case) == []
    fits = _beds(host, "kz-almaty", 4, accepts=["families", "pets"])
    assert [item.offer.pk for item in suggestions_for(case)] == [fits.pk]


def test_a_region_loads_in_two_queries_whatever_its_size(
    host: Persona, make_request: Callable[..., Accepted]
) -> None:
    for _ in range(30):
        make_request(place="kz-oral")
    for _ in range(10):
        _beds(host, "kz-oral", 2)
    with CaptureQueriesContext(connection) as queries:
        region = load_region(host.member.organisation_id, "KZ", timezone.localdate())
    assert (len(region.cases), len(region.offers)) == (30, 10)
    assert len(queries) == 2


def test_the_optimiser_places_the_urgent_first_and_never_moves_a_confirmed_placement(
    coordinator: Persona, host: Persona, make_request: Callable[..., Accepted]
) -> None:
    offer = _beds(host, "ge-tbilisi", 3)
    confirmed = make_request(place="ge-tbilisi", urgency=1).case
    placement_confirm(actor=coordinator.member, case=confirmed, offer=offer)
    urgent = make_request(place="ge-tbilisi", urgency=5, group_size=2).case
    calm = make_request(place="ge-tbilisi", urgency=1, group_size=2).case
    proposal = propose(coordinator.member.organisation_id, "GE")
    assert [(case.pk, beds.pk) for case, beds in proposal.pairs] == [(urgent.pk, offer.pk)]
    assert proposal.urgent_placed == 2
    assert calm.pk not in [case.pk for case, _beds_ in proposal.pairs]
    assert Placement.objects.get(case=confirmed).offer_id == offer.pk


def test_coordinator_confirms_ticked_proposals_and_hosts_are_asked(
    coordinator: Persona, host: Persona, make_request: Callable[..., Accepted]
) -> None:
    offer = _beds(host, "am-yerevan", 4)
    first = make_request(place="am-yerevan", urgency=5).case
    second = make_request(place="am-yerevan", urgency=4).case
    desk = login(Client(), coordinator)
    page = desk.get("/en/desk/match/?country=AM").content.decode()
    assert f'value="{first.pk}:{offer.pk}"' in page
    # The plan is reviewable: each pair links its request and its host, nothing is ticked.
    assert f'href="/en/desk/{first.pk}/"' in page
    assert f'href="/en/network/members/{host.member.pk}/"' in page and "0 km" in page
    assert " checked" not in page.split('class="plan"')[1]
    assert "not triaged yet: confirming accepts it" in page
    response = desk.post("/en/desk/match/", {"country": "AM", "pair": [f"{first.pk}:{offer.pk}"]})
    assert "1 placement confirmed" in response.content.decode()
    assert Placement.objects.get().case_id == first.pk
    assert not Placement.objects.filter(case=second).exists()
    placement_decide(keyring=_keyring(host), placement=Placement.objects.get(), accept=False)
    assert Case.objects.get(pk=first.pk).status == "triaged"
    again = propose(coordinator.member.organisation_id, "AM")
    assert first.pk in [case.pk for case, _offer in again.pairs]
    assert Placement.objects.get().decision == Decision.DECLINED


def test_forged_pairs_of_another_organisation_are_ignored(
    coordinator: Persona,
    outsider: Persona,
    host: Persona,
    make_request: Callable[..., Accepted],
) -> None:
    offer = _beds(host, "am-yerevan", 4)
    case = make_request(place="am-yerevan").case
    response = login(Client(), outsider).post(
        "/en/desk/match/", {"country": "AM", "pair": [f"{case.pk}:{offer.pk}"]}
    )
    assert "0 placements confirmed" in response.content.decode()
    assert not Placement.objects.exists()


def test_the_cached_index_follows_every_change_to_the_region(
    coordinator: Persona, host: Persona, make_request: Callable[..., Accepted]
) -> None:
    case = make_request(place="rs-belgrade").case
    assert suggestions_for(case) == []
    offer = _beds(host, "rs-belgrade", 2)
    assert [item.offer.pk for item in suggestions_for(case)] == [offer.pk]
    offer_pause(actor=host.member, offer=offer, paused=True)
    assert suggestions_for(case) == []
    offer_pause(actor=host.member, offer=BedOffer.objects.get(pk=offer.pk), paused=False)
    other = make_request(place="rs-belgrade", group_size=2).case
    placement_confirm(actor=coordinator.member, case=other, offer=offer)
    assert suggestions_for(case) == []  # the two beds are taken
    member_suspend(actor=coordinator.member, member=host.member, reason="suspected informer")
    assert suggestions_for(make_request(place="rs-belgrade").case) == []


def test_the_whole_network_is_matched_country_by_country(
    coordinator: Persona, host: Persona, make_request: Callable[..., Accepted]
) -> None:
    _beds(host, "ge-tbilisi", 2)
    _beds(host, "am-yerevan", 2)
    make_request(place="ge-tbilisi")
    make_request(place="am-yerevan")
    make_request(place="tr-istanbul")
    page = login(Client(), coordinator).get("/en/desk/match/?country=ALL").content.decode()
    assert "3 open requests; the proposal places 2 people" in page


def test_the_worker_runs_each_job_once_per_interval_and_the_desk_shows_the_signal(
    coordinator: Persona, host: Persona, make_request: Callable[..., Accepted]
) -> None:
    _beds(host, "ge-tbilisi", 1)
    make_request(place="ge-tbilisi", urgency=5)
    make_request(place="ge-tbilisi", urgency=5, group_size=2)
    assert run_due() == [
        "link-audit",
        "match",
        "potentials",
        "expire-proposals",
        "forget-rate-counters",
        "shred-due",
        "knowledge-review",
        "notify",
        "deliver-referrals",
    ]
    assert run_due() == []
    run = MatchRun.objects.get()
    assert (run.urgent_people, run.urgent_placed) == (3, 1)
    page = login(Client(), coordinator).get("/en/desk/").content.decode()
    assert "the optimiser could place 1 of 3 urgent people" in page


def test_counselors_and_drives_that_fit_are_shown_on_the_case(
    coordinator: Persona,
    counselor: Persona,
    host: Persona,
    make_request: Callable[..., Accepted],
) -> None:
    from haven.volunteers.offering import counseling_offer_save, transport_offer_save

    case = make_request(place="kz-oral", needs=("legal", "route"), languages=("ru",)).case
    counseling_offer_save(
        actor=counselor.member,
        offer=None,
        topics=["legal"],
        languages=["ru"],
        countries=["KZ"],
        weekly_capacity=3,
        mode="remote",
        place="",
    )
    counseling_offer_save(  # wrong topic
        actor=host.member,
        offer=None,
        topics=["medical"],
        languages=["ru"],
        countries=[],
        weekly_capacity=3,
        mode="remote",
        place="",
    )
    today = timezone.localdate()
    transport_offer_save(
        actor=host.member,
        offer=None,
        origin="kz-oral",
        destination="kz-almaty",
        seats=3,
        day=today + timedelta(days=1),
    )
    transport_offer_save(  # leaves far away
        actor=host.member,
        offer=None,
        origin="kz-almaty",
        destination="kz-astana",
        seats=3,
        day=today + timedelta(days=1),
    )
    page = login(Client(), coordinator).get(f"/en/desk/{case.pk}/").content.decode()
    counselors = page.split('class="counselors"')[1].split("</table>")[0]
    assert counselor.member.handle in counselors and host.member.handle not in counselors
    rides = page.split('class="rides"')[1].split("</table>")[0]
    assert rides.count("<tr>") == 1 and "Oral, Kazakhstan → Almaty" in rides


def test_the_organisations_radius_decides_what_is_within_reach(
    organisation: Organisation, host: Persona, make_request: Callable[..., Accepted]
) -> None:
    case = make_request(place="kz-almaty").case
    far = _beds(host, "kz-taldykorgan", 2)
    assert far.pk in [item.offer.pk for item in suggestions_for(case)]
    organisation_configure(organisation=organisation, matching_weights={"radius_km": 50})
    assert suggestions_for(case) == []
    with pytest.raises(ValidationError, match="largest penalty"):
        organisation_configure(organisation=organisation, matching_weights={"language": 5.0})
