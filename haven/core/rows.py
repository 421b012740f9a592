"""Writing several new rows in one round trip, for the hottest write path (intake in a surge)."""

from contextlib import nullcontext
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Model
from django.db.models.sql import InsertQuery


def insert_together(*rows: Model) -> None:
    """Insert new rows atomically: on PostgreSQL as one statement, elsewhere in one transaction.

    The rows go in the order given (a row may refer to one before it: Django's foreign keys are
    checked at commit). Each row's primary key is set from what the database returns. Model
    signals are not sent, as with bulk_create.
    """
    # The connection itself, not django.db.connection: each attribute read through that proxy is
    # a context-local look-up, and the compiler makes hundreds.
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        with transaction.atomic():
            for row in rows:
                row.save(force_insert=True)
        return
    parts: list[str] = []
    params: list[Any] = []
    for index, row in enumerate(rows):
        meta = row._meta
        fields = [f for f in meta.local_concrete_fields if row.pk is not None or f is not meta.pk]
        query = InsertQuery(type(row))
        query.insert_values(fields, [row])
        [(sql, values)] = query.get_compiler(connection=connection).as_sql()
        pk = connection.ops.quote_name(meta.pk.attname)
        parts.append(f"r{index} AS ({sql} RETURNING {pk})")
        params.extend(values)
    # Each insert hands back its key: r0's, r1's, … in order.
    returned = ", ".join(f"(SELECT * FROM r{index})" for index in range(len(rows)))  # noqa: S608  # SQL from Django's compiler, values bound
    statement = f"WITH {', '.join(parts)} SELECT {returned}"
    # Alone, the statement is its own transaction. Inside a caller's, a savepoint lets a failed
    # insert (a duplicate key, say) leave that transaction usable.
    inside = transaction.atomic() if connection.in_atomic_block else nullcontext()
    with inside, connection.cursor() as cursor:
        cursor.execute(statement, params)
        keys = cursor.fetchone()
    for row, key in zip(rows, keys, strict=True):
        row.pk = key
        row._state.adding = False
        row._state.db = connection.alias
