"""Budgets that still work behind Tor, where every client arrives as 127.0.0.1.

A budget is keyed on something that survives Tor (the digest of the codename tried, a member's
handle, or one global key) and counted in fixed windows in the database, so every web process
shares it. Keys are stored only as keyed digests.
"""

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from haven.core.models import RateCounter
from haven.crypto.keys import keyed_digest

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Budget:
    """At most `limit` events per `window` for one key."""

    name: str
    limit: int
    window: timedelta

    def _key(self, subject: bytes) -> bytes:
        return keyed_digest(
            self.name.encode() + b"\x00" + subject,
            key=settings.HAVEN_PEPPER.encode(),
            purpose="rate-budget",
        )

    def _window_start(self, now: datetime) -> datetime:
        seconds = int(self.window.total_seconds())
        epoch = int(now.timestamp())
        return datetime.fromtimestamp(epoch - epoch % seconds, tz=now.tzinfo)

    def exhausted(self, subject: bytes) -> bool:
        """Whether the key has used up this window's budget."""
        start = self._window_start(timezone.now())
        row = RateCounter.objects.filter(key=self._key(subject), window_start=start).first()
        return row is not None and row.count >= self.limit

    def spend(self, subject: bytes) -> None:
        """Count one event against the key's budget."""
        key = self._key(subject)
        start = self._window_start(timezone.now())
        with transaction.atomic():
            updated = RateCounter.objects.filter(key=key, window_start=start).update(
                count=F("count") + 1
            )
            if updated:
                return
            try:
                with transaction.atomic():
                    RateCounter.objects.create(key=key, window_start=start, count=1)
            except IntegrityError:
                RateCounter.objects.filter(key=key, window_start=start).update(count=F("count") + 1)

    def refusing(self) -> None:
        """Log, once per process and window, that this budget is refusing events: instead of a
        log line for every refusal (see haven.core.logs.WithoutStatus)."""
        start = self._window_start(timezone.now())
        if (self.name, start) in _LOGGED:
            return
        if len(_LOGGED) > 1000:
            _LOGGED.clear()
        _LOGGED.add((self.name, start))
        logger.warning(
            "the %s budget of %d per %s is spent; refusing until %s",
            self.name,
            self.limit,
            self.window,
            (start + self.window).isoformat(timespec="seconds"),
        )

    def take(self, subject: bytes) -> bool:
        """Count one event and say whether it was within budget.

        For the hot paths (every intake spends the global budget), each process takes the budget
        in small shares, one upsert per share (a 200th of the window's budget, at most 30 events),
        and hands them out from memory. What a process holds unspent when the window ends is
        lost, so the install as a whole admits slightly fewer than `limit` events, never more.
        Once a window's budget is spent, the process remembers it until the window ends, so a
        flood beyond the budget costs the database nothing at all.
        """
        key = self._key(subject)
        window = (self.name, self.limit, key, self._window_start(timezone.now()))
        with _HELD_LOCK:
            held = _HELD.get(window)
            if held is None:
                held = _HELD[window] = self._lease(key, window[3])
                if held == 0:
                    self.refusing()
                if len(_HELD) > 1000:  # windows long gone; keep the memory small
                    _HELD.clear()
                    _HELD[window] = held
            if held == 0:
                return False
            if held == 1:
                del _HELD[window]  # the share is used up: the next event takes another
            else:
                _HELD[window] = held - 1
            return True

    def _lease(self, key: bytes, start: datetime) -> int:
        """Take a share of the window's budget from the shared counter; 0 once it is spent."""
        share = max(1, min(LEASE_MOST, self.limit // LEASE_PARTS))
        table = connection.ops.quote_name(RateCounter._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (key, window_start, count) VALUES (%s, %s, %s) "  # noqa: S608  # table name from the model, values bound
                "ON CONFLICT (key, window_start) DO UPDATE SET count = "
                f"{table}.count + EXCLUDED.count RETURNING count",
                [key, connection.ops.adapt_datetimefield_value(start), share],
            )
            (count,) = cursor.fetchone()
        return max(0, min(share, self.limit - (count - share)))


# How a process takes a hot budget: in shares of a LEASE_PARTS-th of the window's, at most
# LEASE_MOST events each.
LEASE_PARTS = 200
LEASE_MOST = 30
# What this process holds of each hot budget's window, by (name, limit, key, window start): events
# it may still admit, or 0 once the window's budget is spent. A window never un-spends.
_HELD: dict[tuple[str, int, bytes, datetime], int] = {}
_HELD_LOCK = threading.Lock()
# The budgets (name, window start) this process has said it is refusing.
_LOGGED: set[tuple[str, datetime]] = set()


def forget_spent_budgets() -> None:
    """Forget what this process holds of budgets (tests roll the counters back)."""
    with _HELD_LOCK:
        _HELD.clear()
    _LOGGED.clear()


def forget_old_counters(*, older_than: timedelta = timedelta(days=1)) -> int:
    """Delete counters whose window ended long ago; returns how many went."""
    deleted, _ = RateCounter.objects.filter(window_start__lt=timezone.now() - older_than).delete()
    return deleted
