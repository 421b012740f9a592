"""Risky choices are asked for, not given by leaving a field alone, and destructive buttons look
destructive."""

import re
from collections.abc import Callable

from django.test import Client

from haven.cases.lifecycle import case_triage
from haven.intake.services import Accepted
from tests.conftest import Persona, login


def _selected(html: str, name: str) -> list[str]:
    selects = re.findall(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert selects, f"no select named {name}"
    return [
        value
        for select in selects
        for value in re.findall(r'<option value="([^"]*)"[^>]*selected', select)
    ]


def test_an_invite_starts_at_the_least_role(coordinator: Persona) -> None:
    page = login(Client(), coordinator).get("/en/accounts/team/").content.decode()
    assert _selected(page, "role") == ["host"]
    options = re.findall(r'<option value="(host|counselor|coordinator)"', page)
    assert options == ["host", "counselor", "coordinator"]


def test_the_case_page_preselects_no_counselor_and_marks_what_destroys(
    coordinator: Persona, counselor: Persona, make_request: Callable[..., Accepted]
) -> None:
    case = make_request().case
    case_triage(actor=coordinator.member, case=case, decision="accept")
    desk = login(Client(), coordinator)
    page = desk.get(f"/en/desk/{case.pk}/").content.decode()
    assert set(_selected(page, "member")) <= {""}  # "Choose…", no counselor
    assert re.search(r'<button type="submit" class="danger">Shred</button>', page)
    refused = desk.post(f"/en/desk/{case.pk}/share/", {}).content.decode()
    assert "Choose the counselor to share it with." in refused
    member_page = desk.get(f"/en/network/members/{counselor.member.pk}/").content.decode()
    assert '<button type="submit" class="danger">Suspend</button>' in member_page
