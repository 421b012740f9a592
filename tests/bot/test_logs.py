"""No Matrix id reaches the logs, whoever logs it."""

import logging

import pytest

from haven.core.logs import WithoutMatrixIds


@pytest.mark.parametrize(
    "line",
    [
        "Found matching session yet decryption failed for sender @lena:example.org and sender "
        "key OMGrXVwT7lZC9ONijlNmEeyoTD63d0DA0MfjkbYVKlA",
        "no session for room !v3pU5ntBUaAJcnQ69YtfXPx4k0HE:example.org event $abc:example.org",
    ],
)
def test_matrix_ids_and_device_keys_are_blanked(line: str) -> None:
    record = logging.LogRecord("nio.crypto", logging.ERROR, __file__, 1, "%s", (line,), None)
    assert WithoutMatrixIds().filter(record)
    message = record.getMessage()
    for secret in ("@lena", "example.org", "OMGrXVwT7", "!v3pU5", "$abc"):
        assert secret not in message
    assert "[matrix id]" in message


def test_lines_without_ids_are_left_as_they_are() -> None:
    record = logging.LogRecord(
        "haven", logging.WARNING, __file__, 1, "spent %d of %s", (3, "x"), None
    )
    assert WithoutMatrixIds().filter(record)
    assert record.getMessage() == "spent 3 of x" and record.args == (3, "x")
