"""Admin: every new page opens for staff within their community; the ledger and the star
list export as .xlsx; attendance, manual-award approval, reversal and the joint-meeting
points action work through the admin."""

import datetime
import io

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from hive.access.roles import Role
from partycommittee.models import MeetingAttendance
from tests.factories import PASSWORD, user_with_role
from tests.partycommittee.factories import MeetingFactory, ResidentUnitFactory
from tests.volunteers.factories import (
    ActivityFactory,
    PartyMemberFactory,
    PointRuleFactory,
    TeamFactory,
    started,
)
from volunteers import services
from volunteers.models import PointAward, PointEntry, PointRule, SignUp

pytestmark = pytest.mark.django_db

MODELS = [
    "team",
    "activity",
    "partymember",
    "pointrule",
    "pointsscheme",
    "pointentry",
    "pointaward",
    "starrating",
]


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


@pytest.fixture
def filled(world):
    member = PartyMemberFactory(community=world.a, user=world.party_a)
    rule = PointRuleFactory(community=world.a, name="志愿服务")
    entry = services.points_award(
        rule=rule, member=member, reason="清扫楼道", awarded_at=timezone.now()
    )
    services.ratings_compute(community_id=world.a.pk)
    TeamFactory(community=world.a)
    activity = ActivityFactory(community=world.a)
    return {"member": member, "rule": rule, "entry": entry, "activity": activity}


@pytest.mark.parametrize("model", MODELS)
def test_staff_open_every_changelist(client, world, filled, model):
    login(client, world.staff_a)
    response = client.get(reverse(f"admin:volunteers_{model}_changelist"))
    assert response.status_code == 200
    login(client, world.staff_b)
    response = client.get(reverse(f"admin:volunteers_{model}_changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count == 0


@pytest.mark.parametrize(("model", "expected"), [("pointentry", "清扫楼道"), ("starrating", "2")])
def test_ledger_and_star_list_export_as_xlsx(client, world, filled, model, expected):
    login(client, world.staff_a)
    url = reverse(f"admin:volunteers_{model}_export")
    response = client.post(url, {"format": "0", **_export_fields(client, url)})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row]
    assert any(expected in c for c in cells)


def _export_fields(client, url):
    """The export form's pre-ticked field checkboxes (django-import-export 4)."""
    form = client.get(url).context["form"]
    return {
        name: "on"
        for name, field in form.fields.items()
        if name not in ("format", "resource", "export_items")
        and getattr(field, "initial", None) is not False
    }


def test_the_ledger_admin_has_no_add_change_or_delete(client, world, filled):
    login(client, world.staff_a)
    entry = filled["entry"]
    assert client.get(reverse("admin:volunteers_pointentry_add")).status_code == 403
    response = client.post(
        reverse("admin:volunteers_pointentry_change", args=[entry.pk]), {"points": 99}
    )
    assert response.status_code in (302, 403)
    assert client.get(
        reverse("admin:volunteers_pointentry_delete", args=[entry.pk])
    ).status_code in (
        302,
        403,
    )
    assert PointEntry.objects.get(pk=entry.pk).points == entry.points


def test_reverse_action_asks_for_a_reason_then_adds_an_entry(client, world, filled):
    login(client, world.staff_a)
    url = reverse("admin:volunteers_pointentry_changelist")
    payload = {"action": "reverse_selected", ACTION_CHECKBOX_NAME: [filled["entry"].pk]}
    response = client.post(url, payload)
    assert response.status_code == 200  # the reason page
    client.post(url, {**payload, "apply": "1", "reason": "录入错误"})
    assert PointEntry.objects.filter(reverses=filled["entry"], points=-5).exists()


def test_record_attendance_in_the_admin(client, world, filled):
    activity = filled["activity"]
    services.activity_sign_up(activity=activity, user=world.party_a)
    url = reverse("admin:volunteers_activity_attendance", args=[activity.pk])
    login(client, world.staff_b)
    assert client.get(url).status_code == 404
    login(client, world.staff_a)
    response = client.post(url, {"attendees": [world.party_a.pk]})
    assert response.status_code == 200  # not yet held: the error is shown
    assert SignUp.objects.get().attended is None
    started(activity)
    response = client.post(url, {"attendees": [world.party_a.pk], "hours": "-1"})
    assert response.status_code == 200
    assert response.context["form"].errors["hours"]
    response = client.post(url, {"attendees": [world.party_a.pk], "hours": "3"})
    assert response.status_code == 302
    assert str(SignUp.objects.get().hours) == "3.00"


def test_propose_in_the_admin_and_approve_by_a_second_staff_member(client, world, filled):
    staff_a2 = user_with_role(Role.COMMUNITY_STAFF, community=world.a, username="staff_a2")
    login(client, world.staff_a)
    response = client.post(
        reverse("admin:volunteers_pointaward_add"),
        {
            "member": filled["member"].pk,
            "rule": filled["rule"].pk,
            "points": "",
            "reason": "提出合理化建议",
            "occurred_on": str(timezone.localdate()),
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    award = PointAward.objects.get()
    assert award.requested_by == world.staff_a
    changelist = reverse("admin:volunteers_pointaward_changelist")
    client.post(changelist, {"action": "approve_selected", ACTION_CHECKBOX_NAME: [award.pk]})
    award.refresh_from_db()
    assert award.status == PointAward.Status.PENDING  # own proposal: refused
    login(client, staff_a2)
    client.post(changelist, {"action": "approve_selected", ACTION_CHECKBOX_NAME: [award.pk]})
    award.refresh_from_db()
    assert award.status == PointAward.Status.APPROVED
    assert award.entry.approved_by == staff_a2


def test_a_bad_proposal_in_the_admin_is_a_form_error(client, world, filled):
    login(client, world.staff_a)
    response = client.post(
        reverse("admin:volunteers_pointaward_add"),
        {
            "member": filled["member"].pk,
            "rule": filled["rule"].pk,
            "points": "-3",
            "reason": "x",
            "occurred_on": "2999-01-01",
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert {"points", "occurred_on"} <= set(errors)
    assert not PointAward.objects.exists()


def test_joint_meeting_admin_action_awards_meeting_points(client, world):
    rule = PointRuleFactory(
        community=world.a,
        category=PointRule.Category.ATTENDANCE,
        points=3,
        trigger=PointRule.Trigger.MEETING_ATTENDANCE,
    )
    unit = ResidentUnitFactory(community=world.a)
    member = PartyMemberFactory(
        community=world.a, user=world.party_a, is_in_service=True, registered_unit=unit
    )
    meeting = MeetingFactory(
        community=world.a, held_at=timezone.now() - datetime.timedelta(hours=2)
    )
    MeetingAttendance.objects.create(meeting=meeting, unit=unit, status="present")
    login(client, world.staff_a)
    url = reverse("admin:partycommittee_jointmeeting_changelist")
    for _ in range(2):
        client.post(url, {"action": "award_attendance_points", ACTION_CHECKBOX_NAME: [meeting.pk]})
    assert list(PointEntry.objects.values_list("member_id", "rule_id", "points")) == [
        (member.pk, rule.pk, 3)
    ]
