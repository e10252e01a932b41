import functools
import hashlib
from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from hive.workbench import grouped_app_list, sees_system, waiting_for


class HiveAdminSite(admin.AdminSite):
    site_header = _("Hive · party-building-led grassroots governance")
    site_title = _("Hive admin")
    index_title = _("Community work")
    site_url = "/portal/"
    index_template = "admin/hive/index.html"

    # The navigation (app list) per permission set and language: building it asks every
    # registered ModelAdmin for its permissions, about 6 ms on every admin page.
    _app_lists: dict = {}
    _APP_LISTS_MAX = 256

    def _nav_fingerprint(self, request, app_label=None) -> tuple:
        user = request.user
        return (
            get_language(),
            request.META.get("SCRIPT_NAME", ""),
            app_label,
            user.is_active,
            user.is_staff,
            user.is_superuser,
            sees_system(user),
            tuple(sorted(user.get_all_permissions())) if user.is_active else (),
        )

    def get_app_list(self, request, app_label=None):
        """Django's app list, grouped by task on the home page and in the navigation
        (hive.workbench; an app's own page keeps its app), remembered per process for
        everyone with the same permissions: it depends on nothing else (no ModelAdmin here
        decides its module or view permission from anything but the user's permissions and
        superuser flag; the system group, on whether the user administers a street)."""
        key = self._nav_fingerprint(request, app_label)
        app_list = self._app_lists.get(key)
        if app_list is None:
            if len(self._app_lists) >= self._APP_LISTS_MAX:
                self._app_lists.clear()
            app_list = super().get_app_list(request, app_label)
            if app_label is None:
                app_list = grouped_app_list(app_list, request.user)
            self._app_lists[key] = app_list
        return app_list

    def index(self, request, extra_context=None):
        """The workbench: what waits for this user above the grouped models."""
        return super().index(
            request, {"waiting": waiting_for(request.user), **(extra_context or {})}
        )

    def each_context(self, request):
        from hive.access.authorization import administers_any

        context = super().each_context(request)
        context["can_view_dashboard"] = administers_any(request.user)
        # Names the rendered sidebar in the fragment cache (admin/base_site.html).
        context["nav_cache_key"] = hashlib.sha256(
            repr(self._nav_fingerprint(request)).encode()
        ).hexdigest()[:24]
        return context

    def has_permission(self, request):
        """Staff, and (where HIVE_ADMIN_OTP_REQUIRED) verified with a TOTP code in this
        session: a stolen password alone does not open the admin."""
        from hive.access.two_factor import needs_second_factor

        return super().has_permission(request) and not needs_second_factor(request)

    def login(self, request, extra_context=None):
        from hive.access.two_factor import needs_second_factor

        if request.method == "GET" and needs_second_factor(request):
            query = urlencode({"next": request.GET.get("next") or reverse("admin:index")})
            return redirect(f"{reverse('admin:otp_verify')}?{query}")
        return super().login(request, extra_context)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Pages an app adds to the admin (route, view(request, admin_site), name),
        # registered from its admin module: the core names no feature app.
        self.extra_views: list[tuple[str, Any, str]] = []

    def register_view(self, route: str, view: Any, name: str) -> None:
        """Add `view(request, admin_site)` at admin/<route>, for staff (admin_view)."""
        self.extra_views.append((route, view, name))

    def get_urls(self):
        from hive.access import two_factor
        from hive.views import admin_dashboard

        door = two_factor.admin_door(self)

        def bind(view):
            # Not admin_view(): these pages are for staff who are not verified yet.
            return never_cache(csrf_protect(lambda request: view(request, door)))

        return [
            path("second-factor/", bind(two_factor.otp_verify_view), name="otp_verify"),
            path("second-factor/setup/", bind(two_factor.otp_setup_view), name="otp_setup"),
            path(
                "dashboard/",
                self.admin_view(lambda request: admin_dashboard(request, self)),
                name="dashboard",
            ),
            *[
                path(route, self.admin_view(functools.partial(view, admin_site=self)), name=name)
                for route, view, name in self.extra_views
            ],
            *super().get_urls(),
        ]


class HiveAdminConfig(AdminConfig):
    default_site = "hive.ui.admin_site.HiveAdminSite"
