"""The logged-in user of a request comes from the cache (hive.access.authentication), and every
change that matters reaches the next request: roles, deactivation, a new password."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hive.access.roles import Role
from hive.models import RoleAssignment
from tests.volunteers.factories import MicroWishFactory, walk

pytestmark = pytest.mark.django_db

WALL = "/portal/wishes/"


def _tables(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    sql = " ".join(query["sql"] for query in queries.captured_queries)
    return response, sql


def test_the_second_request_reads_neither_the_user_nor_the_roles(client, world):
    client.force_login(world.party_a)
    _tables(client, WALL)
    response, sql = _tables(client, WALL)
    assert response.status_code == 200
    assert 'FROM "hive_user"' not in sql
    assert "hive_roleassignment" not in sql


def test_a_withdrawn_role_counts_on_the_next_request(client, world):
    walk(MicroWishFactory(community=world.a, title="想要电暖器"), "published", world=world)
    client.force_login(world.party_a)
    assert "想要电暖器" in client.get(WALL).content.decode()
    RoleAssignment.objects.filter(user=world.party_a, role=Role.PARTY_MEMBER).delete()
    assert "想要电暖器" not in client.get(WALL).content.decode()


def test_a_deactivated_user_is_logged_out_on_the_next_request(client, world):
    client.force_login(world.party_a)
    assert client.get(WALL).status_code == 200
    world.party_a.is_active = False
    world.party_a.save()
    response = client.get(WALL)
    assert response.status_code == 302 and "/portal/login/" in response["Location"]


def test_a_new_password_ends_the_other_sessions(client, world):
    client.force_login(world.party_a)
    assert client.get(WALL).status_code == 200
    world.party_a.set_password("a-new-pass-2026")
    world.party_a.save()
    response = client.get(WALL)
    assert response.status_code == 302 and "/portal/login/" in response["Location"]
