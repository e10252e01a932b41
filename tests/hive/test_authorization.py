"""One authorization vocabulary (hive.access.authorization): the rule, the one refusal,
the staff of a community; and at each door (admin, API, portal) the staff of another
community is refused and nothing is stored."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from grids import services as grid_services
from grids.models import Incident
from hive.access.authorization import (
    NotAuthorized,
    administers,
    administers_any,
    community_staff,
    holds_role,
    require_administers,
)
from hive.access.roles import Role
from hive.models import TimelineEntry
from hive.services import role_assign
from tests.factories import user_with_role
from tests.grids.factories import GridFactory

pytestmark = pytest.mark.django_db

# role key -> communities administered (codes)
ADMINISTERS = {
    "superuser": {"a", "b", "c"},
    "street_admin": {"a", "b"},
    "staff_a": {"a"},
    "staff_b": {"b"},
    "unit_rep_a": set(),
    "grid_a": set(),
    "mediator_a": set(),
    "party_a": set(),
}


@pytest.mark.parametrize(("who", "codes"), ADMINISTERS.items())
def test_administers_and_its_refusal(world, who, codes):
    user = world.user(who)
    for community in (world.a, world.b, world.c):
        allowed = community.code in codes
        assert administers(user, community) is allowed
        assert administers(user, community.pk) is allowed
        if allowed:
            require_administers(user, community)
        else:
            with pytest.raises(NotAuthorized):
                require_administers(user, community)
    assert administers_any(user) is bool(codes)


def test_not_authorized_is_a_permission_denied_with_a_message(world):
    with pytest.raises(PermissionDenied) as caught:
        require_administers(None, world.a)
    assert isinstance(caught.value, NotAuthorized) and str(caught.value)


def test_community_staff_are_the_active_staff_role_holders(world):
    resigned = user_with_role(Role.COMMUNITY_STAFF, community=world.a, is_active=False)
    assert set(community_staff(world.a)) == {world.staff_a}
    assert set(community_staff(world.b.pk)) == {world.staff_b}
    assert resigned not in community_staff(world.a)


def test_holds_role_is_per_community(world):
    assert holds_role(world.party_a, Role.PARTY_MEMBER, world.a)
    assert holds_role(world.party_a, Role.PARTY_MEMBER, world.a.pk)
    assert not holds_role(world.party_a, Role.PARTY_MEMBER, world.b)
    assert not holds_role(world.staff_a, Role.PARTY_MEMBER, world.a)
    assert not holds_role(None, Role.PARTY_MEMBER, world.a)


# --- The doors: staff of B who also works a grid in A may not run A's incidents -----------


@pytest.fixture
def incident(world):
    grid = GridFactory(community=world.a, member=world.grid_a)
    role_assign(user=world.staff_b, role=Role.GRID_MEMBER, community=world.a)
    grid.deputies.add(world.staff_b)
    return grid_services.incident_report(
        reporter=world.grid_a, grid=grid, category="event", location="x", description="y"
    )


def test_api_refusal_is_a_403_with_the_reason(world, api_client, incident):
    entries = TimelineEntry.objects.count()
    api_client.force_authenticate(world.staff_b)
    response = api_client.post(f"/api/incidents/{incident.pk}/accept/", {}, format="json")
    assert response.status_code == 403
    assert list(response.json()) == ["detail"]
    incident.refresh_from_db()
    assert incident.status == Incident.Status.REPORTED
    assert TimelineEntry.objects.count() == entries


def test_portal_refusal_is_django_403(world, client, incident):
    entries = TimelineEntry.objects.count()
    client.force_login(world.staff_b)
    url = reverse("grids:incident_action", args=[incident.pk, "accept"])
    assert client.post(url, {"note": ""}).status_code == 403
    incident.refresh_from_db()
    assert incident.status == Incident.Status.REPORTED
    assert TimelineEntry.objects.count() == entries


def test_admin_refuses_another_communitys_rows(world, client, incident):
    entries = TimelineEntry.objects.count()
    client.force_login(world.staff_b)
    changelist = reverse("admin:grids_incident_changelist")
    client.post(changelist, {"action": "accept", "_selected_action": [incident.pk]})
    change = reverse("admin:grids_incident_change", args=[incident.pk])
    assert client.get(change).status_code in (302, 404)
    incident.refresh_from_db()
    assert incident.status == Incident.Status.REPORTED
    assert TimelineEntry.objects.count() == entries


def test_a_bulk_action_names_a_refused_row_and_goes_on():
    """An admin action over several rows: a row the service refuses as not allowed is
    named in a warning like an invalid one, and the other rows still go through."""
    from unittest import mock

    from hive.access.authorization import NotAuthorized
    from hive.admin import run_for_each

    done = []

    def action(obj, user):
        if obj == "b":
            raise NotAuthorized("not yours")
        done.append(obj)

    modeladmin = mock.Mock()
    run_for_each(
        modeladmin, mock.Mock(user=None), ["a", "b", "c"], action, success_message="%(count)s"
    )
    assert done == ["a", "c"]
    shown = [call.args[1] for call in modeladmin.message_user.call_args_list]
    assert shown == ["2", "b: not yours"]
