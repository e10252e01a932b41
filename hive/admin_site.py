from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class HiveAdminSite(admin.AdminSite):
    site_header = _("Hive · party-building-led grassroots governance")
    site_title = _("Hive admin")
    index_title = _("Community work")
    site_url = "/portal/"


class HiveAdminConfig(AdminConfig):
    default_site = "hive.admin_site.HiveAdminSite"
