"""The desk's count stays cheap at a million: past a cap it says "more than", never a wrong one."""

from collections.abc import Callable

import pytest
from django.test import Client

from haven.cases import queries
from haven.cases.queries import DeskFilter, desk_page
from haven.intake.services import Accepted
from tests.api.test_api import _token
from tests.conftest import Persona, login


def test_the_desk_counts_exactly_up_to_the_cap_then_says_more_than(
    coordinator: Persona, make_request: Callable[..., Accepted], monkeypatch: pytest.MonkeyPatch
) -> None:
    for number in range(5):
        make_request(contact=f"@count-{number}")
    monkeypatch.setattr(queries, "COUNT_CAP", 5)
    exact = desk_page(coordinator.member, DeskFilter(), 1, 2)
    assert (exact.paginator.count, exact.paginator.capped) == (5, False)  # type: ignore[attr-defined]  # a CappedPaginator
    make_request(contact="@count-5")
    capped = desk_page(coordinator.member, DeskFilter(), 1, 2)
    assert (capped.paginator.count, capped.paginator.capped) == (6, True)  # type: ignore[attr-defined]  # a CappedPaginator
    monkeypatch.setattr("haven.cases.views.lists.COUNT_CAP", 5)
    page = login(Client(), coordinator).get("/en/desk/").content.decode()
    assert "More than 5 requests: narrow the filter to see them all." in page
    assert "Page 1 of more than 1" in page


def test_the_api_says_when_its_count_is_a_lower_bound(
    coordinator: Persona, make_request: Callable[..., Accepted], monkeypatch: pytest.MonkeyPatch
) -> None:
    make_request(contact="@api-count-1")
    make_request(contact="@api-count-2")
    monkeypatch.setattr(queries, "COUNT_CAP", 1)
    headers = {"Authorization": f"Bearer {_token(coordinator)}"}
    body = Client().get("/api/v1/cases", headers=headers).json()
    assert (body["count"], body["count_capped"], body["pages"]) == (2, True, 1)
