import re

import pytest
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_landing_page_is_public_and_chinese_even_for_an_english_browser(world, client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'lang="zh-hans"' in html
    assert "蜂巢" in html and "虎尾沟社区" in html


def test_language_switch_to_english_and_back(world, client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert 'lang="en"' in html and "Log in to the portal" in html
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert 'lang="zh-hans"' in client.get("/").content.decode()


def test_portal_requires_login(client):
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("portal:login"))


def test_login_with_good_credentials_opens_the_home_page(world, client):
    response = client.post(
        reverse("portal:login"), {"username": "grid_a", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("portal:home")
    html = response.content.decode()
    assert "网格员" in html
    assert "虎尾沟社区" in html


def test_login_with_a_wrong_password_shows_an_error_in_chinese(world, client):
    response = client.post(reverse("portal:login"), {"username": "grid_a", "password": "nope"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert "用户名" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_with_empty_fields_shows_field_errors(client):
    response = client.post(reverse("portal:login"), {"username": "", "password": ""})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"username", "password"}


def test_staff_home_links_to_the_admin_and_portal_roles_do_not(world, client):
    client.force_login(world.staff_a)
    assert reverse("admin:index") in client.get(reverse("portal:home")).content.decode()
    client.force_login(world.grid_a)
    assert reverse("admin:index") not in client.get(reverse("portal:home")).content.decode()


def test_user_without_a_role_is_told_so(client, django_user_model):
    user = django_user_model.objects.create_user(username="lonely", password=PASSWORD)
    client.force_login(user)
    assert "尚未分配角色" in client.get(reverse("portal:home")).content.decode()


def test_logout_is_a_post_and_ends_the_session(world, client):
    client.force_login(world.grid_a)
    response = client.post(reverse("portal:logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_password_change(world, client):
    client.force_login(world.grid_a)
    url = reverse("portal:password_change")
    bad = client.post(url, {"old_password": "wrong", "new_password1": "x", "new_password2": "y"})
    assert bad.status_code == 200
    assert {"old_password", "new_password2"} <= set(bad.context["form"].errors)
    good = client.post(
        url,
        {
            "old_password": PASSWORD,
            "new_password1": "Honeycomb-2026-grid",
            "new_password2": "Honeycomb-2026-grid",
        },
    )
    assert good.status_code == 302
    world.grid_a.refresh_from_db()
    assert world.grid_a.check_password("Honeycomb-2026-grid")


def test_pages_load_no_asset_from_outside_the_deployment(world, client):
    client.force_login(world.staff_a)
    for url in ["/", reverse("portal:login"), reverse("portal:home"), "/api/docs/", "/admin/"]:
        html = client.get(url).content.decode()
        external = re.findall(r'(?:src|href)=["\'](?:https?:)?//[^"\']+', html)
        assert external == [], (url, external)


def test_pages_are_responsive(client):
    html = client.get(reverse("portal:login")).content.decode()
    assert 'name="viewport"' in html
    assert "bootstrap.min.css" in html


def test_bootstrap_forms_validate_after_a_subclass_narrows_its_choices(world):
    """Regression: the styling mixin once validated inside __init__, before subclasses
    limited a field's queryset, so an out-of-scope choice passed."""
    from django import forms

    from hive.models import Community
    from hive.ui.forms import BootstrapFormMixin

    class PickCommunity(BootstrapFormMixin, forms.Form):
        community = forms.ModelChoiceField(queryset=Community.objects.all())

        def __init__(self, *args, allowed=None, **kwargs):
            super().__init__(*args, **kwargs)
            self.fields["community"].queryset = allowed

    form = PickCommunity({"community": world.b.pk}, allowed=Community.objects.filter(pk=world.a.pk))
    assert not form.is_valid()
    assert "is-invalid" in form.fields["community"].widget.attrs["class"]
