from importlib import import_module

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from hive import views
from hive.api import ObtainAuthTokenView, RotateAuthTokenView, router
from hive.uploads import media

DOMAIN_APPS = [app for app in settings.PROJECT_APPS if app != "hive"]
# Each app's api.py registers its viewsets on the shared router.
for _app in DOMAIN_APPS:
    import_module(f"{_app}.api")

portal_patterns = (
    [
        path("", views.portal_home, name="home"),
        path("notifications/", views.notification_list, name="notifications"),
        path("notifications/read/", views.notification_read_all, name="notifications_read_all"),
        path("notifications/<int:pk>/", views.notification_open, name="notification_open"),
        path(
            "notifications/settings/",
            views.notification_settings,
            name="notification_settings",
        ),
        path("login/", views.PortalLoginView.as_view(), name="login"),
        path("second-factor/", views.portal_second_factor, name="second_factor"),
        path(
            "second-factor/setup/",
            views.portal_second_factor_setup,
            name="second_factor_setup",
        ),
        path("tokens/", views.api_token_list, name="api_tokens"),
        path("tokens/<int:pk>/revoke/", views.api_token_revoke, name="api_token_revoke"),
        path("logout/", views.PortalLogoutView.as_view(), name="logout"),
        path("password/", views.PortalPasswordChangeView.as_view(), name="password_change"),
        path(
            "password/done/",
            views.PortalPasswordChangeDoneView.as_view(),
            name="password_change_done",
        ),
    ],
    "portal",
)

public_patterns = ([path("", views.landing, name="landing")], "public")

urlpatterns = [
    # The API first: its busiest lists should not walk every app's portal patterns
    # (resolving was a tenth of an incident-list request). No other prefix starts "api/".
    path("api/auth/token/", ObtainAuthTokenView.as_view(), name="api-token"),
    path("api/auth/token/rotate/", RotateAuthTokenView.as_view(), name="api-token-rotate"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script (CSP).
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="schema", template_name="hive/api_docs.html", title=_("Hive API documentation")
        ),
        name="swagger-ui",
    ),
    path("api/map/", include(("grids.map_api", "map"))),
    path("api/", include(router.urls)),
    path("", include(public_patterns)),
    path("portal/", include(portal_patterns)),
    *[path("", include(f"{app}.urls")) for app in DOMAIN_APPS],
    path("admin/", admin.site.urls),
    path("language/", views.language_switch, name="language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", views.healthz, name="healthz"),
    # Uploaded files, in production too: each to whom its row is visible (hive.uploads.media).
    path(f"{settings.MEDIA_URL.strip('/')}/<path:name>", media.serve, name="media"),
]

# Errors in the language of the area: the API's JSON, Open311's format, else the page.
handler400 = "hive.ui.errors.bad_request"
handler404 = "hive.ui.errors.page_not_found"
