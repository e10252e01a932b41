"""Issue 10 part 1: lock-out, the admin's second factor, session time-outs, CSP."""

import re
import time
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.test import RequestFactory
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from hive.access.security import LOGIN_AT_KEY, SEEN_AT_KEY, client_ip
from hive.models import LoginSession
from hive.services import second_factor_reset
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def lockout_settings(settings):
    settings.AXES_FAILURE_LIMIT = 3


def _fail(client, url, username, *, address="127.0.0.1"):
    return client.post(
        url, {"username": username, "password": "wrong-password"}, REMOTE_ADDR=address
    )


def _current_code(device) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def _forget_throttle(device):
    """A wrong code makes the device wait (1 s, then doubling); tests need not sleep."""
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()


def _wrong_code(device) -> str:
    return f"{(int(_current_code(device)) + 500_000) % 1_000_000:06d}"


# --- Lock-out ------------------------------------------------------------------------


def test_portal_login_locks_an_account_after_repeated_failures(world, client):
    url = reverse("portal:login")
    for _ in range(2):
        assert _fail(client, url, "grid_a").status_code == 200
    response = _fail(client, url, "grid_a")
    assert response.status_code == 429
    assert "锁定" in response.content.decode()
    assert 'name="username"' in response.content.decode()  # the login page, not a bare 403
    # Locked: even the right password does not get in, from another address too.
    response = client.post(
        url, {"username": "grid_a", "password": PASSWORD}, REMOTE_ADDR="10.9.8.7"
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_one_address_trying_many_accounts_is_locked(world, client):
    url = reverse("portal:login")
    for name in ("no_one_1", "no_one_2", "no_one_3"):
        _fail(client, url, name, address="10.1.1.1")
    response = client.post(
        url, {"username": "party_a", "password": PASSWORD}, REMOTE_ADDR="10.1.1.1"
    )
    assert response.status_code == 429
    # Another address with that right password is not affected.
    response = client.post(
        url, {"username": "party_a", "password": PASSWORD}, REMOTE_ADDR="10.2.2.2"
    )
    assert response.status_code == 302


def test_success_before_the_limit_resets_the_count(world, client):
    url = reverse("portal:login")
    for _ in range(2):
        _fail(client, url, "grid_a")
    assert client.post(url, {"username": "grid_a", "password": PASSWORD}).status_code == 302
    assert not AccessAttempt.objects.filter(username="grid_a").exists()


def test_admin_login_shows_the_lockout_on_the_admin_login_page(world, client):
    url = reverse("admin:login")
    for _ in range(3):
        response = _fail(client, url, "staff_a")
    assert response.status_code == 429
    body = response.content.decode()
    assert "锁定" in body and 'id="login-form"' in body


def test_api_token_failures_count_and_lock(world, api_client):
    url = reverse("api-token")
    for _ in range(2):
        response = api_client.post(url, {"username": "grid_a", "password": "nope"})
        assert response.status_code == 400
    response = api_client.post(url, {"username": "grid_a", "password": "nope"})
    assert response.status_code == 429
    assert "锁定" in response.json()["detail"]
    response = api_client.post(url, {"username": "grid_a", "password": PASSWORD})
    assert response.status_code == 429
    assert AccessAttempt.objects.get(username="grid_a").failures_since_start >= 3


def test_street_admin_sees_and_lifts_a_lock(world, client):
    for _ in range(3):
        _fail(client, reverse("portal:login"), "grid_a")
    attempt = AccessAttempt.objects.get(username="grid_a")
    staff = type(client)()
    staff.force_login(world.street_admin)
    changelist = reverse("admin:axes_accessattempt_changelist")
    page = staff.get(changelist)
    assert page.status_code == 200
    assert "grid_a" in page.content.decode()
    response = staff.post(changelist, {"action": "unlock", "_selected_action": [attempt.pk]})
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    response = client.post(reverse("portal:login"), {"username": "grid_a", "password": PASSWORD})
    assert response.status_code == 302


def test_community_staff_do_not_see_lockouts(world, client):
    client.force_login(world.staff_a)
    assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 403


def test_client_address_follows_the_configured_proxy_header(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP="203.0.113.9")
    settings.CLIENT_IP_META_KEY = None
    assert client_ip(request) == "10.0.0.1"
    settings.CLIENT_IP_META_KEY = "HTTP_X_REAL_IP"
    assert client_ip(request) == "203.0.113.9"


# --- Second factor for the admin -------------------------------------------------------


def test_staff_without_a_device_are_sent_to_set_one_up(world, client):
    client.force_login(world.staff_a, otp=False)
    response = client.get(reverse("admin:index"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("admin:otp_setup"))
    body = response.content.decode()
    assert "hive-otp-qr" in body and "<svg" in body and "otpauth://totp/" in body
    device = TOTPDevice.objects.get(user=world.staff_a)
    assert not device.confirmed

    # A wrong code: refused, nothing confirmed, still no admin.
    response = client.post(reverse("admin:otp_setup"), {"token": _wrong_code(device)})
    assert response.status_code == 200
    assert response.context["form"].errors["token"]
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get(reverse("admin:index")).status_code == 302

    _forget_throttle(device)
    response = client.post(
        reverse("admin:otp_setup"), {"token": _current_code(device), "next": "/admin/"}
    )
    assert response.status_code == 302 and response.url == "/admin/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("admin:index")).status_code == 200


def test_staff_with_a_device_type_the_current_code(world, client):
    device = TOTPDevice.objects.create(user=world.staff_a, name="phone", confirmed=True)
    client.force_login(world.staff_a, otp=False)
    response = client.get(reverse("admin:index"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("admin:otp_verify"))
    assert "hive-otp-qr" not in response.content.decode()  # the secret is shown at set-up only

    response = client.post(reverse("admin:otp_verify"), {"token": _wrong_code(device)})
    assert response.status_code == 200
    assert response.context["form"].errors["token"]
    assert client.get(reverse("admin:index")).status_code == 302

    _forget_throttle(device)
    response = client.post(reverse("admin:otp_verify"), {"token": _current_code(device)})
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_staff_password_alone_opens_neither_the_portal_nor_the_admin(world, client):
    # Issue 23: the portal was open to staff with the password alone.
    client.force_login(world.staff_a, otp=False)
    portal = client.get(reverse("portal:home"))
    assert portal.status_code == 302 and portal.url.startswith(reverse("portal:second_factor"))
    assert client.get(reverse("admin:hive_user_changelist")).status_code == 302
    client.force_login(world.grid_a, otp=False)  # no staff role: the password is enough
    assert client.get(reverse("portal:home")).status_code == 200


def test_the_setting_can_turn_the_second_factor_off(world, client, settings):
    settings.HIVE_ADMIN_OTP_REQUIRED = False
    client.force_login(world.staff_a, otp=False)
    assert client.get(reverse("admin:index")).status_code == 200


def test_second_factor_pages_are_for_logged_in_staff_only(world, client):
    assert client.get(reverse("admin:otp_setup")).status_code == 302
    client.force_login(world.grid_a)
    response = client.get(reverse("admin:otp_setup"))
    assert response.status_code == 302
    assert not TOTPDevice.objects.exists()


def test_resetting_the_second_factor_removes_devices_and_sessions(world, client):
    client.force_login(world.staff_a)
    assert TOTPDevice.objects.filter(user=world.staff_a).exists()
    assert second_factor_reset(users=type(world.staff_a).objects.filter(pk=world.staff_a.pk)) == 1
    assert not TOTPDevice.objects.filter(user=world.staff_a).exists()
    assert not LoginSession.objects.filter(user=world.staff_a).exists()
    assert client.get(reverse("admin:index")).status_code == 302


# --- Sessions -------------------------------------------------------------------------


def _age_session(client, key, seconds):
    session = client.session
    session[key] = session[key] - seconds
    session.save()


def test_an_idle_session_ends(world, client, settings):
    settings.HIVE_SESSION_IDLE_MINUTES = 30
    client.force_login(world.grid_a)
    _age_session(client, SEEN_AT_KEY, 29 * 60)
    assert client.get(reverse("portal:home")).status_code == 200
    _age_session(client, SEEN_AT_KEY, 31 * 60)
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("portal:login"))
    assert "_auth_user_id" not in client.session


def test_activity_keeps_a_session_alive_until_the_absolute_limit(world, client, settings):
    settings.HIVE_SESSION_IDLE_MINUTES = 30
    settings.HIVE_SESSION_ABSOLUTE_HOURS = 8
    client.force_login(world.grid_a)
    _age_session(client, LOGIN_AT_KEY, 7 * 3600)
    _age_session(client, SEEN_AT_KEY, 120)
    assert client.get(reverse("portal:home")).status_code == 200
    assert time.time() - client.session[SEEN_AT_KEY] < 5  # activity was recorded
    _age_session(client, LOGIN_AT_KEY, 3600 + 1)
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_disabling_a_user_ends_their_sessions(world, client):
    client.force_login(world.grid_a)
    other = type(client)()
    other.force_login(world.grid_a)
    assert LoginSession.objects.filter(user=world.grid_a).count() == 2
    world.grid_a.is_active = False
    world.grid_a.save()
    assert not LoginSession.objects.filter(user=world.grid_a).exists()
    assert client.get(reverse("portal:home")).status_code == 302


def test_disabling_a_user_in_the_admin_ends_their_sessions(world, client):
    victim = type(client)()
    victim.force_login(world.grid_a)
    client.force_login(world.staff_a)
    page = client.get(reverse("admin:hive_user_change", args=[world.grid_a.pk]))
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k in form.fields}
    assignment = world.grid_a.role_assignments.get()
    data.update(
        {
            "is_active": "",
            "role_assignments-TOTAL_FORMS": "1",
            "role_assignments-INITIAL_FORMS": "1",
            "role_assignments-MIN_NUM_FORMS": "0",
            "role_assignments-MAX_NUM_FORMS": "1000",
            "role_assignments-0-id": assignment.pk,
            "role_assignments-0-user": world.grid_a.pk,
            "role_assignments-0-role": assignment.role,
            "role_assignments-0-community": assignment.community_id,
            "role_assignments-0-street": "",
        }
    )
    data.pop("password", None)
    data.pop("last_login", None)
    data.pop("date_joined", None)
    response = client.post(reverse("admin:hive_user_change", args=[world.grid_a.pk]), data)
    assert response.status_code == 302, (
        response.context["adminform"].form.errors,
        [f.formset.errors for f in response.context["inline_admin_formsets"]],
        response.context["errors"],
    )
    world.grid_a.refresh_from_db()
    assert not world.grid_a.is_active
    assert not LoginSession.objects.filter(user=world.grid_a).exists()


# --- Headers and templates --------------------------------------------------------------


def test_pages_carry_a_content_security_policy_without_inline_script(world, client):
    for url in (reverse("public:landing"), reverse("portal:login"), reverse("admin:login")):
        policy = client.get(url)["Content-Security-Policy"]
        assert "default-src 'self'" in policy
        script = re.search(r"script-src ([^;]*)", policy).group(1)
        assert "unsafe-inline" not in script and "unsafe-eval" not in script


def test_the_api_docs_load_their_script_from_a_file(world, client):
    client.force_login(world.staff_a)
    body = client.get(reverse("swagger-ui")).content.decode()
    assert not _inline_scripts(body)


_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S | re.I)
_HANDLER = re.compile(r"""\son[a-z]+\s*=\s*["']""", re.I)


def _inline_scripts(html: str) -> list[str]:
    found = []
    for attributes, body in _SCRIPT.findall(html):
        if "src=" in attributes or "application/json" in attributes:
            continue
        if body.strip():
            found.append(body.strip()[:80])
    return found


def test_no_template_has_inline_script_or_event_handlers():
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        if _inline_scripts(text) or _HANDLER.search(text):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_the_admin_never_shows_a_devices_secret(client, world):
    """Whoever reads a TOTP secret or its QR code holds the second factor: the admin's
    config and QR pages refuse, for a device that exists and for one that does not (that
    one answered 500 before)."""
    device = TOTPDevice.objects.create(user=world.staff_a, name="phone", confirmed=True)
    client.force_login(world.superuser)
    for pk in (device.pk, device.pk + 1000):
        for name in ("otp_totp_totpdevice_config", "otp_totp_totpdevice_qrcode"):
            assert client.get(reverse(f"admin:{name}", args=[pk])).status_code == 403
    page = client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk]))
    assert page.status_code == 200
    assert device.key not in page.content.decode()
