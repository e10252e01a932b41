"""Holes found in review: cross-community ids, writes through roles held elsewhere,
and inputs that used to give a 500."""

import datetime

import pytest
from django.utils import timezone

from hive.access.roles import Role
from hive.services import role_assign
from partycommittee.models import (
    Campaign,
    CommitteeMember,
    DemandItem,
    Project,
    ResidentUnit,
    Responsibility,
    Vote,
)
from tests.partycommittee.factories import (
    CampaignFactory,
    CommitteeFactory,
    CommitteeMemberFactory,
    MeetingFactory,
    NominationFactory,
)

pytestmark = pytest.mark.django_db


def test_committee_seat_in_another_community_is_refused(world, colony, api_client):
    committee_b = CommitteeFactory(community=world.b)
    api_client.force_authenticate(world.staff_a)
    response = api_client.post(
        "/api/committee-members/",
        {
            "committee": committee_b.pk,
            "user": world.grid_a.pk,
            "position": "member",
            "term_start": "2026-01-01",
            "unit": colony.unit_b.pk,
        },
        format="json",
    )
    assert response.status_code == 400
    assert {"committee", "unit"} <= set(response.json())
    assert not CommitteeMember.objects.exists()


def test_committee_seat_for_a_user_outside_the_community_is_refused(world, api_client):
    committee = CommitteeFactory(community=world.a)
    api_client.force_authenticate(world.staff_a)
    response = api_client.post(
        "/api/committee-members/",
        {
            "committee": committee.pk,
            "user": world.staff_b.pk,
            "position": "member",
            "term_start": "2026-01-01",
        },
        format="json",
    )
    assert response.status_code == 400 and "user" in response.json()


def test_linking_another_communitys_meeting_is_refused(world, api_client):
    meeting_b = MeetingFactory(community=world.b)
    api_client.force_authenticate(world.staff_a)
    demand = api_client.post(
        "/api/demands/",
        {
            "community": world.a.pk,
            "title": "x",
            "source": "meeting",
            "category": "other",
            "meeting": meeting_b.pk,
        },
        format="json",
    )
    project = api_client.post(
        "/api/projects/",
        {"community": world.a.pk, "title": "x", "meeting": meeting_b.pk},
        format="json",
    )
    assert demand.status_code == 400 and project.status_code == 400
    assert not DemandItem.objects.exists() and not Project.objects.exists()


@pytest.fixture
def staff_a_with_portal_roles_in_b(world):
    role_assign(user=world.staff_a, role=Role.PARTY_MEMBER, community=world.b)
    role_assign(user=world.staff_a, role=Role.UNIT_REP, community=world.b)
    return world.staff_a


def test_staff_cannot_write_in_a_community_where_they_hold_only_portal_roles(
    world, colony, api_client, staff_a_with_portal_roles_in_b
):
    colony.unit_b.representatives.add(world.staff_a)
    campaign_b = CampaignFactory(community=world.b)
    api_client.force_authenticate(world.staff_a)
    demand = api_client.post(
        "/api/demands/",
        {"community": world.b.pk, "title": "x", "source": "residents", "category": "other"},
        format="json",
    )
    assert demand.status_code == 400 and "community" in demand.json()
    # As the unit's representative they may edit its profile, but not what staff own.
    api_client.patch(
        f"/api/units/{colony.unit_b.pk}/", {"name": "改名", "is_active": False}, format="json"
    )
    unit = ResidentUnit.objects.get(pk=colony.unit_b.pk)
    assert (unit.name, unit.is_active) == ("工商银行支行", True)
    cancel = api_client.post(
        f"/api/projects/{colony.project_b.pk}/transition/",
        {"to": "cancelled", "note": "x"},
        format="json",
    )
    assert cancel.status_code == 404
    assert api_client.delete(f"/api/campaigns/{campaign_b.pk}/").status_code == 404
    assert Campaign.objects.filter(pk=campaign_b.pk).exists()
    assert Project.objects.get(pk=colony.project_b.pk).status == "solicited"


