from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_GET, require_POST

from hive import dashboard
from hive.access import two_factor
from hive.access.authorization import administers_any
from hive.models import ApiToken, Community, Notification
from hive.notifications import notification_mark_read
from hive.ops.page_cache import cache_public_page
from hive.services import api_tokens_revoke
from hive.ui import portal
from hive.ui.forms import (
    DashboardFilterForm,
    LoginForm,
    NotificationSettingsForm,
    PortalPasswordChangeForm,
)


@cache_public_page
def landing(request):
    communities = Community.objects.select_related("street")
    return render(request, "public/landing.html", {"communities": communities})


@login_required
def portal_home(request):
    context = {
        "role_cards": portal.role_cards(request.user),
        "can_use_admin": administers_any(request.user),
    }
    return render(request, "portal/home.html", context)


@login_required
def notification_list(request):
    notifications = Notification.objects.visible_to(request.user)
    page = Paginator(notifications, 30).get_page(request.GET.get("page"))
    return render(request, "portal/notifications.html", {"page": page})


@login_required
def notification_open(request, pk):
    """Follow a notification's link, marking it read on the way."""
    notification = get_object_or_404(Notification.objects.visible_to(request.user), pk=pk)
    notification_mark_read(user=request.user, notification_ids=[notification.pk])
    safe = url_has_allowed_host_and_scheme(
        notification.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return redirect(notification.url if notification.url and safe else "portal:notifications")


@login_required
def notification_settings(request):
    form = NotificationSettingsForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your notification settings were saved."))
        return redirect("portal:notification_settings")
    return render(request, "portal/notification_settings.html", {"form": form})


@login_required
@require_POST
def notification_read_all(request):
    notification_mark_read(user=request.user)
    return redirect("portal:notifications")


class PortalLoginView(auth_views.LoginView):
    template_name = "portal/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


@never_cache
@csrf_protect
def portal_second_factor(request):
    """The portal's door of the second factor (hive.access.two_factor): staff type the code."""
    return two_factor.otp_verify_view(request, two_factor.PORTAL_DOOR)


@never_cache
@csrf_protect
def portal_second_factor_setup(request):
    return two_factor.otp_setup_view(request, two_factor.PORTAL_DOOR)


@login_required
def api_token_list(request):
    """The person's own API tokens: which client, since when, until when."""
    tokens = ApiToken.objects.filter(user=request.user)
    return render(request, "portal/api_tokens.html", {"tokens": tokens})


@login_required
@require_POST
def api_token_revoke(request, pk):
    tokens = ApiToken.objects.filter(user=request.user, pk=pk)
    if not api_tokens_revoke(tokens=tokens):
        raise Http404
    messages.success(request, _("The token was revoked: it no longer opens the API."))
    return redirect("portal:api_tokens")


class PortalLogoutView(auth_views.LogoutView):
    pass


class PortalPasswordChangeView(auth_views.PasswordChangeView):
    template_name = "portal/password_change.html"
    form_class = PortalPasswordChangeForm
    success_url = reverse_lazy("portal:password_change_done")


class PortalPasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "portal/password_change_done.html"


def _database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down"; say which
        return f"error: {exc.__class__.__name__}"
    return "ok"


def _broker_state() -> str:
    if not settings.REDIS_URL:
        return "not configured"
    import redis

    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1
        )
        client.ping()
    except redis.RedisError as exc:
        return f"error: {exc.__class__.__name__}"
    return "ok"


@never_cache
@require_GET
def healthz(request):
    """Liveness for load balancers and container health checks; no personal data."""
    database = _database_state()
    broker = _broker_state()
    healthy = database == "ok" and broker in ("ok", "not configured")
    body = {"status": "ok" if healthy else "error", "database": database, "broker": broker}
    return JsonResponse(body, status=200 if healthy else 503)


def admin_dashboard(request, admin_site):
    """The staff dashboard (admin): figures of the user's communities, side by side."""
    if not administers_any(request.user):
        raise PermissionDenied
    communities = dashboard.dashboard_communities(request.user)
    form = DashboardFilterForm(request.GET or None, communities=communities)
    period_key, chosen = dashboard.DEFAULT_PERIOD, None
    if form.is_valid():
        period_key = form.cleaned_data["period"] or dashboard.DEFAULT_PERIOD
        chosen = form.cleaned_data.get("community")
    if form.is_bound and not form.is_valid():
        communities = communities.none()
    elif chosen is not None:
        communities = [chosen]
    period = dashboard.period_for(period_key)
    communities = list(communities)
    context = {
        **admin_site.each_context(request),
        "title": _("Dashboard"),
        "form": form,
        "period": period,
        **dashboard.panels(period, communities, chosen),
        "page": dashboard.dashboard_page(user=request.user, period=period, communities=communities),
    }
    return TemplateResponse(request, "admin/hive/dashboard.html", context)


@require_GET
def language_switch(request):
    """The language switch: a GET form, so that pages for anonymous visitors carry no
    CSRF token and can be cached whole (hive.ops.page_cache). It changes nothing but the
    language cookie, and only goes back to a path on this site."""
    language = request.GET.get("language", "")
    next_url = request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    # Not redirect(): it would take a `next` without "/" or "." for a URL name to reverse.
    response = HttpResponseRedirect(next_url)
    if language in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response
