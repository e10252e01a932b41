"""The second factor of staff: a TOTP code (django-otp) before any staff power.

One rule, `lacks_second_factor()`: while HIVE_ADMIN_OTP_REQUIRED is on, an active staff
member acts only through a login session verified with a code (django_otp.login) or an
API token issued with one (hive.models.ApiToken.second_factor). It is applied at two
places that every request passes: `SecondFactorMiddleware` for sessions (the admin, the
portal, the API with a session cookie) and hive.access.authentication for tokens. The token
endpoint asks for the code itself (`code_check`). Portal roles without is_staff are never
asked.

The two pages staff see between the password and their work (set up an authenticator
app the first time, or type its current code) exist once, here, for two doors: the
admin's (its look, admin:otp_*) and the portal's (portal:second_factor*).
"""

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from django import forms
from django.conf import settings
from django.contrib.admin import AdminSite
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user, match_token
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from hive.models import User

SETUP_DEVICE_NAME = "authenticator"


def otp_required() -> bool:
    return settings.HIVE_ADMIN_OTP_REQUIRED


def lacks_second_factor(user: "User | AnonymousUser", *, verified: bool) -> bool:
    """The rule: an active staff member whose session or token was not confirmed with a
    code has no staff power while the second factor is required."""
    return (
        otp_required()
        and user.is_authenticated
        and user.is_active
        and user.is_staff
        and not verified
    )


def needs_second_factor(request: HttpRequest) -> bool:
    """A logged-in staff member who has not confirmed a code in this session."""
    # django_otp's middleware gives the request's user is_verified(); the stubs do not know.
    user: Any = request.user
    if not (otp_required() and user.is_authenticated and user.is_staff):
        return False  # is_verified() reads the device: only ask when it matters
    return lacks_second_factor(user, verified=user.is_verified())


def has_confirmed_device(user: "User | AnonymousUser") -> bool:
    return any(devices_for_user(user, confirmed=True))


def normalise_code(value: str) -> str:
    """The code as ASCII digits: full-width digits (typed with a Chinese input method)
    count as digits; anything else is not a code."""
    return unicodedata.normalize("NFKC", value or "").strip()


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Six-digit code"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                # The portal's Bootstrap look; the admin's page styles inputs by type.
                "class": "form-control",
            }
        ),
    )

    def clean_token(self) -> str:
        token = normalise_code(self.cleaned_data["token"])
        if not (len(token) == 6 and token.isascii() and token.isdigit()):
            raise forms.ValidationError(_("The code is six digits."))
        return token


WRONG_CODE = _("That code is wrong or has expired. Try the current one.")


class CodeError(Exception):
    """Why a code was not accepted, in words for the person (code_check)."""


def setup_message() -> str:
    return gettext(
        "You have no authenticator app set up yet. Log in to the portal, set one up at "
        "%(url)s, then ask again with its current code."
    ) % {"url": reverse("portal:second_factor_setup")}


def code_check(user: "User", code: object) -> None:
    """Accept `code` as the current one of the user's confirmed device, or raise CodeError.

    django-otp counts the failures on the device and makes it wait (1 s, doubling) after
    each, so a password alone cannot be tried against every code.
    """
    if not has_confirmed_device(user):
        raise CodeError(setup_message())
    form = TokenForm({"token": "" if code is None else str(code)})
    if not form.is_valid():
        # Iterating an ErrorList yields its messages as str; the stubs say ValidationError too.
        raise CodeError(" ".join(form.errors["token"]))  # type: ignore[arg-type]
    if match_token(user, form.cleaned_data["token"]) is None:
        raise CodeError(str(WRONG_CODE))


# --- The pages -------------------------------------------------------------------------


@dataclass(frozen=True)
class Door:
    """Where the pages of one door live and how they look."""

    verify: str  # URL names
    setup: str
    login: str
    home: str
    verify_template: str
    setup_template: str
    site: AdminSite | None = None  # the admin site, for its page context

    def context(self, request: HttpRequest, **extra: Any) -> dict[str, Any]:
        base = self.site.each_context(request) if self.site is not None else {}
        next_url = self.next_url(request)
        return {**base, "next": next_url, REDIRECT_FIELD_NAME: next_url, **extra}

    def next_url(self, request: HttpRequest) -> str:
        candidate = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME)
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return str(candidate)
        return reverse(self.home)

    def go(self, url_name: str, request: HttpRequest) -> HttpResponseRedirect:
        return redirect(f"{reverse(url_name)}?next={quote(self.next_url(request))}")