def test_project_inline_responsibility_takes_the_project_community(world, colony, client):
    project = colony.project_a1
    client.force_login(world.staff_a)
    response = client.post(
        f"/admin/partycommittee/project/{project.pk}/change/",
        {
            "title": project.title,
            "description": "",
            "community": world.a.pk,
            "units": [colony.unit_a1.pk],
            "responsibilities-TOTAL_FORMS": "1",
            "responsibilities-INITIAL_FORMS": "0",
            "responsibilities-0-unit": colony.unit_a1.pk,
            "responsibilities-0-task": "提供场地",
            "responsibilities-0-deadline": "2026-12-31",
            "responsibilities-0-status": "pending",
            "agreement-TOTAL_FORMS": "0",
            "agreement-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["errors"]
    duty = Responsibility.objects.get(task="提供场地")
    assert duty.community == world.a and duty.project == project


def test_vote_where_there_is_no_committee_is_a_403(world, api_client):
    now = timezone.now()
    campaign = CampaignFactory(
        community=world.b,
        nomination_start=now - datetime.timedelta(days=3),
        nomination_end=now - datetime.timedelta(days=1),
        voting_start=now - datetime.timedelta(days=1),
        voting_end=now + datetime.timedelta(days=1),
    )
    nomination = NominationFactory(campaign=campaign, nominated_by=world.staff_b)
    api_client.force_authenticate(world.staff_b)
    response = api_client.post("/api/votes/", {"nomination": nomination.pk}, format="json")
    assert response.status_code == 403 and "detail" in response.json()


def test_a_member_whose_term_ended_cannot_vote(world, api_client):
    now = timezone.now()
    committee = CommitteeFactory(community=world.a)
    CommitteeMemberFactory(
        committee=committee,
        user=world.unit_rep_a,
        term_start=datetime.date(2020, 1, 1),
        term_end=datetime.date(2023, 1, 1),
    )
    campaign = CampaignFactory(
        community=world.a,
        nomination_start=now - datetime.timedelta(days=3),
        nomination_end=now - datetime.timedelta(days=1),
        voting_start=now - datetime.timedelta(days=1),
        voting_end=now + datetime.timedelta(days=1),
    )
    nomination = NominationFactory(campaign=campaign, nominated_by=world.staff_a)
    api_client.force_authenticate(world.unit_rep_a)
    assert (
        api_client.post("/api/votes/", {"nomination": nomination.pk}, format="json").status_code
        == 403
    )
    assert not Vote.objects.exists()


def test_zero_seats_is_a_field_error(world, api_client):
    api_client.force_authenticate(world.staff_a)
    response = api_client.post(
        "/api/campaigns/",
        {
            "community": world.a.pk,
            "title": "x",
            "kind": "three_good",
            "seats": 0,
            "nomination_start": "2026-05-01T00:00:00+08:00",
            "nomination_end": "2026-05-10T00:00:00+08:00",
            "voting_start": "2026-05-10T00:00:00+08:00",
            "voting_end": "2026-05-20T00:00:00+08:00",
        },
        format="json",
    )
    assert response.status_code == 400 and "seats" in response.json()


def test_deleting_a_unit_still_in_use_is_a_400(world, colony, api_client):
    api_client.force_authenticate(world.staff_a)
    response = api_client.delete(f"/api/units/{colony.unit_a1.pk}/")
    assert response.status_code == 400
    assert ResidentUnit.objects.filter(pk=colony.unit_a1.pk).exists()


def test_admin_term_error_is_on_the_term_end_field(world, client):
    committee = CommitteeFactory(community=world.a)
    client.force_login(world.staff_a)
    response = client.post(
        f"/admin/partycommittee/bigpartycommittee/{committee.pk}/change/",
        {
            "name": committee.name,
            "community": world.a.pk,
            "members-TOTAL_FORMS": "1",
            "members-INITIAL_FORMS": "0",
            "members-0-user": world.grid_a.pk,
            "members-0-position": "member",
            "members-0-term_start": "2026-06-01",
            "members-0-term_end": "2026-01-01",
            "documents-TOTAL_FORMS": "0",
            "documents-INITIAL_FORMS": "0",
        },
    )
    formset = response.context["inline_admin_formsets"][0].formset
    assert "term_end" in formset.errors[0]
    assert not CommitteeMember.objects.exists()
