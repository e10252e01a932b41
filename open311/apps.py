from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Open311Config(AppConfig):
    name = "open311"
    verbose_name = _("Open311: reports from partner systems")

    def ready(self):
        from hive.access.roles import grant_to_staff
        from hive.ui.errors import register_area
        from open311.views import error_answer

        grant_to_staff("open311.*")
        register_area("/open311/", error_answer)
