"""A portal role held in another community, or a person who also acts elsewhere, must
never widen what community staff administer."""

import pytest
from django.urls import reverse

from hive.access.roles import Role
from hive.models import Community, RoleAssignment
from hive.services import role_assign
from tests.hive.test_admin import _add_user_payload

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_a_also_party_in_b(world):
    role_assign(user=world.staff_a, role=Role.PARTY_MEMBER, community=world.b)
    return world.staff_a


def test_portal_role_elsewhere_does_not_open_that_community_in_the_admin(
    world, client, staff_a_also_party_in_b
):
    client.force_login(world.staff_a)
    listed = client.get(reverse("admin:hive_community_changelist")).context["cl"].result_list
    assert {c.code for c in listed} == {"a"}
    response = client.post(
        reverse("admin:hive_community_change", args=[world.b.pk]),
        {"name": "pwned", "address": "", "phone": ""},
    )
    assert response.status_code == 302
    assert Community.objects.get(pk=world.b.pk).name == "新泽苑社区"


def test_staff_cannot_give_themselves_a_staff_role_elsewhere(
    world, client, staff_a_also_party_in_b
):
    client.force_login(world.staff_a)
    response = client.get(reverse("admin:hive_user_add"))
    choices = response.context["inline_admin_formsets"][0].formset.form.base_fields["community"]
    assert list(choices.queryset) == [world.a]
    # The user's own page no longer lists them: they act outside what they administer.
    response = client.get(reverse("admin:hive_user_change", args=[world.staff_a.pk]))
    assert response.status_code == 302
    assert not RoleAssignment.objects.filter(
        user=world.staff_a, role=Role.COMMUNITY_STAFF, community=world.b
    ).exists()


def test_staff_cannot_reset_the_password_of_someone_who_also_acts_elsewhere(world, client):
    role_assign(user=world.staff_b, role=Role.PARTY_MEMBER, community=world.a)
    client.force_login(world.staff_a)
    url = reverse("admin:auth_user_password_change", args=[world.staff_b.pk])
    response = client.post(url, {"password1": "Taken-over-123", "password2": "Taken-over-123"})
    assert response.status_code in (302, 404)
    world.staff_b.refresh_from_db()
    assert not world.staff_b.check_password("Taken-over-123")
    assert world.staff_b.username not in {
        u.username
        for u in client.get(reverse("admin:hive_user_changelist")).context["cl"].result_list
    }


def test_street_admin_cannot_touch_a_superuser_with_a_community_role(world, client):
    role_assign(user=world.superuser, role=Role.PARTY_MEMBER, community=world.a)
    client.force_login(world.street_admin)
    client.post(
        f"/admin/hive/user/{world.superuser.pk}/password/",
        {"password1": "Taken-over-123", "password2": "Taken-over-123"},
    )
    world.superuser.refresh_from_db()
    assert not world.superuser.check_password("Taken-over-123")


def test_street_admin_cannot_appoint_street_admins(world, client):
    client.force_login(world.street_admin)
    form = client.get(reverse("admin:hive_user_add")).context["inline_admin_formsets"][0]
    fields = form.formset.form.base_fields
    assert "street" not in fields
    assert Role.STREET_ADMIN not in [value for value, _label in fields["role"].choices]


def test_the_same_role_twice_is_a_form_error_not_a_crash(world, client):
    client.force_login(world.staff_a)
    payload = _add_user_payload(world.a.pk)
    payload.update(
        {
            "role_assignments-TOTAL_FORMS": "2",
            "role_assignments-1-role": Role.GRID_MEMBER,
            "role_assignments-1-community": world.a.pk,
        }
    )
    response = client.post(reverse("admin:hive_user_add"), payload)
    assert response.status_code == 200
    errors = response.context["inline_admin_formsets"][0].formset.non_form_errors()
    assert errors
    assert not RoleAssignment.objects.filter(user__username="new_grid").exists()


def test_a_phone_number_already_taken_is_a_field_error(world, client):
    world.grid_a.phone = "13912345678"
    world.grid_a.save()
    client.force_login(world.staff_a)
    response = client.post(reverse("admin:hive_user_add"), _add_user_payload(world.a.pk))
    assert response.status_code == 200
    assert "phone" in response.context["adminform"].form.errors
