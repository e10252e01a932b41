"""Backups: the PostgreSQL database (pg_dump custom format) plus the uploaded media.

A backup is a folder `hive-YYYYmmdd-HHMMSS/` holding `database.dump` (pg_dump -Fc: the
schema, the data, the append-only triggers), `media.tar.gz` (everything under
MEDIA_ROOT) and `manifest.json` (when, which database, and every table's row count, so
a restore can be checked against it). `manage.py backup` and `manage.py restore` call
these; README.md ("Backups") says how to run them.

The PostgreSQL client tools run as subprocesses: they are what an operator would use by
hand, and a dump they write can be restored without Hive.
"""

import datetime
import json
import os
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.db import connection
from django.utils import timezone

DUMP_NAME = "database.dump"
MEDIA_NAME = "media.tar.gz"
MANIFEST_NAME = "manifest.json"


class BackupError(Exception):
    """A backup or restore cannot go on; the message says why."""


@dataclass(frozen=True)
class PgTarget:
    """Where a PostgreSQL client connects: passed as options and PG* variables, never
    on a command line another user could read (the password)."""

    name: str
    host: str = ""
    port: str = ""
    user: str = ""
    password: str = ""

    @classmethod
    def from_settings(cls, config: dict) -> "PgTarget":
        if "postgresql" not in config.get("ENGINE", ""):
            raise BackupError(
                "Backups need PostgreSQL (DATABASE_URL=postgres://…). With the embedded "
                "SQLite default, stop the server and copy db.sqlite3 and the media folder."
            )
        return cls(
            name=config["NAME"],
            host=str(config.get("HOST") or ""),
            port=str(config.get("PORT") or ""),
            user=str(config.get("USER") or ""),
            password=str(config.get("PASSWORD") or ""),
        )

    @classmethod
    def from_url(cls, url: str) -> "PgTarget":
        parsed = urlparse(url)
        if parsed.scheme not in ("postgres", "postgresql"):
            raise BackupError(f"Not a PostgreSQL URL: {parsed.scheme}://…")
        return cls(
            name=parsed.path.lstrip("/"),
            host=parsed.hostname or "",
            port=str(parsed.port or ""),
            user=unquote(parsed.username or ""),
            password=unquote(parsed.password or ""),
        )

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        for key, value in (
            ("PGHOST", self.host),
            ("PGPORT", self.port),
            ("PGUSER", self.user),
            ("PGPASSWORD", self.password),
            ("PGDATABASE", self.name),
        ):
            if value:
                env[key] = value
            else:
                env.pop(key, None)
        return env


def _run(command: list[str], target: PgTarget) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (PostgreSQL client tools).")
    result = subprocess.run(command, env=target.env(), capture_output=True, text=True)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[-2000:]}")


def table_row_counts(cursor) -> dict[str, int]:
    """Row count of every table in the public schema (a DB-API cursor, any connection)."""
    # One static statement: PostgreSQL quotes each table name itself (format %I), so no
    # SQL is built in Python.
    cursor.execute(
        "SELECT tablename, (xpath('/row/n/text()', query_to_xml("
        "format('SELECT count(*) AS n FROM public.%I', tablename), false, true, '')))[1]"
        "::text::bigint FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
    )
    return dict(cursor.fetchall())


def backup_create(*, directory: Path, now: datetime.datetime | None = None) -> Path:
    """Dump the database and archive the media into a new folder under `directory`."""
    target = PgTarget.from_settings(connection.settings_dict)
    now = now or timezone.now()
    folder = Path(directory) / f"hive-{timezone.localtime(now):%Y%m%d-%H%M%S}"
    folder.mkdir(parents=True, exist_ok=False)
    # One consistent snapshot: pg_dump reads inside a single repeatable-read transaction.
    _run(["pg_dump", "--format=custom", "--no-owner", f"--file={folder / DUMP_NAME}"], target)
    media_root = Path(settings.MEDIA_ROOT)
    with tarfile.open(folder / MEDIA_NAME, "w:gz") as archive:
        if media_root.is_dir():
            archive.add(media_root, arcname=".")
    with connection.cursor() as cursor:
        counts = table_row_counts(cursor)
    manifest = {
        "created_at": now.isoformat(),
        "database": target.name,
        "media_root": str(media_root),
        "row_counts": counts,
    }
    (folder / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return folder


def backup_restore(
    *, folder: Path, database_url: str | None = None, media_root: Path | None = None
) -> dict:
    """Restore a backup folder into a database and a media folder.

    The database defaults to DATABASE_URL and the media to MEDIA_ROOT. Objects the dump
    holds are dropped first (--clean --if-exists), so restoring over a damaged copy of
    the same database works as well as restoring into an empty one. Returns the manifest.
    """
    folder = Path(folder)
    dump, media, manifest_path = folder / DUMP_NAME, folder / MEDIA_NAME, folder / MANIFEST_NAME
    for path in (dump, media, manifest_path):
        if not path.is_file():
            raise BackupError(f"{path} is missing: not a Hive backup folder.")
    target = (
        PgTarget.from_url(database_url)
        if database_url
        else PgTarget.from_settings(connection.settings_dict)
    )
    _run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={target.name}",
            str(dump),
        ],
        target,
    )
    media_root = Path(media_root or settings.MEDIA_ROOT)
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(media, "r:gz") as archive:
        # "data" refuses absolute paths, links out of the folder and device files.
        archive.extractall(media_root, filter="data")
    return json.loads(manifest_path.read_text())
