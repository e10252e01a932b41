"""A unit representative sees and edits only their own unit's rows, in the portal and
the API; community staff only their community's; other portal roles none of it."""

import pytest
from django.urls import reverse

from hive.access.roles import Role
from hive.models import PersonalDataAccess
from hive.services import role_assign
from partycommittee.models import ResidentUnit, ResourceItem, Responsibility

pytestmark = pytest.mark.django_db

# who -> (units, resources, responsibilities, projects) visible, by name/title
MATRIX = {
    "street_admin": (
        {"矿区法院", "西城派出所", "工商银行支行"},
        {"法院会议室", "派出所活动室", "银行培训室"},
        {"普法讲座", "治安巡逻", "金融知识进社区"},
        {"老旧小区改造", "平安社区", "金融服务站"},
    ),
    "staff_a": (
        {"矿区法院", "西城派出所"},
        {"法院会议室", "派出所活动室"},
        {"普法讲座", "治安巡逻"},
        {"老旧小区改造", "平安社区"},
    ),
    "staff_b": ({"工商银行支行"}, {"银行培训室"}, {"金融知识进社区"}, {"金融服务站"}),
    "unit_rep_a": ({"矿区法院"}, {"法院会议室"}, {"普法讲座"}, {"老旧小区改造"}),
    "grid_a": (set(), set(), set(), set()),
    "party_a": (set(), set(), set(), set()),
    "staff_c": (set(), set(), set(), set()),
}
ENDPOINTS = [
    ("/api/units/", "name"),
    ("/api/resources/", "title"),
    ("/api/responsibilities/", "task"),
    ("/api/projects/", "title"),
]


@pytest.mark.parametrize("key", MATRIX)
@pytest.mark.parametrize("index", range(4))
def test_api_lists_follow_the_matrix(world, colony, api_client, key, index):
    url, label = ENDPOINTS[index]
    api_client.force_authenticate(world.user(key))
    response = api_client.get(url)
    assert response.status_code == 200
    assert {row[label] for row in response.json()["results"]} == MATRIX[key][index]


def test_unit_rep_edits_own_unit_profile_but_not_its_name(world, colony, api_client):
    api_client.force_authenticate(world.unit_rep_a)
    response = api_client.patch(
        f"/api/units/{colony.unit_a1.pk}/",
        {"address": "矿区法院新址", "name": "改名", "party_member_count": 30},
        format="json",
    )
    assert response.status_code == 200
    colony.unit_a1.refresh_from_db()
    assert colony.unit_a1.address == "矿区法院新址"
    assert colony.unit_a1.party_member_count == 30
    assert colony.unit_a1.name == "矿区法院"


@pytest.mark.parametrize("role_in_b", [Role.PARTY_MEMBER, Role.UNIT_REP, Role.GRID_MEMBER])
def test_unit_rep_cannot_move_their_unit_to_another_community(world, colony, api_client, role_in_b):
    # Issue 18: a representative who also holds a portal role in community B could
    # PATCH their unit's community to B (read_only_fields is ignored for a declared field).
    role_assign(user=world.unit_rep_a, role=role_in_b, community=world.b)
    api_client.force_authenticate(world.unit_rep_a)
    response = api_client.patch(
        f"/api/units/{colony.unit_a1.pk}/", {"community": world.b.pk}, format="json"
    )
    assert response.status_code in {200, 400}
    assert ResidentUnit.objects.get(pk=colony.unit_a1.pk).community_id == world.a.pk


def test_staff_holding_a_portal_role_elsewhere_cannot_move_a_unit_there(world, colony, api_client):
    # Staff of A edit A's units with every field, but only into a community they
    # administer: a unit representative's role in B opens nothing there.
    role_assign(user=world.staff_a, role=Role.UNIT_REP, community=world.b)
    api_client.force_authenticate(world.staff_a)
    response = api_client.patch(
        f"/api/units/{colony.unit_a2.pk}/", {"community": world.b.pk}, format="json"
    )
    assert response.status_code == 400 and "community" in response.json()
    assert ResidentUnit.objects.get(pk=colony.unit_a2.pk).community_id == world.a.pk


def test_street_admin_moves_a_unit_between_communities_of_their_street(world, colony, api_client):
    api_client.force_authenticate(world.street_admin)
    response = api_client.patch(
        f"/api/units/{colony.unit_a2.pk}/", {"community": world.b.pk}, format="json"
    )
    assert response.status_code == 200
    assert ResidentUnit.objects.get(pk=colony.unit_a2.pk).community_id == world.b.pk


