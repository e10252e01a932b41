from importlib import import_module, util

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from hive import demo


class Command(BaseCommand):
    help = "Create the demo street, communities and one login per role (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Seed even with DEBUG off (the demo logins share a published password).",
        )

    def handle(self, *args, allow_production=False, **options):
        if not settings.DEBUG and not allow_production:
            raise CommandError(
                "DEBUG is off: demo logins have a published password. "
                "Pass --allow-production if this really is a demo deployment."
            )
        with transaction.atomic():
            context = demo.seed()
            for app_label in settings.PROJECT_APPS:
                module_name = f"{app_label}.demo"
                if app_label != "hive" and util.find_spec(module_name):
                    import_module(module_name).seed(context)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {len(context.communities)} communities, "
                f"{len(context.users)} logins (password: {demo.DEMO_PASSWORD})."
            )
        )
