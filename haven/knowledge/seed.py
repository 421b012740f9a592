"""Loading the shipped starter content (``content/*.json``) into the knowledge tables.

It runs after every ``migrate`` (and so on a new install, in ``haven demo``, after each test flush
and after an upgrade) and through ``haven knowledge load``. A fact missing from the database is
added; a fact nobody edited on this install is replaced when a release ships a newer text, so that
a correction reaches every install; a fact an editor changed here is never overwritten (its
revision history says so, and the review queue shows it). Loading is not audited: it is no member's
change, the shipped files are versioned with the code, and every later change keeps a revision and
an audit event. A replaced fact loses its last check: what was checked is no longer what it says.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.db import DEFAULT_DB_ALIAS, models, transaction
from django.utils import timezone

from haven.knowledge.content import (
    ALL_FIELDS,
    CONTENT_DIR,
    ContentError,
    load_content,
    validate,
)

# The keys every fact object shares; the rest are the structured values kept in Fact.details.
COMMON_KEYS = frozenset({"value", "sources", "verified", "uncertain", "known"})


def knowledge_load(*, using: str = DEFAULT_DB_ALIAS) -> int:
    """Bring the tables up to the shipped files; return how many facts were added or replaced."""
    return _seed(global_apps, using)


def seed_after_migrate(
    sender: object, *, using: str = DEFAULT_DB_ALIAS, apps: Apps = global_apps, **kwargs: Any
) -> None:
    """post_migrate receiver: the tables may not exist yet when migrating backwards."""
    try:
        apps.get_model("knowledge", "Fact")
    except LookupError:
        return
    _seed(apps, using)


def digest(raw: dict[str, Any]) -> str:
    """A shipped fact object's fingerprint, the same for the same content in any key order."""
    return hashlib.sha256(json.dumps(raw, sort_keys=True).encode()).hexdigest()


def _columns(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "value_en": raw["value"]["en"],
        "value_ru": raw["value"]["ru"],
        "sources": raw["sources"],
        "verified": None,  # nobody has checked it on this install yet
        "verified_by": None,
        "verified_against": [],
        "uncertain": raw["uncertain"],
        "known": raw.get("known", True),
        "details": {k: v for k, v in raw.items() if k not in COMMON_KEYS},
        "shipped_digest": digest(raw),
    }


def _seed(apps: Apps, using: str) -> int:
    country_model: type[models.Model] = apps.get_model("knowledge", "Country")
    fact_model: type[models.Model] = apps.get_model("knowledge", "Fact")
    revision_model: type[models.Model] = apps.get_model("knowledge", "FactRevision")
    problems = validate(load_content())
    if problems:
        raise ContentError("the shipped knowledge breaks its rules: " + "; ".join(problems))
    entries = json.loads((CONTENT_DIR / "countries.json").read_text(encoding="utf-8"))
    now = timezone.now()
    countries = set(country_model._default_manager.using(using).values_list("pk", flat=True))
    present = {
        (fact.country_id, fact.field): fact  # type: ignore[attr-defined]  # historical model
        for fact in fact_model._default_manager.using(using).all()
    }
    edited = set(
        revision_model._default_manager.using(using).values_list("fact_id", flat=True).distinct()
    )
    new_countries, new_facts, replaced = [], [], []
    for entry in entries:
        iso2 = entry["iso2"]
        if iso2 not in countries:
            new_countries.append(
                country_model(iso2=iso2, name_en=entry["name"]["en"], name_ru=entry["name"]["ru"])
            )
        for name in ALL_FIELDS:
            columns = _columns(entry[name])
            fact = present.get((iso2, name))
            if fact is None:
                new_facts.append(fact_model(country_id=iso2, field=name, updated_at=now, **columns))
            elif fact.shipped_digest != columns["shipped_digest"] and fact.pk not in edited:  # type: ignore[attr-defined]
                for column, value in columns.items():
                    setattr(fact, column, value)
                fact.updated_at = now  # type: ignore[attr-defined]
                replaced.append(fact)
    if not (new_countries or new_facts or replaced):
        return 0
    with transaction.atomic(using=using):
        country_model._default_manager.using(using).bulk_create(new_countries)
        fact_model._default_manager.using(using).bulk_create(new_facts)
        fact_model._default_manager.using(using).bulk_update(
            replaced, [*_columns(entries[0][ALL_FIELDS[0]]), "updated_at"]
        )
    return len(new_facts) + len(replaced)
