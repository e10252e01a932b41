"""API: teams, activities (sign-up, attendance), sign-ups, party members, ledger entries,
manual awards and ratings — scoping matrix, actions, bad input as 400, constant queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hive.access.roles import Role
from tests.factories import user_with_role
from tests.partycommittee.factories import ResidentUnitFactory
from tests.volunteers.factories import (
    ActivityFactory,
    PartyMemberFactory,
    PointRuleFactory,
    TeamFactory,
    started,
)
from volunteers import services
from volunteers.models import PointAward, PointEntry, SignUp, StarRating

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(world):
    """One of everything in A, one of everything in B."""
    rows = {}
    for key, community, user in [("a", world.a, world.party_a), ("b", world.b, None)]:
        user = user or user_with_role(Role.PARTY_MEMBER, community=community)
        member = PartyMemberFactory(community=community, user=user)
        rule = PointRuleFactory(community=community)
        activity = ActivityFactory(community=community, team=TeamFactory(community=community))
        services.activity_sign_up(activity=activity, user=user)
        entry = services.points_award(
            rule=rule, member=member, reason="x", awarded_at=timezone.now()
        )
        services.ratings_compute(community_id=community.pk)
        rows[key] = {
            "teams": activity.team_id,
            "activities": activity.pk,
            "activity-signups": SignUp.objects.get(activity=activity).pk,
            "party-members": member.pk,
            "point-entries": entry.pk,
            "star-ratings": StarRating.objects.get(member=member).pk,
        }
    # Another party member of A: party_a must not see their own-rows resources.
    other = PartyMemberFactory(
        community=world.a, user=user_with_role(Role.PARTY_MEMBER, community=world.a)
    )
    rows["a_other_member"] = other.pk
    return rows


OWN_ROWS = {"activity-signups", "party-members", "point-entries", "star-ratings"}
COMMUNITY_ROWS = {"teams", "activities"}


@pytest.mark.parametrize("endpoint", sorted(OWN_ROWS | COMMUNITY_ROWS))
@pytest.mark.parametrize(
    ("who", "sees_a", "sees_b"),
    [
        ("superuser", True, True),
        ("street_admin", True, True),
        ("staff_a", True, False),
        ("staff_b", False, True),
        ("staff_c", False, False),
        ("party_a", True, False),
        ("grid_a", False, False),
        ("unit_rep_a", False, False),
    ],
)
def test_permission_matrix(api_client, world, data, endpoint, who, sees_a, sees_b):
    api_client.force_authenticate(world.user(who))
    for key, expected in (("a", sees_a), ("b", sees_b)):
        response = api_client.get(f"/api/{endpoint}/{data[key][endpoint]}/")
        assert response.status_code == (200 if expected else 404), (endpoint, key)
    listed = {row["id"] for row in api_client.get(f"/api/{endpoint}/").json()["results"]}
    assert (data["a"][endpoint] in listed) == sees_a
    assert (data["b"][endpoint] in listed) == sees_b
    if who == "party_a" and endpoint == "party-members":
        assert data["a_other_member"] not in listed


def test_unit_representatives_see_the_joint_activities_of_their_unit(api_client, world):
    unit = ResidentUnitFactory(community=world.a)
    unit.representatives.add(world.unit_rep_a)
    joint = ActivityFactory(community=world.a)
    joint.units.add(unit)
    other = ActivityFactory(community=world.a)
    api_client.force_authenticate(world.unit_rep_a)
    listed = {row["id"] for row in api_client.get("/api/activities/").json()["results"]}
    assert listed == {joint.pk}
    assert api_client.get(f"/api/activities/{other.pk}/").status_code == 404


def test_sign_up_and_cancel_through_the_api(api_client, world):
    activity = ActivityFactory(community=world.a, capacity=1)
    api_client.force_authenticate(world.party_a)
    response = api_client.post(f"/api/activities/{activity.pk}/sign_up/")
    assert response.status_code == 200, response.json()
    assert response.json()["places_taken"] == 1
    assert response.json()["signed_up"] is True
    again = api_client.post(f"/api/activities/{activity.pk}/sign_up/")
    assert again.status_code == 400
    assert "already" in str(again.json()).lower() or again.json()
    response = api_client.post(f"/api/activities/{activity.pk}/cancel_sign_up/")
    assert response.json()["places_taken"] == 0


def test_a_full_activity_is_a_400_not_a_500(api_client, world):
    activity = ActivityFactory(community=world.a, capacity=1)
    services.activity_sign_up(
        activity=activity, user=user_with_role(Role.PARTY_MEMBER, community=world.a)
    )
    api_client.force_authenticate(world.party_a)
    response = api_client.post(f"/api/activities/{activity.pk}/sign_up/")
    assert response.status_code == 400
    assert SignUp.objects.filter(activity=activity).count() == 1


def test_staff_record_attendance_through_the_api(api_client, world):
    activity = ActivityFactory(community=world.a)
    services.activity_sign_up(activity=activity, user=world.party_a)
    started(activity)
    api_client.force_authenticate(world.party_a)
    url = f"/api/activities/{activity.pk}/record_attendance/"
    assert api_client.post(url, {"attendees": [world.party_a.pk]}, format="json").status_code in (
        400,
        403,
    )
    api_client.force_authenticate(world.staff_a)
    bad = api_client.post(url, {"attendees": ["x"]}, format="json")
    assert bad.status_code == 400
    assert "attendees" in bad.json()
    bad = api_client.post(url, {"attendees": [world.grid_a.pk]}, format="json")
    assert bad.status_code == 400
    assert "attendees" in bad.json()
    response = api_client.post(
        url, {"attendees": [world.party_a.pk], "hours": "1.5"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "completed"
    assert str(SignUp.objects.get(activity=activity).hours) == "1.50"


def test_manual_award_propose_and_approve_by_two_people_via_api(api_client, world):
    staff_a2 = user_with_role(Role.COMMUNITY_STAFF, community=world.a, username="staff_a2")
    member = PartyMemberFactory(community=world.a, user=world.party_a)
    rule = PointRuleFactory(community=world.a, points=4)
    api_client.force_authenticate(world.staff_a)
    response = api_client.post(
        "/api/point-awards/",
        {
            "member": member.pk,
            "rule": rule.pk,
            "reason": "提出建议",
            "occurred_on": str(timezone.localdate()),
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    award_id = response.json()["id"]
    assert response.json()["status"] == "pending"
    assert api_client.post(f"/api/point-awards/{award_id}/approve/").status_code == 400
    api_client.force_authenticate(staff_a2)
    response = api_client.post(f"/api/point-awards/{award_id}/approve/", {"note": "同意"})
    assert response.status_code == 200, response.json()
    assert PointEntry.objects.get(member=member).approved_by == staff_a2


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"reason": ""}, "reason"),
        ({"occurred_on": "2999-01-01"}, "occurred_on"),
        ({"occurred_on": "not-a-date"}, "occurred_on"),
        ({"points": -2}, "points"),
        ({"member": 999999}, "member"),
    ],
)
def test_a_bad_award_proposal_is_a_400_naming_the_field(api_client, world, payload, field):
    member = PartyMemberFactory(community=world.a, user=world.party_a)
    rule = PointRuleFactory(community=world.a, points=4)
    body = {
        "member": member.pk,
        "rule": rule.pk,
        "reason": "建议",
        "occurred_on": str(timezone.localdate()),
        **payload,
    }
    api_client.force_authenticate(world.staff_a)
    response = api_client.post("/api/point-awards/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not PointAward.objects.exists()


def test_staff_of_another_community_cannot_propose_for_a_member(api_client, world):
    member = PartyMemberFactory(community=world.a, user=world.party_a)
    rule = PointRuleFactory(community=world.a)
    api_client.force_authenticate(world.staff_b)
    response = api_client.post(
        "/api/point-awards/",
        {"member": member.pk, "rule": rule.pk, "reason": "x", "occurred_on": "2026-01-05"},
        format="json",
    )
    assert response.status_code == 400
    assert not PointAward.objects.exists()


def test_the_ledger_cannot_be_edited_through_the_api_only_reversed(api_client, world, data):
    entry_id = data["a"]["point-entries"]
    api_client.force_authenticate(world.staff_a)
    assert api_client.patch(f"/api/point-entries/{entry_id}/", {"points": 99}).status_code == 405
    assert api_client.delete(f"/api/point-entries/{entry_id}/").status_code == 405
    response = api_client.post(f"/api/point-entries/{entry_id}/reverse/", {"reason": "误录"})
    assert response.status_code == 201
    assert response.json()["points"] == -PointEntry.objects.get(pk=entry_id).points
    again = api_client.post(f"/api/point-entries/{entry_id}/reverse/", {"reason": "误录"})
    assert again.status_code == 400


def test_filters(api_client, world, data):
    api_client.force_authenticate(world.street_admin)
    rows = api_client.get("/api/star-ratings/", {"community": world.a.pk}).json()["results"]
    assert [r["id"] for r in rows] == [data["a"]["star-ratings"]]
    rows = api_client.get("/api/activities/", {"kind": "convenience", "community": world.b.pk})
    assert [r["id"] for r in rows.json()["results"]] == [data["b"]["activities"]]
    rows = api_client.get("/api/point-entries/", {"category": "deduction"}).json()["results"]
    assert rows == []


def test_unit_records(api_client, world):
    unit = ResidentUnitFactory(community=world.a)
    activity = ActivityFactory(community=world.a, kind="joint_party_building")
    activity.units.add(unit)
    services.activity_sign_up(activity=activity, user=world.party_a)
    started(activity)
    services.activity_record_attendance(
        activity=activity, actor=world.staff_a, attendee_ids=[world.party_a.pk]
    )
    api_client.force_authenticate(world.staff_a)
    response = api_client.get("/api/activities/unit_records/")
    assert response.json() == [{"unit": unit.pk, "activities": 1, "attendees": 1, "hours": "2.00"}]


@pytest.mark.parametrize(
    "endpoint",
    [
        "teams",
        "activities",
        "activity-signups",
        "party-members",
        "point-entries",
        "point-awards",
        "star-ratings",
    ],
)
def test_api_lists_use_a_constant_number_of_queries(api_client, world, endpoint):
    def grow():
        user = user_with_role(Role.PARTY_MEMBER, community=world.a)
        member = PartyMemberFactory(community=world.a, user=user)
        rule = PointRuleFactory(community=world.a)
        activity = ActivityFactory(community=world.a, team=TeamFactory(community=world.a))
        activity.units.add(ResidentUnitFactory(community=world.a))
        services.activity_sign_up(activity=activity, user=user)
        services.points_award(rule=rule, member=member, reason="x", awarded_at=timezone.now())
        services.award_propose(
            member=member,
            rule=rule,
            reason="y",
            occurred_on=timezone.localdate(),
            actor=world.staff_a,
        )

    def count():
        with CaptureQueriesContext(connection) as context:
            response = api_client.get(f"/api/{endpoint}/")
        assert response.status_code == 200
        return len(context), response.json()["count"]

    api_client.force_authenticate(world.staff_a)
    grow()
    services.ratings_compute(community_id=world.a.pk)
    few, n_few = count()
    for _ in range(5):
        grow()
    services.ratings_compute(community_id=world.a.pk)
    many, n_many = count()
    assert n_many > n_few
    assert many == few
