"""Loading the shipped starter content (``content/*.json``) into empty knowledge tables.

It runs after every ``migrate`` (and so on a new install, in ``haven demo`` and after each test
flush) and through ``haven knowledge load``. It fills the tables only when they hold no country, so
an edit is never overwritten. It is not audited: it is no member's change, the shipped files are
versioned with the code, and every later change keeps a revision and an audit event.
"""

from __future__ import annotations

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
    """Fill empty knowledge tables from the shipped files; return how many facts were loaded."""
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


def _seed(apps: Apps, using: str) -> int:
    country_model: type[models.Model] = apps.get_model("knowledge", "Country")
    fact_model: type[models.Model] = apps.get_model("knowledge", "Fact")
    if country_model._default_manager.using(using).exists():
        return 0
    problems = validate(load_content())
    if problems:
        raise ContentError("the shipped knowledge breaks its rules: " + "; ".join(problems))
    entries = json.loads((CONTENT_DIR / "countries.json").read_text(encoding="utf-8"))
    now = timezone.now()
    countries, facts = [], []
    for entry in entries:
        iso2 = entry["iso2"]
        countries.append(
            country_model(iso2=iso2, name_en=entry["name"]["en"], name_ru=entry["name"]["ru"])
        )
        for name in ALL_FIELDS:
            raw = entry[name]
            facts.append(
                fact_model(
                    country_id=iso2,
                    field=name,
                    value_en=raw["value"]["en"],
                    value_ru=raw["value"]["ru"],
                    sources=raw["sources"],
                    verified=None,  # nobody has checked it on this install yet
                    uncertain=raw["uncertain"],
                    known=raw.get("known", True),
                    details={k: v for k, v in raw.items() if k not in COMMON_KEYS},
                    updated_at=now,
                )
            )
    with transaction.atomic(using=using):
        country_model._default_manager.using(using).bulk_create(countries)
        fact_model._default_manager.using(using).bulk_create(facts)
    return len(facts)
