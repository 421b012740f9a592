"""No page gives two elements one id: a label would lead into the wrong box (a message typed
into the note box became a note)."""

from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from html.parser import HTMLParser

from django.test import Client
from django.utils import timezone

from haven.cases.lifecycle import case_triage
from haven.cases.notes import note_add
from haven.cases.sharing import case_share
from haven.intake.services import Accepted
from haven.volunteers.offering import bed_offer_save
from haven.volunteers.placements import placement_confirm
from tests.conftest import Persona, keyring_of, login


class Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: Counter[str] = Counter()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "id" and value:
                self.ids[value] += 1


def repeated_ids(html: str) -> list[str]:
    parser = Ids()
    parser.feed(html)
    return sorted(name for name, count in parser.ids.items() if count > 1)


def test_no_page_a_coordinator_host_or_requester_uses_repeats_an_id(
    coordinator: Persona,
    counselor: Persona,
    host: Persona,
    make_request: Callable[..., Accepted],
) -> None:
    accepted = make_request(needs=("shelter", "legal", "route"))
    case = accepted.case
    case_triage(actor=coordinator.member, case=case, decision="accept")
    keyring = keyring_of(coordinator)
    note_add(actor=coordinator.member, keyring=keyring, case=case, text="call back", is_task=True)
    note_add(actor=coordinator.member, keyring=keyring, case=case, text="a note")
    case_share(actor=coordinator.member, keyring=keyring, case=case, member=counselor.member)
    today = timezone.localdate()
    offer = bed_offer_save(
        actor=host.member,
        offer=None,
        place="kz-almaty",
        capacity=3,
        available_from=today,
        available_until=today + timedelta(days=9),
        languages=["ru"],
        accepts=[],
        address="ул. Абая 1",
        contact="@hana",
        rules="",
    )
    other = make_request(place="kz-almaty").case
    placement_confirm(actor=coordinator.member, case=other, offer=offer)
    desk = login(Client(), coordinator)
    opened = desk.post(f"/en/desk/{case.pk}/reveal/", {"reason": "reading it", "scope": "full"})
    pages = {
        "case, opened": opened.content.decode(),
        "case, with a placement": desk.get(f"/en/desk/{other.pk}/").content.decode(),
        "desk": desk.get("/en/desk/").content.decode(),
        "match": desk.get("/en/desk/match/?country=KZ").content.decode(),
        "team": desk.get("/en/accounts/team/").content.decode(),
        "proposals": login(Client(), host).get("/en/network/proposals/").content.decode(),
        "counselor's case": login(Client(), counselor).get(f"/en/desk/{case.pk}/").content.decode(),
        "request form": Client().get(f"/ru/help/{case.organisation.slug}/").content.decode(),
    }
    requester = Client()
    requester.post("/en/status/", {"codename": accepted.codename})
    pages["status"] = requester.get("/en/status/").content.decode()
    assert 'name="contact"' in pages["request form"]
    assert "message_text" in pages["case, opened"] and "note_text" in pages["case, opened"]
    assert {name: repeated_ids(html) for name, html in pages.items()} == {
        name: [] for name in pages
    }