def test_a_responsibility_status_moves_only_through_the_report(world, colony, api_client):
    api_client.force_authenticate(world.staff_a)
    response = api_client.patch(
        f"/api/responsibilities/{colony.duty_a1.pk}/", {"status": "done"}, format="json"
    )
    assert response.status_code == 200
    assert Responsibility.objects.get(pk=colony.duty_a1.pk).status == "pending"
    created = api_client.post(
        "/api/responsibilities/",
        {"unit": colony.unit_a1.pk, "task": "新任务", "deadline": "2099-01-01", "status": "done"},
        format="json",
    )
    assert created.status_code == 201
    assert Responsibility.objects.get(pk=created.json()["id"]).status == "pending"


def test_unit_rep_cannot_reach_another_unit(world, colony, api_client):
    api_client.force_authenticate(world.unit_rep_a)
    other = colony.unit_a2
    assert api_client.get(f"/api/units/{other.pk}/").status_code == 404
    assert (
        api_client.patch(f"/api/units/{other.pk}/", {"address": "x"}, format="json").status_code
        == 404
    )
    assert api_client.delete(f"/api/units/{colony.unit_a1.pk}/").status_code == 403
    assert (
        api_client.post(
            f"/api/responsibilities/{colony.duty_a2.pk}/report/", {"status": "done"}, format="json"
        ).status_code
        == 404
    )


def test_unit_rep_offers_a_resource_only_for_their_unit(world, colony, api_client):
    api_client.force_authenticate(world.unit_rep_a)
    payload = {"unit": colony.unit_a2.pk, "kind": "venue", "title": "借用的会议室"}
    refused = api_client.post("/api/resources/", payload, format="json")
    assert refused.status_code == 400
    assert "unit" in refused.json()
    payload["unit"] = colony.unit_a1.pk
    created = api_client.post("/api/resources/", payload, format="json")
    assert created.status_code == 201
    resource = ResourceItem.objects.get(title="借用的会议室")
    assert resource.community == world.a


def test_unit_rep_reports_progress_on_their_responsibility(world, colony, api_client):
    api_client.force_authenticate(world.unit_rep_a)
    bad = api_client.post(
        f"/api/responsibilities/{colony.duty_a1.pk}/report/", {"status": "finished"}, format="json"
    )
    assert bad.status_code == 400 and "status" in bad.json()
    good = api_client.post(
        f"/api/responsibilities/{colony.duty_a1.pk}/report/",
        {"status": "done", "progress_note": "讲座已举办"},
        format="json",
    )
    assert good.status_code == 200
    assert Responsibility.objects.get(pk=colony.duty_a1.pk).status == "done"


def test_contact_phone_is_masked_in_the_api(world, colony, api_client):
    api_client.force_authenticate(world.staff_a)
    row = api_client.get(f"/api/units/{colony.unit_a1.pk}/").json()
    assert "contact_phone" not in row
    assert row["contact_phone_masked"] == "138****1111"


@pytest.mark.parametrize("key", ["grid_a", "party_a", "mediator_a"])
def test_other_portal_roles_cannot_write(world, colony, api_client, key):
    api_client.force_authenticate(world.user(key))
    response = api_client.post(
        "/api/resources/",
        {"unit": colony.unit_a1.pk, "kind": "venue", "title": "x"},
        format="json",
    )
    assert response.status_code == 403


# --- Portal ----------------------------------------------------------------------------


def test_portal_unit_pages_show_only_my_unit(world, colony, client):
    client.force_login(world.unit_rep_a)
    pages = {
        "unit_home": "矿区法院",
        "resource_list": "法院会议室",
        "responsibility_list": "普法讲座",
        "project_list": "老旧小区改造",
    }
    others = ["西城派出所", "派出所活动室", "治安巡逻", "平安社区", "工商银行支行"]
    for name, mine in pages.items():
        html = client.get(reverse(f"partycommittee:{name}")).content.decode()
        assert mine in html, name
        for other in others:
            assert other not in html, (name, other)
    assert "138****1111" in client.get(reverse("partycommittee:unit_home")).content.decode()


def test_portal_other_units_rows_are_404(world, colony, client):
    client.force_login(world.unit_rep_a)
    assert (
        client.get(reverse("partycommittee:unit_edit", args=[colony.unit_a2.pk])).status_code == 404
    )
    assert (
        client.get(
            reverse("partycommittee:resource_edit", args=[colony.resource_a2.pk])
        ).status_code
        == 404
    )
    assert (
        client.post(
            reverse("partycommittee:responsibility_report", args=[colony.duty_a2.pk]),
            {f"r{colony.duty_a2.pk}-status": "done"},
        ).status_code
        == 404
    )
    assert (
        client.get(
            reverse("partycommittee:project_detail", args=[colony.project_a2.pk])
        ).status_code
        == 404
    )


