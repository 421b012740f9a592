"""Logging pieces the settings refer to (imported before any app is ready: no models here)."""

import logging


class WithoutStatus(logging.Filter):
    """Drop Django's line for each response with this status: a flood answered 429 would write
    one per refusal; the budget logs once per window instead."""

    def __init__(self, status: int) -> None:
        super().__init__()
        self.status = status

    def filter(self, record: logging.LogRecord) -> bool:
        return getattr(record, "status_code", None) != self.status
