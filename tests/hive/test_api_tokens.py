"""Issue 23 item 2: API tokens have a lifetime, can be rotated, end with a password change,
deactivation or a lost role, are stored hashed, and people list and revoke them (their own
in the portal; their people's in the admin, scoped as the rest of the admin)."""

import datetime

import pytest
from django.apps import apps
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from hive.models import RoleAssignment
from hive.services import role_revoke
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    # The messages are checked in English, whatever the locale files hold.
    settings.LANGUAGE_CODE = "en"


def _obtain(username, **extra) -> str:
    response = APIClient().post(
        "/api/auth/token/", {"username": username, "password": PASSWORD, **extra}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


def _client(key) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _works(key) -> int:
    return _client(key).get("/api/users/me/").status_code


def _code(user) -> str:
    device, _created = TOTPDevice.objects.get_or_create(
        user=user, name="phone", defaults={"confirmed": True}
    )
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def test_a_token_ends_after_its_lifetime(world, settings, monkeypatch):
    settings.HIVE_API_TOKEN_DAYS = 2
    key = _obtain("grid_a")
    assert _works(key) == 200
    later = timezone.now() + datetime.timedelta(days=2, minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    response = _client(key).get("/api/users/me/")
    assert response.status_code == 401
    assert "expired" in response.json()["detail"].lower()


def test_the_token_endpoint_says_when_the_token_ends(world, settings):
    settings.HIVE_API_TOKEN_DAYS = 7
    response = APIClient().post(
        "/api/auth/token/", {"username": "grid_a", "password": PASSWORD}, format="json"
    )
    expires = datetime.datetime.fromisoformat(response.json()["expires_at"])
    assert abs(expires - (timezone.now() + datetime.timedelta(days=7))).total_seconds() < 60


def test_a_password_change_ends_every_token(world):
    first, second = _obtain("grid_a"), _obtain("grid_a")
    world.grid_a.set_password("another-pass-9317")
    world.grid_a.save()
    assert _works(first) == 401 and _works(second) == 401


def test_changing_the_password_in_the_portal_ends_tokens(world, client):
    key = _obtain("grid_a")
    client.force_login(world.grid_a)
    response = client.post(
        reverse("portal:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "another-pass-9317",
            "new_password2": "another-pass-9317",
        },
    )
    assert response.status_code == 302
    assert _works(key) == 401


def test_deactivation_ends_tokens_for_good(world):
    key = _obtain("grid_a")
    world.grid_a.is_active = False
    world.grid_a.save()
    world.grid_a.is_active = True
    world.grid_a.save()
    assert _works(key) == 401


def test_losing_a_role_ends_tokens(world):
    key = _obtain("grid_a")
    role_revoke(assignment=RoleAssignment.objects.get(user=world.grid_a))
    assert _works(key) == 401


def test_rotation_gives_a_fresh_token_and_ends_the_old_one(world):
    old = _obtain("grid_a")
    response = _client(old).post("/api/auth/token/rotate/", format="json")
    assert response.status_code == 200
    new = response.json()["token"]
    assert new != old and response.json()["expires_at"]
    assert _works(new) == 200
    assert _works(old) == 401
    # A rotated-away token cannot rotate either.
    assert _client(old).post("/api/auth/token/rotate/", format="json").status_code == 401


def test_rotating_a_staff_token_needs_the_code(world):
    old = _obtain("staff_a", code=_code(world.staff_a))
    TOTPDevice.objects.update(last_t=-1)  # the same code may be used again in this test
    refused = _client(old).post("/api/auth/token/rotate/", format="json")
    assert refused.status_code == 400 and refused.json()["code"]
    response = _client(old).post(
        "/api/auth/token/rotate/", {"code": _code(world.staff_a)}, format="json"
    )
    assert response.status_code == 200
    assert _client(response.json()["token"]).get("/api/communities/").status_code == 200


def test_a_session_cannot_rotate_a_token(world, client):
    client.force_login(world.grid_a)
    assert client.post("/api/auth/token/rotate/").status_code in (401, 403)


@pytest.mark.parametrize(
    "header",
    ["Token", "Token not-a-token", "Token a b", "Token " + "x" * 5000, "Token \u0000abc"],
)
def test_bad_tokens_are_a_401(world, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert client.get("/api/users/me/").status_code == 401


def test_tokens_are_stored_hashed(world):
    key = _obtain("grid_a")
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.CharField | models.TextField) and not field.is_relation:
                assert not model._default_manager.filter(**{field.name: key}).exists(), (
                    f"{model._meta.label}.{field.name} holds the token in clear"
                )


# --- Portal: one's own tokens ----------------------------------------------------------


def test_people_list_and_revoke_their_own_tokens_in_the_portal(world, client):
    mine = _obtain("grid_a", name="my laptop")
    theirs = _obtain("party_a", name="their phone")
    client.force_login(world.grid_a)
    page = client.get(reverse("portal:api_tokens"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "my laptop" in body and "their phone" not in body
    assert mine not in body  # the key is never shown again
    [row] = page.context["tokens"]
    other = page.context["tokens"].model.objects.get(user=world.party_a)
    assert client.post(reverse("portal:api_token_revoke", args=[other.pk])).status_code == 404
    assert _works(theirs) == 200
    response = client.post(reverse("portal:api_token_revoke", args=[row.pk]))
    assert response.status_code == 302
    assert _works(mine) == 401


# --- Admin: scoped -----------------------------------------------------------------------


def test_admin_lists_and_revokes_tokens_within_scope(world, client):
    in_a = _obtain("grid_a", name="grid a")
    in_c = _obtain("staff_c", code=_code(world.staff_c), name="staff c")
    changelist = reverse("admin:hive_apitoken_changelist")

    client.force_login(world.street_admin)
    shown = {t.name for t in client.get(changelist).context["cl"].result_list}
    assert shown == {"grid a"}

    client.force_login(world.staff_a)
    rows = list(client.get(changelist).context["cl"].result_list)
    assert [t.name for t in rows] == ["grid a"]
    response = client.post(
        changelist,
        {"action": "delete_selected", "_selected_action": [rows[0].pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert _works(in_a) == 401

    other = type(rows[0]).objects.get(name="staff c")
    assert client.post(reverse("admin:hive_apitoken_delete", args=[other.pk]), {"post": "yes"})
    assert _client(in_c).get("/api/communities/").status_code == 200


def test_resetting_the_second_factor_ends_the_staff_tokens(world):
    from hive.services import second_factor_reset

    key = _obtain("staff_a", code=_code(world.staff_a))
    assert _client(key).get("/api/communities/").status_code == 200
    second_factor_reset(users=[world.staff_a])
    assert _client(key).get("/api/communities/").status_code == 401


def test_a_staff_token_from_before_the_rule_gives_no_access(world, settings):
    settings.HIVE_ADMIN_OTP_REQUIRED = False
    key = _obtain("staff_a")  # no code asked
    assert _client(key).get("/api/communities/").status_code == 200
    settings.HIVE_ADMIN_OTP_REQUIRED = True
    assert _client(key).get("/api/communities/").status_code == 401


def test_old_drf_tokens_move_over_hashed_and_leave_no_key_behind(world):
    """The data migration, on a database that still has DRF's authtoken table."""
    import importlib
    from types import SimpleNamespace

    from django.apps import apps as django_apps
    from django.db import connection

    from hive.models import ApiToken

    migration = importlib.import_module("hive.migrations.0010_move_drf_tokens_to_api_tokens")
    old_key = "0123456789abcdef0123456789abcdef01234567"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, user_id integer)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token (key, user_id) VALUES (%s, %s), (%s, %s)",
            [old_key, world.grid_a.pk, "f" * 40, world.staff_a.pk],
        )
    migration.move_tokens(django_apps, SimpleNamespace(connection=connection))
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM authtoken_token")
        assert cursor.fetchone()[0] == 0
    assert ApiToken.objects.count() == 2
    assert _works(old_key) == 200  # a grid member's token goes on working
    # A staff member's was issued without the code: they ask again, with it.
    assert _client("f" * 40).get("/api/communities/").status_code == 401
