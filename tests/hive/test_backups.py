"""Back up the database and the media, restore both into empty places, find every row."""

import uuid

import psycopg2
import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from hive.ops.backups import PgTarget, table_row_counts
from partycommittee.models import BigPartyCommittee, CommitteeDocument
from tests.partycommittee.factories import ResidentUnitFactory

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="backups use pg_dump/pg_restore: PostgreSQL only (CI runs on PostgreSQL)",
)


def _connect(target: PgTarget):
    return psycopg2.connect(
        dbname=target.name,
        host=target.host or None,
        port=target.port or None,
        user=target.user or None,
        password=target.password or None,
    )


@pytest.fixture
def empty_database():
    """A throwaway database on the test server, created empty and dropped afterwards."""
    source = PgTarget.from_settings(connection.settings_dict)
    name = f"hive_restore_{uuid.uuid4().hex[:10]}"
    admin = _connect(PgTarget(**{**source.__dict__, "name": "postgres"}))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    target = PgTarget(**{**source.__dict__, "name": name})
    try:
        yield target
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _url(target: PgTarget) -> str:
    auth = target.user + (f":{target.password}" if target.password else "")
    port = f":{target.port}" if target.port else ""
    return f"postgres://{auth}@{target.host or '127.0.0.1'}{port}/{target.name}"


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_backup_restores_every_row_and_file_into_empty_places(
    world, settings, tmp_path, empty_database
):
    # Given data in several apps, and an uploaded file. (transaction=True: pg_dump has a
    # connection of its own and sees only committed rows.)
    settings.MEDIA_ROOT = tmp_path / "media"
    unit = ResidentUnitFactory(community=world.a, contact_phone="13812345678")
    committee = BigPartyCommittee.objects.create(community=world.a, name="大党委")
    document = CommitteeDocument.objects.create(committee=committee, title="章程")
    document.file.save("charter.pdf", ContentFile(b"%PDF-1.4 the charter"), save=True)
    with connection.cursor() as cursor:
        source_counts = table_row_counts(cursor)
    assert source_counts["partycommittee_residentunit"] >= 1

    # When it is backed up, then restored into an empty database and an empty folder,
    call_command("backup", str(tmp_path / "backups"))
    (folder,) = (tmp_path / "backups").iterdir()
    restored_media = tmp_path / "restored-media"
    call_command(
        "restore",
        str(folder),
        database_url=_url(empty_database),
        media_root=str(restored_media),
        yes=True,
    )

    # then every table has the same rows, and the file is back with its content.
    restored = _connect(empty_database)
    try:
        with restored.cursor() as cursor:
            assert table_row_counts(cursor) == source_counts
            cursor.execute(
                "SELECT contact_phone FROM partycommittee_residentunit WHERE id = %s", [unit.pk]
            )
            assert cursor.fetchone() == ("13812345678",)
    finally:
        restored.close()
    assert (restored_media / document.file.name).read_bytes() == b"%PDF-1.4 the charter"


@needs_postgres
def test_restore_refuses_a_folder_that_is_not_a_backup(tmp_path):
    with pytest.raises(CommandError, match="not a Hive backup folder"):
        call_command("restore", str(tmp_path), yes=True)


def test_backup_on_sqlite_says_what_to_do_instead(tmp_path, settings):
    from hive.ops.backups import BackupError

    with pytest.raises(BackupError, match=r"copy db\.sqlite3"):
        PgTarget.from_settings({"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3"})
