"""A flood of wrong codenames cannot keep a requester with the right one out.

Behind Tor every client is 127.0.0.1, so the flood and the requester look alike to the server:
the flood spends the global budget of failures and is answered "too many", while the right
codename, tried in the middle of the flood, opens its case every time.
"""

import json
import secrets
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from unittest import mock

import pytest
from django.test import Client

from haven.core.ratelimit import Budget
from haven.crypto.codenames import codename_from_seed
from haven.intake.services import Accepted

FLOOD = 600
RIGHT_EVERY = 30


@pytest.fixture
def one_window() -> Iterator[None]:
    """Keep every budget in one window for the test: a flood that crosses a minute's boundary
    would get a fresh budget half-way and the exact counts would not hold."""
    start = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    with mock.patch.object(Budget, "_window_start", lambda self, now: start):
        yield


def _random_codename() -> str:
    return codename_from_seed(secrets.token_bytes(32))


def _status(client: Client, codename: str) -> int:
    response = client.post(
        "/api/v1/status", json.dumps({"codename": codename}), content_type="application/json"
    )
    return response.status_code


def test_right_codename_is_answered_through_a_flood_of_wrong_ones_on_the_api(
    make_request: Callable[..., Accepted], settings: object, one_window: None
) -> None:
    settings.HAVEN_CODENAME_GLOBAL_FAILURES_PER_MINUTE = 300  # type: ignore[attr-defined]
    codename = make_request().codename
    attacker, requester = Client(), Client()
    flood: Counter[int] = Counter()
    right: Counter[int] = Counter()
    started = time.perf_counter()
    for sent in range(1, FLOOD + 1):
        flood[_status(attacker, _random_codename())] += 1
        if sent % RIGHT_EVERY == 0:
            right[_status(requester, codename)] += 1
    seconds = time.perf_counter() - started
    print(
        f"\nflood of {FLOOD} wrong codenames in {seconds:.1f} s: {dict(flood)}; "
        f"right codename during it: {dict(right)}"
    )
    assert flood[429] >= FLOOD - 300  # the budget was spent: the flood was refused
    assert right == Counter({200: FLOOD // RIGHT_EVERY})


def test_right_codename_opens_the_status_page_through_a_flood_of_wrong_ones(
    make_request: Callable[..., Accepted], settings: object, one_window: None
) -> None:
    settings.HAVEN_CODENAME_GLOBAL_FAILURES_PER_MINUTE = 20  # type: ignore[attr-defined]
    codename = make_request().codename
    attacker = Client()
    answers: Counter[int] = Counter()
    for _ in range(60):
        answers[attacker.post("/en/status/", {"codename": _random_codename()}).status_code] += 1
    assert answers == Counter({400: 20, 429: 40})
    requester = Client()
    response = requester.post("/ru/status/", {"codename": codename})
    assert response.status_code == 302
    assert "Волонтёры ещё не смотрели" in requester.get("/ru/status/").content.decode()
    # and the flood is still refused after the requester got in
    assert attacker.post("/en/status/", {"codename": _random_codename()}).status_code == 429


def test_a_flood_of_wrong_codenames_writes_no_counter_row_per_guess(
    case: object, settings: object
) -> None:
    from haven.core.models import RateCounter

    settings.HAVEN_CODENAME_GLOBAL_FAILURES_PER_MINUTE = 300  # type: ignore[attr-defined]
    attacker = Client()
    for _ in range(400):
        _status(attacker, _random_codename())
    # One row for the global budget's window, not one per codename tried.
    assert RateCounter.objects.count() <= 2
