"""Move the tokens of DRF's authtoken app (stored in clear, never expiring) into ApiToken,
hashed, with the lifetime of a new token; then empty the old table, so no key stays
readable in the database. The app is no longer installed, so its table is read directly,
where it exists (a database created after this change never had one).

A moved token counts as issued without a second factor: a staff member's must be asked
for again with the current code (hive.access.two_factor).
"""

import datetime
import hashlib

from django.conf import settings
from django.db import migrations
from django.utils import timezone

OLD_TABLE = "authtoken_token"


def move_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if OLD_TABLE not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("hive", "ApiToken")
    quoted = connection.ops.quote_name(OLD_TABLE)
    with connection.cursor() as cursor:
        key_column = connection.ops.quote_name("key")
        cursor.execute(f"SELECT {key_column}, user_id FROM {quoted}")  # noqa: S608 (fixed names)
        rows = cursor.fetchall()
    expires_at = timezone.now() + datetime.timedelta(days=settings.HIVE_API_TOKEN_DAYS)
    ApiToken.objects.bulk_create(
        [
            ApiToken(
                user_id=user_id,
                name="",
                digest=hashlib.sha256(key.encode()).hexdigest(),
                prefix=key[:8],
                second_factor=False,
                expires_at=expires_at,
            )
            for key, user_id in rows
        ],
        ignore_conflicts=True,
    )
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {quoted}")  # noqa: S608


class Migration(migrations.Migration):
    dependencies = [("hive", "0009_api_tokens")]

    # The keys in clear are gone: going back leaves the moved tokens where they are.
    operations = [migrations.RunPython(move_tokens, migrations.RunPython.noop)]
