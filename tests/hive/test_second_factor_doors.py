"""Issue 23 item 1: with production's settings (DEBUG off, so HIVE_ADMIN_OTP_REQUIRED on)
every door to staff power needs a verified second factor: the admin, the portal, the API
with a session, the API token endpoint and the tokens it gives, and the reveals of
personal data; the portal's other roles still log in with a password alone. Reveals are
limited per person, and an unusual number of them is told to the street's administrators.
"""

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from hive.access.roles import Role
from hive.models import Notification, PersonalDataAccess
from hive.services import role_assign
from tests.factories import PASSWORD
from tests.grids.factories import GridFactory, HouseholdFactory, ResidentFactory, id_number

pytestmark = pytest.mark.django_db

PORTAL_VERIFY = "/portal/second-factor/"
PORTAL_SETUP = "/portal/second-factor/setup/"


@pytest.fixture(autouse=True)
def production(settings):
    """What a DEBUG=0 server runs with (HIVE_ADMIN_OTP_REQUIRED defaults to not DEBUG)."""
    settings.DEBUG = False
    settings.HIVE_ADMIN_OTP_REQUIRED = True
    # The messages are checked in English, whatever the locale files hold.
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def resident(world):
    grid = GridFactory(community=world.a, code="A1", member=world.grid_a)
    household = HouseholdFactory(grid=grid, head_name="张大山", phone="13811112222")
    return ResidentFactory(
        household=household, name="张大山", phone="13912345678", id_number=id_number()
    )


def _device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def _code(device) -> str:
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def _wrong(device) -> str:
    return f"{(int(_code(device)) + 500_000) % 1_000_000:06d}"


def _token(api_client, username, **extra):
    return api_client.post(
        "/api/auth/token/", {"username": username, "password": PASSWORD, **extra}, format="json"
    )


def _use(api_client, key):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api_client


# --- Admin -----------------------------------------------------------------------------


def test_admin_asks_staff_for_the_code_and_opens_after_it(world, client):
    device = _device(world.staff_a)
    client.force_login(world.staff_a, otp=False)
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("admin:otp_verify"))
    client.post(reverse("admin:otp_verify"), {"token": _code(device)})
    assert client.get("/admin/").status_code == 200


