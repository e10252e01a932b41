"""The points ledger refuses UPDATE and DELETE in the database itself, whatever the
client (the ORM, a raw cursor, psql). Corrections are new reversing entries.
See hive/ops/db_triggers.py for the triggers on PostgreSQL and SQLite.

Note for later migrations: on SQLite, Django rebuilds a table it alters and the
triggers go with it; a migration that alters volunteers_pointentry must install them again.
"""

from django.db import migrations

from hive.ops.db_triggers import append_only_migration


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0002_teams_activities_points")]

    operations = [
        append_only_migration(
            "volunteers_pointentry",
            what="the points ledger",
            hint="Correct an entry with a new reversing entry.",
        )
    ]