def admin_door(site: AdminSite) -> Door:
    return Door(
        verify="admin:otp_verify",
        setup="admin:otp_setup",
        login="admin:login",
        home="admin:index",
        verify_template="admin/otp_verify.html",
        setup_template="admin/otp_setup.html",
        site=site,
    )


PORTAL_DOOR = Door(
    verify="portal:second_factor",
    setup="portal:second_factor_setup",
    login="portal:login",
    home="portal:home",
    verify_template="portal/second_factor.html",
    setup_template="portal/second_factor.html",
)


def otp_verify_view(request: HttpRequest, door: Door) -> HttpResponse:
    """Ask for the current code of a confirmed device; none yet: go to set one up."""
    if not needs_second_factor(request):
        if request.user.is_authenticated:
            # Not redirect(): it would take a `next` without "/" or "." for a URL name.
            return HttpResponseRedirect(door.next_url(request))
        return redirect(door.login)
    if not has_confirmed_device(request.user):
        return door.go(door.setup, request)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            return HttpResponseRedirect(door.next_url(request))
        form.add_error("token", WRONG_CODE)
    context = door.context(request, title=_("Second factor"), subtitle=None, form=form)
    return TemplateResponse(request, door.verify_template, context)


def otp_setup_view(request: HttpRequest, door: Door) -> HttpResponse:
    """First time: show a new secret (QR and text); the device counts once a code from
    the app matches, so a mistyped scan never locks anyone out."""
    if not needs_second_factor(request):
        if request.user.is_authenticated:
            # Not redirect(): it would take a `next` without "/" or "." for a URL name.
            return HttpResponseRedirect(door.next_url(request))
        return redirect(door.login)
    if has_confirmed_device(request.user):
        # A confirmed device can be replaced only by an administrator removing it.
        return door.go(door.verify, request)
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=request.user, confirmed=False)
            .order_by("pk")
            .first()
        )
        if device is None:
            device = TOTPDevice.objects.create(
                user=request.user, name=SETUP_DEVICE_NAME, confirmed=False
            )
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            return HttpResponseRedirect(door.next_url(request))
        form.add_error("token", WRONG_CODE)
    uri = device.config_url
    context = door.context(
        request,
        title=_("Set up the second factor"),
        subtitle=None,
        form=form,
        qr_svg=_qr_svg(uri),
        secret=_b32_secret(device),
        otpauth_uri=uri,
    )
    return TemplateResponse(request, door.setup_template, context)


def _qr_svg(uri: str) -> str:
    """The otpauth URI as an inline SVG (no script, no external request)."""
    import qrcode
    from qrcode.image.svg import SvgPathImage

    image = qrcode.make(uri, image_factory=SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


def _b32_secret(device: TOTPDevice) -> str:
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


# --- The rule for every session request ------------------------------------------------

# What a staff member whose session is not verified yet may still open: the two pages
# of each door, the ways out, the login pages (to log in as someone else), the token
# endpoint (it checks its own credentials), and pages that show nothing of anyone.
OPEN_URL_NAMES = frozenset(
    {
        "admin:otp_verify",
        "admin:otp_setup",
        "admin:login",
        "admin:logout",
        "admin:jsi18n",
        "portal:second_factor",
        "portal:second_factor_setup",
        "portal:login",
        "portal:logout",
        "api-token",
        "language",
        "set_language",
        "healthz",
    }
)


class SecondFactorMiddleware:
    """Staff sessions confirm a code before any page, wherever it is: the admin's pages
    go to the admin's second-factor page, API calls get a 403 that says why, everything
    else goes to the portal's. A new view cannot forget the rule: it is here, not in
    each view."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if needs_second_factor(request) and not self._is_open(request):
            return self._refuse(request)
        return self.get_response(request)

    @staticmethod
    def _is_open(request: HttpRequest) -> bool:
        static_url = settings.STATIC_URL or "/static/"
        if request.path_info.startswith(static_url):
            return True
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return True  # a 404 shows nothing
        return match.view_name in OPEN_URL_NAMES

    @staticmethod
    def _refuse(request: HttpRequest) -> HttpResponse:
        path = request.get_full_path()
        if request.path_info.startswith("/api/"):
            message = gettext(
                "Staff confirm the second factor first: log in to the portal or the admin "
                "and type the current code of your authenticator app, or use a token "
                "issued with the code."
            )
            return JsonResponse({"detail": message}, status=403)
        admin_prefix = reverse("admin:index")
        door = "admin:otp_verify" if request.path_info.startswith(admin_prefix) else None
        url = reverse(door or PORTAL_DOOR.verify)
        return redirect(f"{url}?{REDIRECT_FIELD_NAME}={quote(path)}")
