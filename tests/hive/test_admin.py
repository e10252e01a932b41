import pytest
from django.urls import reverse

from hive.access.roles import Role
from hive.models import RoleAssignment, User

pytestmark = pytest.mark.django_db


def _add_user_payload(community_id, role=Role.GRID_MEMBER, username="new_grid", **extra):
    data = {
        "username": username,
        "name": "新网格员",
        "phone": "13912345678",
        "password1": "Gr1d-member-pass",
        "password2": "Gr1d-member-pass",
        "role_assignments-TOTAL_FORMS": "1",
        "role_assignments-INITIAL_FORMS": "0",
        "role_assignments-MIN_NUM_FORMS": "0",
        "role_assignments-MAX_NUM_FORMS": "1000",
        "role_assignments-0-role": role,
        "role_assignments-0-community": community_id or "",
        "role_assignments-0-street": "",
        "_save": "1",
    }
    data.update(extra)
    return data


def test_staff_creates_a_grid_member_in_their_community(world, client):
    client.force_login(world.staff_a)
    response = client.post(reverse("admin:hive_user_add"), _add_user_payload(world.a.pk))
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(username="new_grid")
    assert user.check_password("Gr1d-member-pass")
    assert list(user.role_assignments.values_list("role", "community")) == [
        (Role.GRID_MEMBER, world.a.pk)
    ]
    assert not user.is_staff


def test_staff_role_given_in_the_admin_opens_the_admin(world, client):
    client.force_login(world.staff_a)
    client.post(
        reverse("admin:hive_user_add"),
        _add_user_payload(world.a.pk, role=Role.COMMUNITY_STAFF, username="new_staff"),
    )
    assert User.objects.get(username="new_staff").is_staff


def test_staff_cannot_assign_a_role_in_another_community(world, client):
    client.force_login(world.staff_a)
    response = client.post(reverse("admin:hive_user_add"), _add_user_payload(world.b.pk))
    assert response.status_code == 200
    assert not User.objects.filter(username="new_grid").exists()
    assert "community" in response.context["inline_admin_formsets"][0].formset.errors[0]


def test_staff_cannot_make_anyone_street_admin(world, client):
    client.force_login(world.staff_a)
    payload = _add_user_payload(None, role=Role.STREET_ADMIN)
    payload["role_assignments-0-street"] = world.street.pk
    response = client.post(reverse("admin:hive_user_add"), payload)
    assert response.status_code == 200
    assert not User.objects.filter(username="new_grid").exists()
    assert (
        not RoleAssignment.objects.filter(role=Role.STREET_ADMIN)
        .exclude(user=world.street_admin)
        .exists()
    )


def test_staff_cannot_create_a_user_without_a_role(world, client):
    client.force_login(world.staff_a)
    payload = _add_user_payload(world.a.pk)
    payload["role_assignments-0-role"] = ""
    payload["role_assignments-0-community"] = ""
    response = client.post(reverse("admin:hive_user_add"), payload)
    assert response.status_code == 200
    assert not User.objects.filter(username="new_grid").exists()


def test_bad_phone_is_a_field_error_and_stores_nothing(world, client):
    client.force_login(world.staff_a)
    response = client.post(
        reverse("admin:hive_user_add"), _add_user_payload(world.a.pk, phone="12345")
    )
    assert response.status_code == 200
    assert "phone" in response.context["adminform"].form.errors
    assert not User.objects.filter(username="new_grid").exists()


def test_user_phone_is_masked_on_the_change_form_with_a_logged_reveal(world, client):
    from hive.models import PersonalDataAccess

    User.objects.filter(pk=world.grid_a.pk).update(phone="13512345678")
    client.force_login(world.staff_a)
    url = reverse("admin:hive_user_change", args=[world.grid_a.pk])
    page = client.get(url).content.decode()
    assert "135****5678" in page and "13512345678" not in page
    client.post(reverse("admin:hive_user_reveal", args=[world.grid_a.pk]))
    assert PersonalDataAccess.objects.get().fields == "phone"
    assert "13512345678" in client.get(url).content.decode()


def test_staff_form_hides_superuser_and_permission_fields(world, client):
    client.force_login(world.staff_a)
    response = client.get(reverse("admin:hive_user_change", args=[world.grid_a.pk]))
    fields = response.context["adminform"].form.fields
    assert "is_active" in fields
    assert "is_superuser" not in fields
    assert "user_permissions" not in fields
    assert "groups" not in fields


def test_staff_cannot_grant_superuser_by_posting_the_field(world, client):
    client.force_login(world.staff_a)
    url = reverse("admin:hive_user_change", args=[world.grid_a.pk])
    role = world.grid_a.role_assignments.get()
    response = client.post(
        url,
        {
            "username": "grid_a",
            "name": "网格员",
            "phone": "",
            "email": "",
            "is_active": "on",
            "is_superuser": "on",
            "role_assignments-TOTAL_FORMS": "1",
            "role_assignments-INITIAL_FORMS": "1",
            "role_assignments-MIN_NUM_FORMS": "0",
            "role_assignments-MAX_NUM_FORMS": "1000",
            "role_assignments-0-id": role.pk,
            "role_assignments-0-user": world.grid_a.pk,
            "role_assignments-0-role": Role.GRID_MEMBER,
            "role_assignments-0-community": world.a.pk,
            "_save": "1",
        },
    )
    # The save went through (the form was valid), and the field was simply not there.
    assert response.status_code == 302
    world.grid_a.refresh_from_db()
    assert world.grid_a.name == "网格员"
    assert not world.grid_a.is_superuser


def test_removing_the_last_staff_role_closes_the_admin(world, client):
    from hive.services import role_assign, role_revoke

    extra = role_assign(user=world.grid_a, role=Role.COMMUNITY_STAFF, community=world.a)
    world.grid_a.refresh_from_db()
    assert world.grid_a.is_staff
    role_revoke(assignment=extra)
    world.grid_a.refresh_from_db()
    assert not world.grid_a.is_staff


def test_admin_index_is_in_chinese_with_the_product_name(world, client):
    client.force_login(world.staff_a)
    html = client.get(reverse("admin:index")).content.decode()
    assert "蜂巢" in html
    assert "社区" in html
    assert 'lang="zh-hans"' in html


def test_staff_role_inline_offers_no_street_and_no_related_object_buttons(world, client):
    client.force_login(world.staff_a)
    response = client.get(reverse("admin:hive_user_add"))
    form = response.context["inline_admin_formsets"][0].formset.form
    assert "street" not in form.base_fields
    widget = form.base_fields["community"].widget
    assert not (widget.can_add_related or widget.can_change_related or widget.can_view_related)
    assert [c for c, _ in form.base_fields["role"].choices if c] == [
        Role.COMMUNITY_STAFF,
        Role.UNIT_REP,
        Role.GRID_MEMBER,
        Role.MEDIATOR,
        Role.PARTY_MEMBER,
    ]
    assert "至少分配一个角色" in response.content.decode()
