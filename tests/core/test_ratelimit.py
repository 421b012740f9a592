"""Hot budgets are taken in shares: one statement per share, never more than the limit admitted,
however many processes share the budget."""

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager as ContextManager
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest

from haven.core import ratelimit
from haven.core.models import RateCounter
from haven.core.ratelimit import Budget

MINUTE = timedelta(minutes=1)
NOON = datetime(2026, 11, 27, 12, 0, 5, tzinfo=UTC)


@pytest.fixture
def clock() -> Iterator[list[datetime]]:
    """The budgets' clock, held still (at NOON) until a test moves it."""
    now = [NOON]
    with mock.patch.object(ratelimit.timezone, "now", lambda: now[0]):
        yield now


def _process() -> ContextManager[object]:
    """What one web process remembers of budgets, fresh."""
    return mock.patch.object(ratelimit, "_HELD", {})


@pytest.mark.django_db
def test_one_process_admits_exactly_the_limit_one_statement_per_share(
    clock: list[datetime], django_assert_num_queries: Callable[..., ContextManager[object]]
) -> None:
    budget = Budget("test-hot", 1000, MINUTE)  # shares of 1000 // 200 = 5
    with django_assert_num_queries(200):
        admitted = sum(budget.take(b"all") for _ in range(1000))
    assert admitted == 1000
    with django_assert_num_queries(1):  # learns the window is spent
        assert not budget.take(b"all")
    with django_assert_num_queries(0):  # and then costs the database nothing
        assert not any(budget.take(b"all") for _ in range(100))


@pytest.mark.django_db
def test_processes_sharing_a_budget_never_admit_more_than_the_limit(clock: list[datetime]) -> None:
    budget = Budget("test-shared", 600, MINUTE)  # shares of 3
    processes: list[dict[object, int]] = [{}, {}, {}, {}]
    admitted = 0
    for turn in range(2000):
        with mock.patch.object(ratelimit, "_HELD", processes[turn % 4]):
            admitted += budget.take(b"all")
    # Each process may end the window holding part of a share it did not use.
    assert 600 - 4 * 3 <= admitted <= 600
    assert RateCounter.objects.get().count >= 600


@pytest.mark.django_db
def test_a_new_window_brings_a_new_budget(clock: list[datetime]) -> None:
    budget = Budget("test-window", 2, MINUTE)
    with _process():
        assert [budget.take(b"all") for _ in range(3)] == [True, True, False]
        clock[0] = NOON + MINUTE
        assert budget.take(b"all")


@pytest.mark.django_db
def test_keys_have_budgets_of_their_own(clock: list[datetime]) -> None:
    budget = Budget("test-keys", 1, MINUTE)
    with _process():
        assert budget.take(b"one")
        assert not budget.take(b"one")
        assert budget.take(b"two")
