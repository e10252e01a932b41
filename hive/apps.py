from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class HiveConfig(AppConfig):
    name = "hive"
    verbose_name = _("Hive core")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from hive import (
            checks,  # noqa: F401  (registers the system checks)
            portal,
            security,  # noqa: F401  (connects the login and session signals)
        )
        from hive.schedules import ensure_periodic_tasks

        portal.register_core_links()
        post_migrate.connect(ensure_periodic_tasks, sender=self)
