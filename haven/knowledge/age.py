"""How old a fact is, in words a reader weighs: when a person last checked it, or, if nobody has,
since when it rests on its newest source.

Three grades, not one warning for everything: *fresh* (checked or sourced within the install's
threshold, ``HAVEN_KNOWLEDGE_STALE_DAYS``, 90 days by default), *ageing* (within
``HAVEN_KNOWLEDGE_OLD_DAYS``, a year by default: long enough for a visa rule or a court's practice
to change, as the 2025–2026 changes in Kazakhstan, the United States and Montenegro did) and *old*.
Pages mark an old fact loudly only where it is also a dangerous one, so that the warning never
drowns the danger it is about.

A source's date keeps its precision: "2023" reads "2023", never "1 January 2023", and is taken as
its last day when ages are compared, so a year-only source is not made older than it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from django.utils.dateformat import format as date_format
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from haven.knowledge.facts import Source, earliest_day


class Grade(StrEnum):
    FRESH = "fresh"
    AGEING = "ageing"
    OLD = "old"


@dataclass(frozen=True, slots=True)
class Age:
    grade: Grade
    words: str  # "checked 3 weeks ago", "not checked since March 2024"
    checked: bool  # a person checked it (else the age is its newest source's)
    day: date | None  # the day the age is counted from


def source_date_words(source: Source, *, approximate: bool = True) -> str:
    """A source's date as precise as it was given: "2023", "March 2024", "12 March 2024";
    "around 2025" where the date is approximate (unless the caller words that itself)."""
    if source.date is None:
        return _("undated")
    parts = source.date.split("-")
    day = earliest_day(source.date)
    if len(parts) == 1:
        words = source.date
    elif len(parts) == 2:
        # Translators: a month and year, as Django's date format; Russian uses the genitive ("E").
        words = date_format(day, _("F Y"))
    else:
        # Translators: a day, month and year, as Django's date format.
        words = date_format(day, _("j F Y"))
    return _("around %(date)s") % {"date": words} if source.approximate and approximate else words


def fact_age(
    *,
    verified: date | None,
    newest: Source | None,
    today: date,
    fresh_days: int,
    old_days: int,
) -> Age:
    """The age of a fact last checked on ``verified`` (None: never) whose newest source is
    ``newest``."""
    if verified is not None:
        ago = timesince(verified, today, depth=1) if verified < today else ""
        words = _("checked %(ago)s ago") % {"ago": ago} if ago else _("checked today")
        return Age(_grade((today - verified).days, fresh_days, old_days), words, True, verified)
    if newest is None or newest.latest_day is None:
        return Age(Grade.OLD, _("never checked; its sources are undated"), False, None)
    seen = newest.latest_day
    when = {"date": source_date_words(newest, approximate=False)}
    if newest.approximate:
        words = _("not checked since about %(date)s") % when
    else:
        words = _("not checked since %(date)s") % when
    return Age(_grade((today - seen).days, fresh_days, old_days), words, False, seen)


def _grade(days: int, fresh_days: int, old_days: int) -> Grade:
    if days <= fresh_days:
        return Grade.FRESH
    return Grade.AGEING if days <= old_days else Grade.OLD
