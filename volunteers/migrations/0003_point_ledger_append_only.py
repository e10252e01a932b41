"""The points ledger refuses UPDATE and DELETE in the database itself, whatever the
client (the ORM, a raw cursor, psql). Corrections are new reversing entries.

PostgreSQL: a row trigger raising SQLSTATE 23001 (restrict_violation), which Django
reports as IntegrityError. SQLite: BEFORE UPDATE / BEFORE DELETE triggers with
RAISE(ABORT), also an IntegrityError. TRUNCATE (a table owner's maintenance command,
used by the test runner to reset tables) is not a row operation and is not blocked.

Note for later migrations: on SQLite, Django rebuilds a table it alters and the
triggers go with it; a migration that alters volunteers_pointentry must run
`install_triggers` again.
"""

from django.db import migrations

TABLE = "volunteers_pointentry"

POSTGRES_INSTALL = [
    f"""
    CREATE OR REPLACE FUNCTION {TABLE}_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'the points ledger is append-only: % refused', TG_OP
            USING ERRCODE = 'restrict_violation',
                  HINT = 'Correct an entry with a new reversing entry.';
    END;
    $$;
    """,
    f"""
    CREATE TRIGGER {TABLE}_append_only
    BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION {TABLE}_append_only();
    """,
]
POSTGRES_REMOVE = [
    f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE};",
    f"DROP FUNCTION IF EXISTS {TABLE}_append_only();",
]
SQLITE_INSTALL = [
    f"""
    CREATE TRIGGER {TABLE}_no_update BEFORE UPDATE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, 'the points ledger is append-only: UPDATE refused'); END;
    """,
    f"""
    CREATE TRIGGER {TABLE}_no_delete BEFORE DELETE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, 'the points ledger is append-only: DELETE refused'); END;
    """,
]
SQLITE_REMOVE = [
    f"DROP TRIGGER IF EXISTS {TABLE}_no_update;",
    f"DROP TRIGGER IF EXISTS {TABLE}_no_delete;",
]


def _run(schema_editor, statements):
    for statement in statements:
        # params=None: the SQL is sent as is (the PL/pgSQL "%" is not a placeholder).
        schema_editor.execute(statement, params=None)


def install_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, POSTGRES_INSTALL)
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_INSTALL)
    else:
        raise RuntimeError(f"No append-only trigger for the {vendor} database")


def remove_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, POSTGRES_REMOVE)
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_REMOVE)


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0002_teams_activities_points")]

    operations = [migrations.RunPython(install_triggers, remove_triggers, elidable=False)]
