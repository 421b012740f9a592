"""Sending to listeners (members' e-mail channels, requesters' pings): one SMTP connection per
round, each listener marked told or failed, and failures retried with back-off."""

import logging
import smtplib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.mail import EmailMessage, mailers
from django.core.mail.backends.base import BaseEmailBackend

from haven.notifications.models import Listener

logger = logging.getLogger(__name__)

# After a failed send: 1, 2, 4 … minutes, at most a day, until the mail server answers again.
FIRST_RETRY = timedelta(minutes=1)
LAST_RETRY = timedelta(days=1)


@dataclass(frozen=True)
class Round:
    """What one sending round did, and how many listeners still wait."""

    sent: int
    failed: int
    waiting: int


def is_due(listener: Listener, minutes: int, now: datetime) -> bool:
    """Whether the cadence and the back-off both allow telling this listener now."""
    if listener.last_sent_at and listener.last_sent_at + timedelta(minutes=minutes) > now:
        return False
    return listener.next_try_at is None or listener.next_try_at <= now


def deliver[L: Listener](
    due: Sequence[L],
    *,
    write: Callable[[L], EmailMessage],
    told: Callable[[L], None],
    now: datetime,
) -> tuple[int, int]:
    """Send one message to each listener over one SMTP connection; mark each told, or failed
    with back-off. Returns (sent, failed)."""
    if not due:
        return 0, 0
    connection = mailers.default
    try:
        connection.open()
    except (smtplib.SMTPException, OSError) as error:
        for listener in due:
            retry_later(listener, now, error)
        return 0, len(due)
    sent = failed = 0
    try:
        for listener in due:
            if _send(connection, write(listener)):
                sent += 1
                told(listener)
            else:
                failed += 1
                retry_later(listener, now, None)
    finally:
        connection.close()
    return sent, failed


def _send(connection: BaseEmailBackend, message: EmailMessage) -> bool:
    """False if the mail server refused the message or went away."""
    try:
        return connection.send_messages([message]) == 1
    except (smtplib.SMTPException, OSError):
        return False


def retry_later(listener: Listener, now: datetime, error: Exception | None) -> None:
    """Mark a failed send and put the next try off: 1, 2, 4 … minutes, at most a day."""
    failures = listener.failures + 1
    wait = min(FIRST_RETRY * 2 ** (failures - 1), LAST_RETRY)
    type(listener)._default_manager.filter(pk=listener.pk).update(
        failures=failures, next_try_at=now + wait
    )
    # The error's text may name the address; the row's own name is enough to find it.
    logger.warning(
        "notification on %s failed (%s); next try in %s",
        listener,
        type(error).__name__ if error else "refused",
        wait,
    )
