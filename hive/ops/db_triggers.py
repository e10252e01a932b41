"""Append-only tables enforced by the database itself, whatever the client (the ORM, a
raw cursor, psql under the application's role).

PostgreSQL: a row trigger raising SQLSTATE 23001 (restrict_violation), which Django
reports as IntegrityError. SQLite: BEFORE UPDATE / BEFORE DELETE triggers with
RAISE(ABORT), also an IntegrityError. TRUNCATE (a table owner's maintenance command,
used by the test runner to reset tables) is not a row operation and is not blocked.

Migrations call `append_only_migration(table, what, hint)` to get a RunPython. On SQLite,
Django rebuilds a table it alters and the triggers go with it: a later migration that
alters such a table must install them again.
"""

from django.db import migrations


def _postgres_install(table: str, what: str, hint: str) -> list[str]:
    return [
        f"""
        CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '{what} is append-only: % refused', TG_OP
                USING ERRCODE = 'restrict_violation',
                      HINT = '{hint}';
        END;
        $$;
        """,
        f"""
        CREATE TRIGGER {table}_append_only
        BEFORE UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION {table}_append_only();
        """,
    ]


def _postgres_remove(table: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};",
        f"DROP FUNCTION IF EXISTS {table}_append_only();",
    ]


def _sqlite_install(table: str, what: str, operations: tuple[str, ...]) -> list[str]:
    return [
        f"""
        CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table}
        BEGIN SELECT RAISE(ABORT, '{what} is append-only: {operation} refused'); END;
        """
        for operation in operations
    ]


def _sqlite_remove(table: str) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {table}_no_{operation};" for operation in ("update", "delete")]


def _run(schema_editor, statements):
    for statement in statements:
        # params=None: the SQL is sent as is (the PL/pgSQL "%" is not a placeholder).
        schema_editor.execute(statement, params=None)


def append_only_migration(
    table: str,
    *,
    what: str,
    hint: str,
    sqlite_operations: tuple[str, ...] = ("UPDATE", "DELETE"),
) -> migrations.RunPython:
    """A migration operation installing (and on reverse, removing) the triggers.

    `what` names the table in the error ("the points ledger"); `sqlite_operations` lets a
    table that tests create rows in on SQLite refuse UPDATE only (SQLite's test flush
    empties tables with DELETE; PostgreSQL's uses TRUNCATE).
    """

    def install(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            _run(schema_editor, _postgres_install(table, what, hint))
        elif vendor == "sqlite":
            _run(schema_editor, _sqlite_install(table, what, sqlite_operations))
        else:
            raise RuntimeError(f"No append-only trigger for the {vendor} database")

    def remove(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            _run(schema_editor, _postgres_remove(table))
        elif vendor == "sqlite":
            _run(schema_editor, _sqlite_remove(table))

    return migrations.RunPython(install, remove, elidable=False)
