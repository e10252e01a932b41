"""Every list runs the same number of queries for 5 rows as for 200."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from partycommittee.models import MeetingAttendance
from tests.partycommittee.factories import (
    CampaignFactory,
    CommitteeFactory,
    CommitteeMemberFactory,
    DemandFactory,
    MeetingFactory,
    NominationFactory,
    ProjectFactory,
    ResidentUnitFactory,
    ResourceFactory,
    ResponsibilityFactory,
)

pytestmark = pytest.mark.django_db


def _units(world, count, rep=None):
    units = ResidentUnitFactory.create_batch(count, community=world.a)
    if rep is not None:
        for unit in units:
            unit.representatives.add(rep)
    return units


def grow_units(world, count):
    _units(world, count, rep=world.unit_rep_a)


def grow_resources(world, count):
    for unit in _units(world, count, rep=world.unit_rep_a):
        ResourceFactory(unit=unit)


def grow_responsibilities(world, count):
    for unit in _units(world, count, rep=world.unit_rep_a):
        ResponsibilityFactory(unit=unit)


def grow_projects(world, count):
    units = _units(world, 2, rep=world.unit_rep_a)
    demand = DemandFactory(community=world.a)
    for _ in range(count):
        project = ProjectFactory(community=world.a)
        project.units.set(units)
        project.demands.add(demand)


def grow_meetings(world, count):
    units = _units(world, 2, rep=world.unit_rep_a)
    for _ in range(count):
        meeting = MeetingFactory(community=world.a)
        for unit in units:
            MeetingAttendance.objects.create(meeting=meeting, unit=unit)


def grow_demands(world, count):
    DemandFactory.create_batch(count, community=world.a)


def grow_members(world, count):
    from tests.factories import UserFactory

    committee = CommitteeFactory(community=world.a)
    for user in UserFactory.create_batch(count):
        CommitteeMemberFactory(committee=committee, user=user)


def grow_campaigns(world, count):
    for _ in range(count):
        NominationFactory(campaign=CampaignFactory(community=world.a), nominated_by=world.staff_a)


LISTS = [
    ("/api/units/", grow_units),
    ("/api/resources/", grow_resources),
    ("/api/responsibilities/", grow_responsibilities),
    ("/api/projects/", grow_projects),
    ("/api/meetings/", grow_meetings),
    ("/api/demands/", grow_demands),
    ("/api/committee-members/", grow_members),
    ("/api/campaigns/", grow_campaigns),
    ("/api/nominations/", grow_campaigns),
    ("/admin/partycommittee/residentunit/", grow_units),
    ("/admin/partycommittee/resourceitem/", grow_resources),
    ("/admin/partycommittee/responsibility/", grow_responsibilities),
    ("/admin/partycommittee/project/", grow_projects),
    ("/admin/partycommittee/jointmeeting/", grow_meetings),
    ("/admin/partycommittee/demanditem/", grow_demands),
    ("/admin/partycommittee/campaign/", grow_campaigns),
]
PORTAL = [
    ("/portal/unit/", grow_units),
    ("/portal/unit/resources/", grow_resources),
    ("/portal/unit/responsibilities/", grow_responsibilities),
    ("/portal/unit/projects/", grow_projects),
]


def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _check(client, world, url, grow):
    grow(world, 5)
    small = _count(client, url)
    grow(world, 195)
    assert _count(client, url) == small


@pytest.mark.parametrize(("url", "grow"), LISTS)
def test_staff_lists_do_not_grow_with_rows(world, client, url, grow, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "PAGE_SIZE": 500}
    client.force_login(world.street_admin)
    _check(client, world, url, grow)


@pytest.mark.parametrize(("url", "grow"), PORTAL)
def test_unit_rep_pages_do_not_grow_with_rows(world, client, url, grow):
    client.force_login(world.unit_rep_a)
    _check(client, world, url, grow)


def test_unit_rep_api_list_does_not_grow(world, client):
    client.force_login(world.unit_rep_a)
    _check(client, world, "/api/resources/", grow_resources)
