"""Triggers that mark the funnel roll-up's days dirty (see patron.funnel.rollup), and every
hour that already holds funnel data marked dirty so the first report builds the roll-up."""

from django.db import migrations

DIRTY = "funnel_funneldirtyhour"
# table -> (the moments that date its parts, the columns the roll-up reads)
TABLES = {
    "leads_lead": (
        ("created_at", "mql_at"),
        ("organization_id", "created_at", "mql_at", "first_touch_at", "owner_id", "team_id"),
    ),
    "funnel_opportunity": (
        ("created_at", "closed_at"),
        (
            "organization_id",
            "created_at",
            "closed_at",
            "status",
            "owner_id",
            "source_sdr_id",
            "team_id",
            "source_team_id",
            "play_id",
            "max_stage_number",
            "base_amount",
        ),
    ),
}
SHORT = {"leads_lead": "lead", "funnel_opportunity": "opportunity"}


def _sqlite_mark(row: str, moment: str) -> str:
    hour = f"substr({row}.{moment}, 1, 13) || ':00:00'"
    return (
        f"INSERT INTO {DIRTY} (organization_id, hour) SELECT {row}.organization_id, {hour}"
        f" WHERE {row}.{moment} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {DIRTY}"
        f" WHERE organization_id = {row}.organization_id AND hour = {hour});"
    )


def sqlite_statements() -> list[str]:
    statements = []
    for table, (moments, columns) in TABLES.items():
        name = f"funnel_dirty_{SHORT[table]}"
        changed = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in columns)
        new = " ".join(_sqlite_mark("NEW", moment) for moment in moments)
        old = " ".join(_sqlite_mark("OLD", moment) for moment in moments)
        statements += [
            f"CREATE TRIGGER {name}_insert AFTER INSERT ON {table} BEGIN {new} END",
            f"CREATE TRIGGER {name}_update AFTER UPDATE ON {table} WHEN {changed}"
            f" BEGIN {old} {new} END",
            f"CREATE TRIGGER {name}_delete AFTER DELETE ON {table} BEGIN {old} END",
        ]
    return statements


def _pg_hours(rows: str, moments: tuple[str, ...], where: str = "") -> str:
    values = ", ".join(f"(r.{moment})" for moment in moments)
    return (
        f"INSERT INTO {DIRTY} (organization_id, hour)"
        " SELECT DISTINCT r.organization_id,"
        " date_trunc('hour', m.at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'"
        f" FROM {rows} r CROSS JOIN LATERAL (VALUES {values}) AS m(at)"
        f" WHERE m.at IS NOT NULL{where};"
    )


def postgresql_statements() -> list[str]:
    statements = []
    for table, (moments, columns) in TABLES.items():
        name = f"funnel_dirty_{SHORT[table]}"
        old_columns = ", ".join(f"o.{column}" for column in columns)
        new_columns = ", ".join(f"n.{column}" for column in columns)
        changed = (
            f" AND r.id IN (SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id"
            f" WHERE ({old_columns}) IS DISTINCT FROM ({new_columns}))"
        )
        statements += [
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
            " IF TG_OP = 'INSERT' THEN "
            + _pg_hours("new_rows", moments)
            + " ELSIF TG_OP = 'DELETE' THEN "
            + _pg_hours("old_rows", moments)
            + " ELSE "
            + _pg_hours("old_rows", moments, changed)
            + " "
            + _pg_hours("new_rows", moments, changed)
            + " END IF; RETURN NULL; END $$",
            f"CREATE TRIGGER {name}_insert AFTER INSERT ON {table}"
            f" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
            f"CREATE TRIGGER {name}_update AFTER UPDATE ON {table}"
            " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"
            f" FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
            f"CREATE TRIGGER {name}_delete AFTER DELETE ON {table}"
            f" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
        ]
    return statements


def mark_existing_hours(vendor: str) -> list[str]:
    statements = []
    for table, (moments, _columns) in TABLES.items():
        for moment in moments:
            if vendor == "postgresql":
                hour = f"date_trunc('hour', {moment} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'"
            else:
                hour = f"substr({moment}, 1, 13) || ':00:00'"
            statements.append(
                f"INSERT INTO {DIRTY} (organization_id, hour) SELECT DISTINCT organization_id,"
                f" {hour} FROM {table} WHERE {moment} IS NOT NULL"
            )
    if vendor != "postgresql":  # one row per hour, as the SQLite triggers keep it
        statements.append(
            f"DELETE FROM {DIRTY} WHERE id NOT IN (SELECT MIN(id) FROM {DIRTY}"
            " GROUP BY organization_id, hour)"
        )
    return statements


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
