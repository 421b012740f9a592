"""Budgets that still work behind Tor, where every client arrives as 127.0.0.1.

A budget is keyed on something that survives Tor (the digest of the codename tried, a member's
handle, or one global key) and counted in fixed windows in the database, so every web process
shares it. Keys are stored only as keyed digests.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from haven.core.models import RateCounter
from haven.crypto.keys import keyed_digest


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

    def take(self, subject: bytes) -> bool:
        """Count one event and say whether it was within budget, in one statement.

        For the hot paths (every intake spends the global budget): one upsert, no read first and no
        transaction of its own. Once a window's budget is spent, this process remembers it until
        the window ends, so a flood beyond the budget costs the database nothing at all.
        """
        key = self._key(subject)
        now = timezone.now()
        start = self._window_start(now)
        spent = (self.name, self.limit, key, start)
        if spent in _SPENT:
            return False
        table = connection.ops.quote_name(RateCounter._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (key, window_start, count) VALUES (%s, %s, 1) "  # noqa: S608  # table name from the model, values bound
                "ON CONFLICT (key, window_start) DO UPDATE SET count = "
                f"{table}.count + 1 RETURNING count",
                [key, connection.ops.adapt_datetimefield_value(start)],
            )
            (count,) = cursor.fetchone()
        if count > self.limit:
            if len(_SPENT) > 1000:  # windows long gone; keep the memory small
                _SPENT.clear()
            _SPENT.add(spent)
            return False
        return True


# Budgets this process saw spent, by (name, limit, key, window start): a window never un-spends.
_SPENT: set[tuple[str, int, bytes, datetime]] = set()


def forget_spent_budgets() -> None:
    """Forget what this process remembers of spent windows (tests roll the counters back)."""
    _SPENT.clear()


def forget_old_counters(*, older_than: timedelta = timedelta(days=1)) -> int:
    """Delete counters whose window ended long ago; returns how many went."""
    deleted, _ = RateCounter.objects.filter(window_start__lt=timezone.now() - older_than).delete()
    return deleted
