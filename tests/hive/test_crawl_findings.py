"""5xx the hostile-input crawl (tests/audit/test_hostile_input.py) found beyond issue 23's
list, each as a regression test of its own."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("next_url", ["9999", "0001-01-01", "home"])
def test_the_language_switch_goes_back_to_a_path_never_to_a_view_name(client, next_url):
    """redirect() took a `next` without "/" or "." for a URL name: NoReverseMatch, a 500."""
    response = client.get("/language/", {"language": "en", "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == next_url


@pytest.mark.parametrize("url", ["/portal/login/", "/api/auth/token/"])
def test_a_username_longer_than_any_account_is_a_failed_login(client, world, url):
    """django-axes stored the name whole in a 255-character column: on PostgreSQL the
    insert failed (a 500) instead of counting a failed login."""
    from axes.models import AccessAttempt

    response = client.post(url, {"username": "长" * 3000, "password": "x"})
    assert response.status_code in (200, 400)
    assert AccessAttempt.objects.get().username == "长" * 255


@pytest.mark.parametrize("value", ["2026-01-01T00:00:00+23:00", "abc"])
def test_an_admin_autocomplete_field_re_shows_a_value_that_is_no_id(client, world, value):
    """Django's autocomplete widget looked the refused value up as it was (id__in=[…]):
    a ValueError, a 500, instead of the form shown again with its error."""
    from django.urls import reverse

    client.force_login(world.superuser)
    response = client.post(reverse("admin:volunteers_partymember_add"), {"user": value})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["user"]


@pytest.mark.parametrize("name", ["portal:second_factor", "portal:second_factor_setup"])
def test_the_second_factor_pages_go_back_to_a_path_never_to_a_view_name(client, world, name):
    """Someone who needs no second factor is sent on to `next`: redirect() took one
    without "/" or "." for a URL name (NoReverseMatch, a 500)."""
    from django.urls import reverse

    client.force_login(world.grid_a)
    response = client.get(reverse(name), {"next": "9999"})
    assert response.status_code == 302
    assert response["Location"] == "9999"
