"""Reading the board: every crossing's assessment from its recent reports."""

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from haven.accounts.unlock import Keyring, Locked
from haven.crypto.errors import CryptoError
from haven.crypto.sealing import FieldSealer
from haven.situation.crossings import Crossing, country_pairs
from haven.situation.models import CrossingReport, Direction
from haven.situation.scoring import (
    WINDOW,
    Assessment,
    Incident,
    Kind,
    Observation,
    Outcome,
    Queue,
    Review,
    assess,
)

HOURS = int(WINDOW / timedelta(hours=1))


def observation_of(report: CrossingReport) -> Observation:
    """The report as the scoring rule sees it."""
    incidents = {
        incident
        for incident, named in (
            (Incident.QUESTIONED, report.questioned),
            (Incident.PHONE_SEARCHED, report.phone_searched),
            (Incident.SUMMONS, report.summons),
        )
        if named
    }
    return Observation(
        hour=report.hour,
        kind=Kind(report.kind),
        outcome=Outcome(report.outcome),
        queue=Queue(report.queue),
        incidents=frozenset(incidents),
        review=Review(report.review),
    )


@dataclass(frozen=True)
class CrossingState:
    crossing: Crossing
    direction: Direction
    assessment: Assessment
    # Reports per hour, oldest first, over the window (for the small chart).
    hourly: tuple[int, ...]


@dataclass(frozen=True)
class CountryPair:
    origin: str
    destination: str
    crossings: list[CrossingState]


def recent_reports(
    now: datetime | None = None, *, limit: int | None = None
) -> list[CrossingReport]:
    """Reports of the board's window, newest first (at most `limit` of them)."""
    now = now or timezone.now()
    found = CrossingReport.objects.filter(hour__gte=now - WINDOW).order_by("-hour", "crossing")
    return list(found[:limit] if limit is not None else found)


# Each web process keeps the board it drew for a few seconds: in a surge everyone reads it, and
# drawing it reads every report of the window. A write in this process drops it at once.
BOARD_SECONDS = 30.0
_kept: list[tuple[float, list["CountryPair"]]] = []


def forget_board() -> None:
    """Drop the board this process keeps (after a report or a review)."""
    _kept.clear()


def board(now: datetime | None = None) -> list["CountryPair"]:
    """Every crossing, grouped by country pair, with its assessment for people leaving Russia and,
    where there are reports of it, for people entering (as of at most BOARD_SECONDS ago)."""
    if now is not None:
        return _board(now)
    moment = time.monotonic()
    if _kept and moment - _kept[0][0] < BOARD_SECONDS:
        return _kept[0][1]
    drawn = _board(timezone.now())
    _kept[:] = [(moment, drawn)]
    return drawn


def _board(now: datetime) -> list["CountryPair"]:
    grouped: dict[tuple[str, str], list[CrossingReport]] = {}
    for report in recent_reports(now):
        grouped.setdefault((report.crossing, report.direction), []).append(report)
    pairs = []
    for (origin, destination), crossings in country_pairs():
        states = []
        for crossing in crossings:
            for direction in Direction:
                reports = grouped.get((crossing.slug, direction), [])
                if direction == Direction.ENTERING and not reports:
                    continue
                states.append(
                    CrossingState(
                        crossing=crossing,
                        direction=direction,
                        assessment=assess([observation_of(r) for r in reports], now=now),
                        hourly=_hourly(reports, now),
                    )
                )
        pairs.append(CountryPair(origin=origin, destination=destination, crossings=states))
    return pairs


def _hourly(reports: list[CrossingReport], now: datetime) -> tuple[int, ...]:
    counts = [0] * HOURS
    for report in reports:
        if report.review == Review.DISMISSED:
            continue
        index = HOURS - 1 - int((now - report.hour) / timedelta(hours=1))
        if 0 <= index < HOURS:
            counts[index] += 1
    return tuple(counts)


def report_by_id(report_id: str) -> CrossingReport | None:
    """One report of the board's window (older ones are no longer reviewed)."""
    return CrossingReport.objects.filter(pk=report_id, hour__gte=timezone.now() - WINDOW).first()


def note_of(report: CrossingReport, keyring: Keyring | None) -> str | None:
    """A volunteer's sealed note, opened for a member of the same organisation; None if there is
    none or it cannot be opened here."""
    if not report.sealed_note or not report.sealed_key or keyring is None:
        return None
    if report.organisation_id != keyring.member.organisation_id:
        return None
    try:
        key = keyring.open_record_key(bytes(report.sealed_key))
        return FieldSealer(key, str(report.pk)).open("note", bytes(report.sealed_note))
    except (Locked, CryptoError):
        return None
