from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from hive.ops.backups import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Back up the PostgreSQL database (pg_dump -Fc) and the uploaded media (MEDIA_ROOT) "
        "into a new folder hive-YYYYmmdd-HHMMSS under the given directory."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="Where to create the backup folder.")

    def handle(self, *args, directory, **options):
        try:
            folder = backup_create(directory=directory)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"Backup written to {folder}"))
