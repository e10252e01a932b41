"""The audit trail of personal data (auditlog_logentry) refuses UPDATE and DELETE in the
database: the application's database role cannot rewrite history, only add to it.

PostgreSQL: UPDATE and DELETE refused (hive/ops/db_triggers.py). SQLite (the embedded
development mode): UPDATE only, because the test runner empties tables with DELETE there.
Consequence, on purpose: a user who appears as an actor in the trail cannot be deleted
(SET NULL is an UPDATE); deactivate them instead.
"""

from django.db import migrations

from hive.ops.db_triggers import append_only_migration


class Migration(migrations.Migration):
    dependencies = [
        ("hive", "0005_consent_records_and_retention_runs"),
        ("auditlog", "0017_add_actor_email"),
    ]

    operations = [
        append_only_migration(
            "auditlog_logentry",
            what="the audit trail",
            hint="The audit trail is a record: add an entry, never change one.",
            sqlite_operations=("UPDATE",),
        )
    ]
