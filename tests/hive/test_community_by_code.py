"""hive.selectors.community_by_code: the public doors' cached lookup of a community."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hive.selectors import community_by_code
from tests.factories import CommunityFactory, StreetFactory

pytestmark = pytest.mark.django_db


def _read(code):
    with CaptureQueriesContext(connection) as queries:
        community = community_by_code(code)
    return community, len(queries)


def test_read_once_then_from_the_cache_with_its_street():
    community = CommunityFactory(code="huweigou")
    found, queries = _read("huweigou")
    assert found == community and queries == 1
    again, queries = _read("huweigou")
    assert again == community and queries == 0
    with CaptureQueriesContext(connection) as street_queries:
        assert again.street.name == community.street.name
    assert len(street_queries) == 0


@pytest.mark.parametrize("code", ["", "   ", "no such", "x" * 41, "a/b", "../etc", "名字"])
def test_a_code_no_community_can_have_is_none_without_a_query(code):
    found, queries = _read(code)
    assert found is None and queries == 0


def test_an_unknown_code_is_none_and_a_new_community_is_found_at_once():
    assert community_by_code("xinzeyuan") is None
    created = CommunityFactory(code="xinzeyuan")
    assert community_by_code("xinzeyuan") == created


def test_a_renamed_code_frees_the_old_one_and_a_saved_name_shows_at_once():
    community = CommunityFactory(code="huweigou", name="虎尾沟社区")
    assert community_by_code("huweigou") == community
    community.name = "新虎尾沟社区"
    community.save()
    assert community_by_code("huweigou").name == "新虎尾沟社区"
    community.code = "huweigou-new"
    community.save()
    assert community_by_code("huweigou") is None
    assert community_by_code("huweigou-new") == community
    community.delete()
    assert community_by_code("huweigou-new") is None


def test_a_renamed_street_shows_at_once():
    street = StreetFactory(name="旧街道")
    CommunityFactory(code="huweigou", street=street)
    assert community_by_code("huweigou").street.name == "旧街道"
    street.name = "新街道"
    street.save()
    assert community_by_code("huweigou").street.name == "新街道"
