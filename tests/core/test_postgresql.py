"""A kept PostgreSQL connection is checked at each request without a round trip, and a connection
the server has dropped is still found out and replaced."""

import time
from typing import cast

import pytest
from django.db import connection, connections

from haven.core.postgresql.base import DatabaseWrapper
from tests.conftest import is_postgres

pytestmark = [
    pytest.mark.skipif(not is_postgres(), reason="PostgreSQL's connection check"),
    # As in a web request: no transaction around it, so the connection sits idle between queries.
    pytest.mark.django_db(transaction=True),
]


def _request_starts() -> None:
    """What Django does as a request begins to use a kept connection."""
    wrapper = cast(DatabaseWrapper, connections["default"])
    wrapper.health_check_done = False
    wrapper.close_if_health_check_failed()


@pytest.fixture
def full_checks(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Each full check Django runs (`SELECT 1`), with its answer."""
    answers: list[bool] = []
    wrapper = type(connections["default"])
    full_check = wrapper.is_usable

    def counted(self: DatabaseWrapper) -> bool:
        answers.append(full_check(self))
        return answers[-1]

    monkeypatch.setattr(wrapper, "is_usable", counted)
    return answers


def _server_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def test_a_healthy_idle_connection_is_kept_without_a_query(full_checks: list[bool]) -> None:
    pid = _server_pid()
    for _ in range(3):
        _request_starts()
    assert full_checks == []
    assert _server_pid() == pid


def test_a_connection_the_server_dropped_is_replaced(full_checks: list[bool]) -> None:
    dropped = _server_pid()
    # Another connection ends this one's server process, as a restart of PostgreSQL does.
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [dropped])
    finally:
        other.close()
    deadline = time.monotonic() + 5
    while connection.connection is not None and time.monotonic() < deadline:
        _request_starts()
        if full_checks:
            break
        time.sleep(0.01)
    assert full_checks == [False]
    assert connection.connection is None
    # The request goes on with a new connection, not an error.
    assert _server_pid() != dropped


def test_a_connection_in_a_transaction_gets_the_full_check(full_checks: list[bool]) -> None:
    _server_pid()
    connection.set_autocommit(False)
    try:
        _server_pid()  # a transaction is open now
        _request_starts()
    finally:
        connection.rollback()
        connection.set_autocommit(True)
    assert full_checks == [True]
