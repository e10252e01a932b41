"""Token authentication remembers whose token it is, and forgets at once when the user,
their token or their roles change."""

import pytest
from rest_framework.test import APIClient

from hive.access.roles import Role
from hive.models import ApiToken, RoleAssignment
from hive.services import role_assign
from tests.factories import api_token_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def token_client(world):
    # Tokens are random, so no entry is shared with another test (no cache.clear():
    # on Redis that is FLUSHDB, shared with the broker).
    key = api_token_key(world.staff_a)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client, ApiToken.objects.get(user=world.staff_a)


def test_second_request_needs_no_auth_or_scope_query(
    world, token_client, django_assert_num_queries
):
    client, _token = token_client
    assert client.get("/api/communities/").status_code == 200
    with django_assert_num_queries(2):  # the list and its count: nothing for who asks
        assert client.get("/api/communities/").status_code == 200


def test_deactivating_the_user_takes_effect_at_once(world, token_client):
    client, _token = token_client
    assert client.get("/api/communities/").status_code == 200
    world.staff_a.is_active = False
    world.staff_a.save()
    assert client.get("/api/communities/").status_code in (401, 403)


def test_a_withdrawn_role_ends_the_token_at_once(world, token_client):
    client, _token = token_client
    role_assign(user=world.staff_a, role=Role.COMMUNITY_STAFF, community=world.b)
    ids = {row["id"] for row in client.get("/api/communities/").json()["results"]}
    assert ids == {world.a.pk, world.b.pk}
    RoleAssignment.objects.filter(user=world.staff_a, community=world.b).delete()
    # Issue 23: a lost role ends the person's tokens (it used to narrow the scope only).
    assert client.get("/api/communities/").status_code == 401


def test_a_deleted_token_stops_working(world, token_client):
    client, token = token_client
    assert client.get("/api/communities/").status_code == 200
    token.delete()
    assert client.get("/api/communities/").status_code in (401, 403)
