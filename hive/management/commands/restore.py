from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from hive.ops.backups import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup folder made by `backup`: pg_restore into the database (DATABASE_URL "
        "or --database-url) and unpack the media into MEDIA_ROOT (or --media-root)."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path, help="A hive-YYYYmmdd-HHMMSS backup folder.")
        parser.add_argument(
            "--database-url",
            help="Restore into this database instead (postgres://…/name); it must exist.",
        )
        parser.add_argument("--media-root", type=Path, help="Unpack the media here instead.")
        parser.add_argument(
            "--yes",
            action="store_true",
            help="Do not ask: the database's tables are replaced by the backup's.",
        )

    def handle(self, *args, folder, database_url=None, media_root=None, yes=False, **options):
        if not yes:
            answer = input(
                "Tables in the target database are replaced by the backup's. Type 'yes': "
            )
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled.")
        try:
            manifest = backup_restore(
                folder=folder, database_url=database_url, media_root=media_root
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored the backup of {manifest['database']} made at {manifest['created_at']} "
                f"({len(manifest['row_counts'])} tables)."
            )
        )
