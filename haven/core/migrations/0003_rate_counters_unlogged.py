"""Rate counters are hot (every intake spends the global budget) and worthless after a crash, so on
PostgreSQL their table skips the write-ahead log: no WAL flush per intake for a counter. A crash
empties the table, which only resets the budgets."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def unlogged(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE core_ratecounter SET UNLOGGED")


def logged(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE core_ratecounter SET LOGGED")


class Migration(migrations.Migration):
    dependencies = [("core", "0002_scheduledjob")]

    operations = [migrations.RunPython(unlogged, logged)]
