"""Who has a case: taken, handed over, let go; the desk finds mine, nobody's, new messages and a
reference; a second person opening a taken case is told who has it."""

from collections.abc import Callable

import pytest
from django.test import Client

from haven.audit.models import Event
from haven.cases.access import CaseRefused
from haven.cases.lifecycle import case_take, case_triage
from haven.cases.models import Case
from haven.cases.sharing import case_share
from haven.crypto.codenames import requester_key_pair
from haven.intake.services import Accepted
from haven.messaging.services import message_from_requester
from tests.conftest import Persona, invite_member, keyring_of, login


def test_a_case_is_taken_handed_over_and_let_go_and_each_step_is_recorded(
    coordinator: Persona, counselor: Persona, make_request: Callable[..., Accepted]
) -> None:
    case = make_request().case
    desk = login(Client(), coordinator)
    response = desk.post(f"/en/desk/{case.pk}/owner/", {"step": "take"})
    assert "You have this case now." in desk.get(response["Location"]).content.decode()
    assert Case.objects.get(pk=case.pk).owner_id == coordinator.member.pk
    # A counselor it is not shared with cannot be given it.
    with pytest.raises(CaseRefused):
        case_take(actor=coordinator.member, case=case, member=counselor.member)
    case_share(
        actor=coordinator.member,
        keyring=keyring_of(coordinator),
        case=case,
        member=counselor.member,
    )
    response = desk.post(
        f"/en/desk/{case.pk}/owner/", {"step": "assign", "member": str(counselor.member.pk)}
    )
    page = desk.get(response["Location"]).content.decode()
    assert f"Handed over to {counselor.member.handle}." in page
    assert f"{counselor.member.handle} has this case" in page
    assert f"gave it to {counselor.member.handle}" in page
    work = login(Client(), counselor)
    assert "You have this case." in work.get(f"/en/desk/{case.pk}/").content.decode()
    work.post(f"/en/desk/{case.pk}/owner/", {"step": "release"})
    assert Case.objects.get(pk=case.pk).owner_id is None
    moves = Event.objects.filter(action="case.owner", target_id=str(case.pk)).order_by("id")
    assert [e.data["to"] for e in moves] == [coordinator.member.pk, counselor.member.pk, None]


def test_a_second_coordinator_opening_a_taken_case_is_told_who_has_it(
    coordinator: Persona, make_request: Callable[..., Accepted]
) -> None:
    case = make_request().case
    case_take(actor=coordinator.member, case=case, member=coordinator.member)
    second = invite_member(coordinator, "vera", "coordinator", established=True)
    page = login(Client(), second).get(f"/en/desk/{case.pk}/").content.decode()
    assert f"{coordinator.member.handle} has this case: agree with them" in page
    desk = login(Client(), second)
    response = desk.post(f"/en/desk/{case.pk}/owner/", {"step": "take"})
    taken = desk.get(response["Location"]).content.decode()
    assert f"You have this case now; {coordinator.member.handle} had it before." in taken


def test_the_desk_filters_mine_nobodys_and_new_messages_and_finds_a_reference(
    coordinator: Persona, make_request: Callable[..., Accepted]
) -> None:
    mine = make_request(place="kz-oral").case
    nobodys = make_request(place="ge-batumi").case
    wrote = make_request(place="am-yerevan")
    for case in (mine, wrote.case):
        case_triage(actor=coordinator.member, case=case, decision="accept")
    case_take(actor=coordinator.member, case=mine, member=coordinator.member)
    message_from_requester(
        case=Case.objects.get(pk=wrote.case.pk),
        requester_private=requester_key_pair(wrote.codename).private,
        text="Есть новости?",
    )
    desk = login(Client(), coordinator)

    def listed(query: str) -> set[str]:
        html = desk.get(f"/en/desk/?{query}").content.decode()
        return {str(c.pk) for c in (mine, nobodys, wrote.case) if f"/desk/{c.pk}/" in html}

    assert listed("owner=mine") == {str(mine.pk)}
    assert listed("owner=unassigned") == {str(nobodys.pk), str(wrote.case.pk)}
    assert listed("new_message=on") == {str(wrote.case.pk)}
    reference = str(nobodys.pk)[:8]
    response = desk.get(f"/en/desk/?reference={reference.upper()}")
    assert response.status_code == 302 and response["Location"].endswith(f"/desk/{nobodys.pk}/")
    refused = desk.get("/en/desk/?reference=zz").content.decode()
    assert "A reference is at least 4" in refused
