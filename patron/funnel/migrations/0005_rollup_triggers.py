"""Triggers that mark the funnel roll-up's days dirty (see patron.funnel.rollup), and every
hour that already holds funnel data marked dirty so the first report builds the roll-up."""

from django.db import migrations

from patron.funnel.rollup_triggers import (
    SHORT,
    TABLES,
    mark_existing_hours,
    postgresql_statements,
    sqlite_statements,
)

def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = postgresql_statements() if vendor == "postgresql" else sqlite_statements()
    for statement in [*statements, *mark_existing_hours(vendor)]:
        schema_editor.execute(statement)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        name = f"funnel_dirty_{SHORT[table]}"
        for event in ("insert", "update", "delete"):
            on = f" ON {table}" if vendor == "postgresql" else ""
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}_{event}{on}")
        if vendor == "postgresql":
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}()")


class Migration(migrations.Migration):
    dependencies = [
        ("funnel", "0004_daily_rollup"),
    ]

    operations = [migrations.RunPython(create, drop)]
