"""List pages and API lists run the same number of queries whatever the row count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hive.access.roles import Role
from hive.workflow import transition
from tests.factories import CommunityFactory, user_with_role
from tests.hive.workflow_models import Ticket

pytestmark = pytest.mark.django_db


def _grow(world, count):
    """Add `count` communities (each with a grid member) and timeline entries in A."""
    for _ in range(count):
        community = CommunityFactory(street=world.street)
        user_with_role(Role.GRID_MEMBER, community=community)
        ticket = Ticket.objects.create(community=world.a)
        transition(ticket, action="accept", actor=world.staff_a)


def _queries(fetch):
    with CaptureQueriesContext(connection) as context:
        response = fetch()
    assert response.status_code == 200
    return len(context)


API_LISTS = ["/api/communities/", "/api/users/", "/api/role-assignments/", "/api/timeline/"]
ADMIN_LISTS = [
    "admin:hive_community_changelist",
    "admin:hive_user_changelist",
    "admin:hive_timelineentry_changelist",
]


@pytest.mark.parametrize("url", API_LISTS)
def test_api_list_query_count_does_not_grow(world, api_client, url, django_assert_max_num_queries):
    # A session login: each request loads the user and its scope afresh, as in real use.
    api_client.force_login(world.street_admin)
    _grow(world, 3)
    small = _queries(lambda: api_client.get(url))
    _grow(world, 30)
    with django_assert_max_num_queries(small):
        large = _queries(lambda: api_client.get(url))
    assert large == small


@pytest.mark.parametrize("name", ADMIN_LISTS)
def test_admin_list_query_count_does_not_grow(world, client, name, django_assert_max_num_queries):
    client.force_login(world.street_admin)
    _grow(world, 3)
    small = _queries(lambda: client.get(reverse(name)))
    _grow(world, 30)
    with django_assert_max_num_queries(small):
        large = _queries(lambda: client.get(reverse(name)))
    assert large == small


def test_portal_home_query_count_is_small(world, client, django_assert_max_num_queries):
    client.force_login(world.grid_a)
    with django_assert_max_num_queries(6):
        assert client.get(reverse("portal:home")).status_code == 200