def test_portal_unit_profile_edit_logs_the_unmasked_phone_and_validates(world, colony, client):
    client.force_login(world.unit_rep_a)
    url = reverse("partycommittee:unit_edit", args=[colony.unit_a1.pk])
    client.get(url)
    log = PersonalDataAccess.objects.get()
    assert (log.viewer, log.fields) == (world.unit_rep_a, "contact_phone")
    bad = client.post(url, {"party_member_count": "-3", "address": "x"})
    assert bad.status_code == 200
    assert "party_member_count" in bad.context["form"].errors
    assert ResidentUnit.objects.get(pk=colony.unit_a1.pk).party_member_count == 0
    good = client.post(url, {"party_member_count": "25", "address": "新址", "contact_name": "赵"})
    assert good.status_code == 302
    assert ResidentUnit.objects.get(pk=colony.unit_a1.pk).party_member_count == 25


def test_portal_offer_resource_with_missing_fields_shows_errors(world, colony, client):
    client.force_login(world.unit_rep_a)
    url = reverse("partycommittee:resource_add")
    bad = client.post(url, {"unit": colony.unit_a1.pk, "kind": "", "title": ""})
    assert bad.status_code == 200
    assert {"kind", "title"} <= set(bad.context["form"].errors)
    foreign = client.post(url, {"unit": colony.unit_a2.pk, "kind": "venue", "title": "借"})
    assert "unit" in foreign.context["form"].errors
    good = client.post(url, {"unit": colony.unit_a1.pk, "kind": "funds", "title": "活动经费"})
    assert good.status_code == 302
    assert ResourceItem.objects.get(title="活动经费").community == world.a


def test_portal_report_progress(world, colony, client):
    client.force_login(world.unit_rep_a)
    url = reverse("partycommittee:responsibility_report", args=[colony.duty_a1.pk])
    prefix = f"r{colony.duty_a1.pk}"
    client.post(url, {f"{prefix}-status": "bogus"})
    assert Responsibility.objects.get(pk=colony.duty_a1.pk).status == "pending"
    client.post(url, {f"{prefix}-status": "in_progress", f"{prefix}-progress_note": "筹备中"})
    duty = Responsibility.objects.get(pk=colony.duty_a1.pk)
    assert (duty.status, duty.progress_note) == ("in_progress", "筹备中")


def test_portal_home_lists_unit_links_for_representatives_only(world, client):
    client.force_login(world.unit_rep_a)
    assert (
        reverse("partycommittee:unit_home") in client.get(reverse("portal:home")).content.decode()
    )
    client.force_login(world.grid_a)
    assert (
        reverse("partycommittee:unit_home")
        not in client.get(reverse("portal:home")).content.decode()
    )


@pytest.mark.parametrize("key", ["staff_a", "staff_b", "street_admin"])
def test_admin_unit_list_is_scoped(world, colony, client, key):
    client.force_login(world.user(key))
    listed = client.get("/admin/partycommittee/residentunit/").context["cl"].result_list
    assert {u.name for u in listed} == MATRIX[key][0]


def test_admin_filters_name_only_the_staff_members_own_community(world, colony, client):
    client.force_login(world.staff_a)
    html = client.get("/admin/partycommittee/project/").content.decode()
    assert "虎尾沟社区" in html
    assert "新泽苑社区" not in html


def test_attendance_is_scoped_through_its_meeting(world, colony, client):
    """A meeting's attendance rows follow the meeting: its community's staff administer
    them, the unit's representative sees them, other communities nothing. The admin's
    attendance inline read them through managed_by and answered 500 (issue 23)."""
    from partycommittee.models import MeetingAttendance
    from tests.partycommittee.factories import MeetingFactory

    meeting = MeetingFactory(community=world.a, title="联席会议")
    row = MeetingAttendance.objects.create(meeting=meeting, unit=colony.unit_a1)
    assert list(MeetingAttendance.objects.managed_by(world.staff_a)) == [row]
    assert not MeetingAttendance.objects.managed_by(world.staff_b).exists()
    assert not MeetingAttendance.objects.managed_by(world.unit_rep_a).exists()
    assert list(MeetingAttendance.objects.visible_to(world.unit_rep_a)) == [row]
    assert not MeetingAttendance.objects.visible_to(world.grid_a).exists()

    client.force_login(world.staff_a)
    for url in (
        reverse("admin:partycommittee_jointmeeting_add"),
        reverse("admin:partycommittee_jointmeeting_change", args=[meeting.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "矿区法院" in response.content.decode()


def test_a_scoped_admin_on_an_unscoped_model_fails_the_system_check():
    from django.contrib import admin as django_admin
    from django.contrib.contenttypes.models import ContentType

    from hive.admin import ScopedAdminMixin

    class UnscopedAdmin(ScopedAdminMixin, django_admin.ModelAdmin):
        pass

    errors = UnscopedAdmin(ContentType, django_admin.site).check()
    assert [error.id for error in errors] == ["hive.E005"]
