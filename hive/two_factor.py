"""The admin's second factor: staff confirm a TOTP code before any admin page.

django-otp keeps the devices and marks a session verified (django_otp.login); this
module holds the two pages staff see between the password and the admin: set up an
authenticator app (first time), or type its current code. The portal does not ask.
"""

from urllib.parse import quote

from django import forms
from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user, match_token
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

SETUP_DEVICE_NAME = "authenticator"


def otp_required() -> bool:
    return settings.HIVE_ADMIN_OTP_REQUIRED


def needs_second_factor(request) -> bool:
    """A logged-in staff member who has not confirmed a code in this session."""
    user = request.user
    return (
        otp_required()
        and user.is_authenticated
        and user.is_active
        and user.is_staff
        and not user.is_verified()
    )


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Six-digit code"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_token(self):
        token = self.cleaned_data["token"].strip()
        if not token.isdigit():
            raise forms.ValidationError(_("The code is six digits."))
        return token


def _next_url(request) -> str:
    candidate = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME)
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("admin:index")


def _qr_svg(uri: str) -> str:
    """The otpauth URI as an inline SVG (no script, no external request)."""
    import qrcode
    from qrcode.image.svg import SvgPathImage

    image = qrcode.make(uri, image_factory=SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


def _context(site, request, **extra):
    return {
        **site.each_context(request),
        "next": _next_url(request),
        REDIRECT_FIELD_NAME: _next_url(request),
        **extra,
    }


def otp_verify_view(site, request):
    """Ask for the current code of a confirmed device; none yet: go to set one up."""
    if not needs_second_factor(request):
        return redirect(_next_url(request) if request.user.is_authenticated else "admin:login")
    if not any(devices_for_user(request.user, confirmed=True)):
        return redirect(f"{reverse('admin:otp_setup')}?next={quote(_next_url(request))}")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            return redirect(_next_url(request))
        form.add_error("token", _("That code is wrong or has expired. Try the current one."))
    context = _context(site, request, title=_("Second factor"), subtitle=None, form=form)
    return TemplateResponse(request, "admin/otp_verify.html", context)


def otp_setup_view(site, request):
    """First time: show a new secret (QR and text); the device counts once a code from
    the app matches, so a mistyped scan never locks anyone out."""
    if not needs_second_factor(request):
        return redirect(_next_url(request) if request.user.is_authenticated else "admin:login")
    if any(devices_for_user(request.user, confirmed=True)):
        # A confirmed device can be replaced only by an administrator removing it.
        return redirect(f"{reverse('admin:otp_verify')}?next={quote(_next_url(request))}")
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
            return redirect(_next_url(request))
        form.add_error("token", _("That code is wrong or has expired. Try the current one."))
    uri = device.config_url
    context = _context(
        site,
        request,
        title=_("Set up the second factor"),
        subtitle=None,
        form=form,
        qr_svg=_qr_svg(uri),
        secret=_b32_secret(device),
        otpauth_uri=uri,
    )
    return TemplateResponse(request, "admin/otp_setup.html", context)


def _b32_secret(device) -> str:
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