def test_admin_password_login_alone_gives_no_admin_page(world, client):
    _device(world.staff_a)
    login = client.post(reverse("admin:login"), {"username": "staff_a", "password": PASSWORD})
    assert login.status_code == 302 and "_auth_user_id" in client.session  # the password worked
    response = client.get(reverse("admin:hive_community_changelist"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:otp_verify"))


# --- Portal ----------------------------------------------------------------------------


def test_staff_portal_login_goes_through_the_code_before_any_page(world, client):
    device = _device(world.staff_a)
    response = client.post(
        reverse("portal:login"), {"username": "staff_a", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0].startswith(PORTAL_VERIFY)
    assert "hive-otp-qr" not in response.content.decode()
    for path in ("/portal/", "/portal/notifications/", "/portal/grids/"):
        refused = client.get(path)
        assert refused.status_code == 302 and refused.url.startswith(PORTAL_VERIFY), path

    wrong = client.post(PORTAL_VERIFY, {"token": _wrong(device)})
    assert wrong.status_code == 200
    assert client.get("/portal/").status_code == 302
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=0, throttling_failure_timestamp=None
    )
    done = client.post(PORTAL_VERIFY, {"token": _code(device), "next": "/portal/"})
    assert done.status_code == 302 and done.url == "/portal/"
    assert client.get("/portal/").status_code == 200


def test_staff_without_a_device_set_one_up_in_the_portal(world, client):
    client.force_login(world.staff_a, otp=False)
    response = client.get("/portal/", follow=True)
    assert response.redirect_chain[-1][0].startswith(PORTAL_SETUP)
    body = response.content.decode()
    assert "hive-otp-qr" in body and "<svg" in body
    device = TOTPDevice.objects.get(user=world.staff_a, confirmed=False)
    client.post(PORTAL_SETUP, {"token": _code(device)})
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/portal/").status_code == 200


@pytest.mark.parametrize("code", ["", "12ab56", "１２３４５６", "1234567"])
def test_portal_code_form_rejects_bad_input_with_a_message(world, client, code):
    _device(world.staff_a)
    client.force_login(world.staff_a, otp=False)
    response = client.post(PORTAL_VERIFY, {"token": code})
    assert response.status_code == 200
    assert response.context["form"].errors["token"]


def test_unit_reps_and_grid_members_log_in_with_a_password_alone(world, client):
    for username in ("unit_a", "grid_a"):
        client.logout()
        response = client.post(
            reverse("portal:login"), {"username": username, "password": PASSWORD}
        )
        assert response.status_code == 302
        assert client.get("/portal/").status_code == 200
    assert not TOTPDevice.objects.exists()


def test_the_setting_off_lets_staff_in_with_a_password(world, client, settings):
    settings.HIVE_ADMIN_OTP_REQUIRED = False
    client.force_login(world.staff_a, otp=False)
    assert client.get("/portal/").status_code == 200
    assert client.get("/api/communities/").status_code == 200


# --- API with the session --------------------------------------------------------------


def test_session_api_calls_of_unverified_staff_are_refused(world, client):
    client.force_login(world.staff_a, otp=False)
    response = client.get("/api/communities/")
    assert response.status_code == 403
    assert "second factor" in response.json()["detail"].lower()
    client.force_login(world.staff_a)  # verified
    assert client.get("/api/communities/").status_code == 200


def test_session_api_of_a_grid_member_needs_no_code(world, client):
    client.force_login(world.grid_a, otp=False)
    assert client.get("/api/users/me/").status_code == 200


# --- API token endpoint ----------------------------------------------------------------


def test_staff_token_needs_the_current_code(world, api_client):
    device = _device(world.staff_a)
    missing = _token(api_client, "staff_a")
    assert missing.status_code == 400
    assert missing.json()["code"]

    wrong = _token(api_client, "staff_a", code=_wrong(device))
    assert wrong.status_code == 400
    assert wrong.json()["code"]
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=0, throttling_failure_timestamp=None
    )

    issued = _token(api_client, "staff_a", code=_code(device))
    assert issued.status_code == 200
    _use(api_client, issued.json()["token"])
    assert api_client.get("/api/communities/").status_code == 200


@pytest.mark.parametrize("code", ["abcdef", "12 456", "١٢٣٤٥٦", "0", 123456, None])
def test_a_malformed_code_is_a_400_never_a_500(world, api_client, code):
    _device(world.staff_a)
    response = _token(api_client, "staff_a", code=code)
    assert response.status_code == 400
    assert response.json()["code"]


def test_staff_without_a_device_are_told_where_to_set_one_up(world, api_client):
    response = _token(api_client, "staff_a", code="123456")
    assert response.status_code == 400
    message = " ".join(response.json()["code"])
    assert "/portal/second-factor/setup/" in message


def test_a_grid_member_gets_a_token_with_the_password_alone(world, api_client):
    response = _token(api_client, "grid_a")
    assert response.status_code == 200
    _use(api_client, response.json()["token"])
    assert api_client.get("/api/users/me/").json()["username"] == "grid_a"


def test_a_token_issued_without_a_code_gives_no_staff_power(world, api_client):
    # Issued while its owner was a grid member; then they become community staff.
    issued = _token(api_client, "grid_a")
    assert issued.status_code == 200
    role_assign(user=world.grid_a, role=Role.COMMUNITY_STAFF, community=world.a)
    response = _use(api_client, issued.json()["token"]).get("/api/communities/")
    assert response.status_code == 401
    assert "second factor" in response.json()["detail"].lower()


# --- Reveals ---------------------------------------------------------------------------


def test_api_reveal_works_for_verified_staff_only(world, api_client, client, resident):
    url = f"/api/residents/{resident.pk}/reveal/"
    client.force_login(world.staff_a, otp=False)
    refused = client.post(url, {"fields": ["phone"]}, content_type="application/json")
    assert refused.status_code == 403
    assert not PersonalDataAccess.objects.exists()

    device = _device(world.staff_a)
    key = _token(api_client, "staff_a", code=_code(device)).json()["token"]
    response = _use(api_client, key).post(url, {"fields": ["phone", "id_number"]}, format="json")
    assert response.status_code == 200
    assert response.json()["phone"] == "13912345678"
    assert PersonalDataAccess.objects.count() == 1


def test_admin_reveal_needs_the_code(world, client, resident):
    client.force_login(world.staff_a, otp=False)
    response = client.post(reverse("admin:grids_resident_reveal", args=[resident.pk]))
    assert response.status_code == 302
    assert not PersonalDataAccess.objects.exists()


def test_api_reveals_beyond_the_limit_are_a_429(world, api_client, resident, settings):
    settings.HIVE_REVEAL_LIMIT = 3
    api_client.force_login(world.staff_a)
    url = f"/api/residents/{resident.pk}/reveal/"
    for _ in range(3):
        assert api_client.post(url, {"fields": ["phone"]}, format="json").status_code == 200
    response = api_client.post(url, {"fields": ["phone"]}, format="json")
    assert response.status_code == 429
    assert response.json()["detail"]
    assert PersonalDataAccess.objects.count() == 3


def test_admin_reveals_beyond_the_limit_give_a_message(world, client, resident, settings):
    settings.HIVE_REVEAL_LIMIT = 1
    client.force_login(world.staff_a)
    url = reverse("admin:grids_resident_reveal", args=[resident.pk])
    change = reverse("admin:grids_resident_change", args=[resident.pk])
    assert client.post(url).status_code == 302
    response = client.post(url, HTTP_REFERER=f"http://testserver{change}", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0].endswith(change)
    shown = [str(message) for message in response.context["messages"]]
    assert any("reveal" in message.lower() for message in shown), shown
    assert PersonalDataAccess.objects.count() == 1


def test_portal_reveals_beyond_the_limit_give_a_message(world, client, resident, settings):
    settings.HIVE_REVEAL_LIMIT = 1
    client.force_login(world.grid_a)
    url = reverse("grids:resident_reveal", args=[resident.pk])
    assert client.post(url).status_code == 302
    response = client.post(url, follow=True)
    assert response.status_code == 200
    shown = [str(message) for message in response.context["messages"]]
    assert any("reveal" in message.lower() for message in shown), shown
    assert PersonalDataAccess.objects.count() == 1


def test_unusual_volume_tells_the_street_admins_once(
    world, api_client, resident, settings, monkeypatch
):
    # The alert's window is a clock bucket: the requests must not straddle its edge.
    import datetime

    from django.utils import timezone

    mid_hour = timezone.now().replace(minute=30, second=0, microsecond=0)
    ticks = iter(mid_hour + datetime.timedelta(seconds=n) for n in range(10_000))
    monkeypatch.setattr(timezone, "now", lambda: next(ticks))
    settings.HIVE_REVEAL_LIMIT = 10
    settings.HIVE_REVEAL_ALERT_AT = 3
    api_client.force_login(world.staff_a)
    url = f"/api/residents/{resident.pk}/reveal/"
    for _ in range(6):
        assert api_client.post(url, {"fields": ["phone"]}, format="json").status_code == 200
    alerts = Notification.objects.filter(recipient=world.street_admin)
    assert alerts.count() == 1
    assert "staff_a" in alerts.get().body or str(world.staff_a) in alerts.get().title
    # Nobody outside the street hears of it.
    assert not Notification.objects.exclude(recipient=world.street_admin).exists()
