"""Reading the knowledge base's shipped JSON files: typed access to a field that names the place
when the file is malformed, partial dates, sources, and the rules every bilingual text keeps.

``haven.knowledge.content`` (countries, grounds, checklists) and ``haven.knowledge.topics`` (the
cross-border sections and the situations) read their files through these. No Django here.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any

from haven.knowledge.facts import Source, Text, earliest_day

PARTIAL_DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")
ISO2 = re.compile(r"[A-Z]{2}")
SLUG = re.compile(r"[a-z0-9]+(_[a-z0-9]+)*")
CYRILLIC = re.compile(r"[А-Яа-яЁё]")


class ContentError(ValueError):
    """A content file is not shaped as its loader expects; the message says where."""


def maybe[T](obj: Mapping[str, Any], key: str, path: str, kind: type[T]) -> T | None:
    """The value under ``key``, which must be present and of ``kind`` or null."""
    if key not in obj:
        raise ContentError(f"{path}.{key}: missing")
    value = obj[key]
    if value is None or (isinstance(value, kind) and not (kind is int and isinstance(value, bool))):
        return value
    raise ContentError(f"{path}.{key}: expected {kind.__name__}, got {type(value).__name__}")


def need[T](obj: Mapping[str, Any], key: str, path: str, kind: type[T]) -> T:
    value = maybe(obj, key, path, kind)
    if value is None:
        raise ContentError(f"{path}.{key}: must not be null")
    return value


def choice[E: StrEnum](enum: type[E], value: str, path: str) -> E:
    try:
        return enum(value)
    except ValueError:
        choices = ", ".join(member.value for member in enum)
        raise ContentError(f"{path}: {value!r} is not one of {choices}") from None


def text(obj: Mapping[str, Any], key: str, path: str) -> Text:
    raw = need(obj, key, path, dict)
    return Text(en=need(raw, "en", f"{path}.{key}", str), ru=need(raw, "ru", f"{path}.{key}", str))


def partial_date(obj: Mapping[str, Any], key: str, path: str) -> str | None:
    value = maybe(obj, key, path, str)
    try:
        if value is None or (PARTIAL_DATE.fullmatch(value) and earliest_day(value)):
            return value
    except ValueError:
        pass
    raise ContentError(f"{path}.{key}: {value!r} is not YYYY, YYYY-MM or YYYY-MM-DD")


def sources(obj: Mapping[str, Any], path: str) -> tuple[Source, ...]:
    found = []
    for i, raw in enumerate(need(obj, "sources", path, list)):
        at = f"{path}.sources[{i}]"
        if not isinstance(raw, dict):
            raise ContentError(f"{at}: expected an object")
        approximate = raw.get("approximate", False)
        if not isinstance(approximate, bool):
            raise ContentError(f"{at}.approximate: expected bool")
        found.append(
            Source(
                url=need(raw, "url", at, str),
                title=need(raw, "title", at, str),
                date=partial_date(raw, "date", at),
                approximate=approximate,
            )
        )
    return tuple(found)


def entries(path: Path) -> list[dict[str, Any]]:
    """A file's list of objects; ContentError when it cannot be read or is shaped otherwise."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise ContentError(f"{path.name}: cannot read: {error}") from error
    if not isinstance(raw, list) or not all(isinstance(entry, dict) for entry in raw):
        raise ContentError(f"{path.name}: expected a list of objects")
    return raw


def repeated(values: Iterable[str]) -> list[str]:
    return sorted(value for value, count in Counter(values).items() if count > 1)


def check_text(where: str, value: Text) -> list[str]:
    """Both languages present, English without Cyrillic, Russian with it."""
    problems = []
    if not value.en.strip():
        problems.append(f"{where}: English text is missing")
    elif CYRILLIC.search(value.en):
        problems.append(f"{where}: English text contains Cyrillic letters")
    if not value.ru.strip():
        problems.append(f"{where}: Russian translation is missing")
    elif not CYRILLIC.search(value.ru):
        problems.append(f"{where}: Russian text has no Cyrillic letters (not translated?)")
    return problems
