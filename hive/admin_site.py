from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.urls import path
from django.utils.translation import gettext_lazy as _


class HiveAdminSite(admin.AdminSite):
    site_header = _("Hive · party-building-led grassroots governance")
    site_title = _("Hive admin")
    index_title = _("Community work")
    site_url = "/portal/"
    index_template = "admin/hive/index.html"

    def get_urls(self):
        from hive.views import admin_dashboard

        return [
            path(
                "dashboard/",
                self.admin_view(lambda request: admin_dashboard(request, self)),
                name="dashboard",
            ),
            *super().get_urls(),
        ]

    def each_context(self, request):
        from hive.dashboard import can_view_dashboard

        context = super().each_context(request)
        context["can_view_dashboard"] = can_view_dashboard(request.user)
        return context


class HiveAdminConfig(AdminConfig):
    default_site = "hive.admin_site.HiveAdminSite"
