from collections.abc import Iterator
from typing import Any

import pytest

from tests.notifications.mail import MailServer, Sink, free_port


@pytest.fixture
def smtp(settings: Any) -> Iterator[MailServer]:
    """The mail server the worker sends to, on a free loopback port, up for the test."""
    server = MailServer(Sink(), free_port())
    server.start()
    settings.HAVEN_SMTP_HOST = "127.0.0.1"
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": server.port, "timeout": 5},
        }
    }
    settings.HAVEN_NOTIFY_FROM = "haven@haven.test"
    yield server
    server.stop()
