from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class HiveConfig(AppConfig):
    name = "hive"
    verbose_name = _("Hive core")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from hive import checks, dashboard, workbench  # noqa: F401  (checks registers the system checks)
        from hive.access import authentication, security
        from hive.personal_data import audit, registry
        from hive.queue import schedules
        from hive.queue.schedules import ensure_periodic_tasks
        from hive.ui import portal

        authentication.connect()
        # Pillow's own guard against image bombs, for every image this process opens:
        # nothing bigger than the largest photo the upload rules accept (hive.uploads).
        from PIL import Image

        from hive.uploads import largest_accepted_pixels

        Image.MAX_IMAGE_PIXELS = largest_accepted_pixels()
        security.connect()
        portal.register_core_links()
        registry.autodiscover()
        audit.register_personal_data_models()
        schedules.register(
            schedules.PeriodicTaskSpec(
                name=_("Refresh the dashboard's figures"),
                task="hive.warm_dashboard",
                minute="*/5",
            )
        )
        schedules.register(
            schedules.PeriodicTaskSpec(
                name=_("Erase or anonymise personal data past its retention period"),
                task="hive.apply_retention",
                minute="15",
                hour="4",
            )
        )
        schedules.register(
            schedules.PeriodicTaskSpec(
                name=_("Send the tasks kept while the broker was down"),
                task="hive.flush_outbox",
                minute="*",
            )
        )
        dashboard.autodiscover()
        workbench.autodiscover()
        # The landing page and the wish walls list the communities.
        from hive.models import Community, Street
        from hive.ops.page_cache import refresh_on_change

        refresh_on_change(Community, uid="hive.public_pages.community")
        from hive.selectors import connect_community_cache

        connect_community_cache()
        refresh_on_change(Street, uid="hive.public_pages.street")
        post_migrate.connect(ensure_periodic_tasks, sender=self)
