"""Who sees which cases (and their children), through the queryset, the API, the portal
and the admin: the permission matrix."""

import pytest
from django.urls import reverse

from disputes.models import DisputeCase, FollowUp, Mediator
from hive.access.roles import Role
from tests.disputes.factories import RoomFactory, mediator_for, register, walk
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db

# role key -> cases visible
CASE_MATRIX = {
    "superuser": {"a_assigned", "a_other", "b", "c"},
    "street_admin": {"a_assigned", "a_other", "b"},
    "staff_a": {"a_assigned", "a_other"},
    "staff_b": {"b"},
    "mediator_a": {"a_assigned"},
    "unit_rep_a": set(),
    "grid_a": set(),
    "party_a": set(),
}
ADMIN_KEYS = {"superuser", "street_admin", "staff_a", "staff_b"}


@pytest.fixture
def cases(world, room_a, med_a):
    room_b = RoomFactory(community=world.b)
    room_c = RoomFactory(community=world.c)
    found = {
        "a_assigned": register(
            community=world.a, room=room_a, actor=world.staff_a, mediators=[med_a]
        ),
        "a_other": register(community=world.a, room=room_a, actor=world.staff_a),
        "b": register(community=world.b, room=room_b, actor=world.staff_b),
        "c": register(community=world.c, room=room_c, actor=world.staff_c),
    }
    walk(found["a_assigned"], "agreement_reached", actor=world.staff_a)
    return found


def names(cases, ids):
    return {key for key, case in cases.items() if case.pk in set(ids)}


@pytest.mark.parametrize("key", CASE_MATRIX)
def test_queryset_api_portal_and_admin_agree(world, cases, key, client, api_client):
    user = world.user(key)
    visible = DisputeCase.objects.visible_to(user).values_list("pk", flat=True)
    assert names(cases, visible) == CASE_MATRIX[key]

    api_client.force_login(user)
    listed = [row["id"] for row in api_client.get("/api/dispute-cases/").json()["results"]]
    assert names(cases, listed) == CASE_MATRIX[key]
    for name, case in cases.items():
        status = api_client.get(f"/api/dispute-cases/{case.pk}/").status_code
        assert status == (200 if name in CASE_MATRIX[key] else 404), name

    client.force_login(user)
    for name, case in cases.items():
        url = reverse("disputes:portal_case_detail", args=[case.pk])
        assert client.get(url).status_code == (200 if name in CASE_MATRIX[key] else 404), name

    response = client.get(reverse("admin:disputes_disputecase_changelist"))
    if key in ADMIN_KEYS:
        shown = [case.pk for case in response.context["cl"].result_list]
        assert names(cases, shown) == CASE_MATRIX[key]
    else:
        assert response.status_code == 302


def test_follow_ups_follow_their_case(world, cases):
    assert FollowUp.objects.visible_to(world.mediator_a).count() == 1
    assert FollowUp.objects.visible_to(world.staff_b).count() == 0
    assert FollowUp.objects.visible_to(world.party_a).count() == 0


def test_a_mediator_role_in_another_community_opens_nothing_here(world, cases):
    # The same person made mediator in B: still only their assigned case in A.
    user = world.mediator_a
    from hive.services import role_assign

    role_assign(user=user, role=Role.MEDIATOR, community=world.b)
    assert set(DisputeCase.objects.visible_to(user)) == {cases["a_assigned"]}


def test_rooms_and_mediators_are_visible_to_the_communitys_mediators(world, cases):
    assert Mediator.objects.visible_to(world.mediator_a).count() == 1
    assert Mediator.objects.visible_to(world.party_a).count() == 0
    other = user_with_role(Role.MEDIATOR, community=world.b)
    mediator_for(other, community=world.b)
    assert Mediator.objects.visible_to(world.mediator_a).count() == 1
