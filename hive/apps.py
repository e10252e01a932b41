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
            dashboard,
            portal,
        )
        from hive.schedules import ensure_periodic_tasks

        portal.register_core_links()
        dashboard.connect_invalidation()
        post_migrate.connect(ensure_periodic_tasks, sender=self)
