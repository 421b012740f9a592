"""Logging pieces the settings refer to (imported before any app is ready: no models here)."""

import logging
import re


class WithoutStatus(logging.Filter):
    """Drop Django's line for each response with this status: a flood answered 429 would write
    one per refusal; the budget logs once per window instead."""

    def __init__(self, status: int) -> None:
        super().__init__()
        self.status = status

    def filter(self, record: logging.LogRecord) -> bool:
        return getattr(record, "status_code", None) != self.status


class WithoutMatrixIds(logging.Filter):
    """Blank out Matrix user, room and event ids and device keys in every line: matrix-nio names
    the sender of a message it could not decrypt, and a Matrix id names a person."""

    _IDS = re.compile(r"[@!$#][^\s:'\"]+:[A-Za-z0-9.\-]+(?::\d+)?|\b[A-Za-z0-9+/]{43}\b")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = self._IDS.sub("[matrix id]", message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, ()
        return True
