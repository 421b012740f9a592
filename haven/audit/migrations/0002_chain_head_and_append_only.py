"""Start the chain, and make the event table refuse edits at the database itself.

PostgreSQL refuses UPDATE and DELETE of events; SQLite refuses UPDATE (Django's test flush clears
tables with DELETE there). Anyone with the database owner's rights can drop a trigger, which is why
the hash chain, checked by `haven audit verify`, is what detects tampering.
"""

from django.db import migrations

POSTGRES_UP = [
    """
    CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'audit events are append-only';
    END $$
    """,
    """
    CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
        FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()
    """,
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event",
    "DROP FUNCTION IF EXISTS audit_event_append_only()",
]
SQLITE_UP = [
    """
    CREATE TRIGGER audit_event_append_only BEFORE UPDATE ON audit_event
    BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END
    """
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS audit_event_append_only"]


def start_chain(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("audit", "ChainHead").objects.get_or_create(
        pk=1, defaults={"last_event_id": 0, "last_hash": bytes(32)}
    )


def _run(schema_editor, by_vendor):  # type: ignore[no-untyped-def]
    for statement in by_vendor.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement, params=None)


def protect(apps, schema_editor):  # type: ignore[no-untyped-def]
    _run(schema_editor, {"postgresql": POSTGRES_UP, "sqlite": SQLITE_UP})


def unprotect(apps, schema_editor):  # type: ignore[no-untyped-def]
    _run(schema_editor, {"postgresql": POSTGRES_DOWN, "sqlite": SQLITE_DOWN})


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunPython(start_chain, migrations.RunPython.noop),
        migrations.RunPython(protect, unprotect),
    ]
