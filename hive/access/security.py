"""Login hardening: lock-out pages, session time-outs, ending a disabled user's sessions.

django-axes counts failed logins (settings.AXES_*); this module tells it which address a
request comes from and what a locked-out person sees. The session rules live here too,
because a stolen or forgotten session is the other way into an account.
"""

import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.contrib.auth.signals import user_logged_in
from django.db.models import Model
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

if TYPE_CHECKING:
    from hive.models import RoleAssignment, User

LOGIN_AT_KEY = "hive_login_at"
SEEN_AT_KEY = "hive_seen_at"
# Activity is written back to the session at most this often, so ordinary requests cost
# no session write (and the query counts of list pages stay what they were).
SEEN_RESOLUTION_SECONDS = 60


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: CLIENT_IP_META_KEY when a proxy sets it, else REMOTE_ADDR.

    The same rule as the wish form's rate limit (RATELIMIT_IP_META_KEY); never a header a
    client could choose unless the deployment's proxy overwrites it.
    """
    meta = getattr(request, "META", {})
    key = getattr(settings, "CLIENT_IP_META_KEY", None)
    address = meta.get(key) if key else None
    address = address or meta.get("REMOTE_ADDR")
    if address and "," in address:
        address = address.split(",")[0]
    return address.strip() if address else None


def login_username(
    request: HttpRequest, credentials: Mapping[str, Any] | None = None
) -> str | None:
    """The account name django-axes counts failed logins against (AXES_USERNAME_CALLABLE):
    axes' own choice (the credentials, else the posted form), cut to the length of the
    column it is stored in. A longer name is no account's (usernames are at most 150
    characters), but stored whole it failed the insert on PostgreSQL: a 500 on the login
    page and the token endpoint instead of a failed login."""
    from axes.models import AccessAttempt

    if credentials:
        # AXES_* defaults are set by axes' AppConf at startup; the stubs see only config.settings.
        username = credentials.get(settings.AXES_USERNAME_FORM_FIELD)  # type: ignore[misc]
    else:
        data = getattr(request, "data", None) or getattr(request, "POST", {})
        username = data.get(settings.AXES_USERNAME_FORM_FIELD)  # type: ignore[misc]
    if not isinstance(username, str):
        return username
    return username[: AccessAttempt._meta.get_field("username").max_length]


def lockout_message() -> str:
    minutes = (
        int(settings.AXES_COOLOFF_TIME.total_seconds() // 60) if settings.AXES_COOLOFF_TIME else 0
    )
    if minutes:
        wait = ngettext(
            "Try again in %(minutes)d minute, or ask a street administrator to unlock it.",
            "Try again in %(minutes)d minutes, or ask a street administrator to unlock it.",
            minutes,
        ) % {"minutes": minutes}
    else:
        wait = _("Ask a street administrator to unlock it.")
    return "{} {}".format(
        _("Too many failed logins: this account or this computer's address is locked."), wait
    )


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: Mapping[str, Any] | None = None,
) -> HttpResponse:
    """What axes answers while a lock holds: the login page again, with the reason.

    A bare 403 would leave a resident or staff member guessing; the API gets JSON.
    """
    message = lockout_message()
    status = settings.AXES_HTTP_RESPONSE_CODE
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    next_url = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")
    if request.path == reverse("admin:login"):
        from django.contrib import admin

        context = {
            **admin.site.each_context(request),
            "title": _("Log in"),
            "subtitle": None,
            "app_path": request.get_full_path(),
            "form": AdminAuthenticationForm(request),
            "locked_out_message": message,
            REDIRECT_FIELD_NAME: next_url or reverse("admin:index"),
        }
        response = TemplateResponse(request, "admin/login.html", context, status=status)
        return response.render()
    from hive.ui.forms import LoginForm

    context = {"form": LoginForm(request), "locked_out_message": message, "next": next_url}
    return render(request, "portal/login.html", context, status=status)


class SessionTimeoutMiddleware:
    """Ends a login session after HIVE_SESSION_IDLE_MINUTES without a request, or
    HIVE_SESSION_ABSOLUTE_HOURS after the login, whichever comes first.

    The person is logged out and lands on the login page with a message; an API client
    using the session gets the usual 403. 0 turns either limit off.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            self._check(request)
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> None:
        session = request.session
        now = time.time()
        login_at = session.get(LOGIN_AT_KEY)
        seen_at = session.get(SEEN_AT_KEY)
        if login_at is None or seen_at is None:
            # A session from before these rules: start counting now.
            session[LOGIN_AT_KEY] = login_at or now
            session[SEEN_AT_KEY] = now
            return
        idle = settings.HIVE_SESSION_IDLE_MINUTES * 60
        absolute = settings.HIVE_SESSION_ABSOLUTE_HOURS * 3600
        if (idle and now - seen_at > idle) or (absolute and now - login_at > absolute):
            logout(request)
            messages.info(request, _("Your session has expired. Please log in again."))
            return
        if now - seen_at >= SEEN_RESOLUTION_SECONDS:
            session[SEEN_AT_KEY] = now


@receiver(user_logged_in, dispatch_uid="hive.security.stamp_login")
def _stamp_login(
    sender: type[Model], request: HttpRequest | None, user: "User", **kwargs: Any
) -> None:
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[LOGIN_AT_KEY] = now
        request.session[SEEN_AT_KEY] = now


def sessions_end_for(*, user: "User") -> int:
    """Delete every login session of the user; returns how many there were."""
    from hive.models import LoginSession

    deleted, _detail = LoginSession.objects.filter(user_id=user.pk).delete()
    return deleted


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="hive.security.disabled")
def _end_sessions_of_disabled_user(
    sender: type[Model], instance: "User", created: bool, **kwargs: Any
) -> None:
    """Disabling a user (is_active off, in the admin or a service) logs them out now,
    not when their session would have expired."""
    if not created and not instance.is_active:
        sessions_end_for(user=instance)


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="hive.security.tokens")
def _end_tokens_on_password_or_deactivation(
    sender: type[Model], instance: "User", created: bool, **kwargs: Any
) -> None:
    """A new password or a disabled account ends every API token at once: a token must
    not outlive the password that got it. (AbstractBaseUser keeps the new raw password
    in `_password` from set_password() until its save() is done: the portal's and the
    admin's password forms, a reset, `changepassword`.)"""
    if created:
        return
    if getattr(instance, "_password", None) is not None or not instance.is_active:
        from hive.services import api_tokens_end_for

        api_tokens_end_for(user=instance)


def _end_tokens_on_role_loss(
    sender: type[Model], instance: "RoleAssignment", created: bool = False, **kwargs: Any
) -> None:
    """A role taken away (or changed into another) ends the person's API tokens: what
    they were issued for is no longer what the person is."""
    if created:
        return
    from hive.services import api_tokens_end_for

    api_tokens_end_for(user=instance.user)


def connect() -> None:
    from hive.models import RoleAssignment

    post_delete.connect(
        _end_tokens_on_role_loss,
        sender=RoleAssignment,
        dispatch_uid="hive.security.role.del",
    )
    post_save.connect(
        _end_tokens_on_role_loss,
        sender=RoleAssignment,
        dispatch_uid="hive.security.role.save",
    )
