import pytest

from hive.access.roles import Role
from tests.factories import user_with_role
from tests.volunteers.factories import MicroWishFactory, walk


@pytest.fixture
def party_a2(world):
    return user_with_role(Role.PARTY_MEMBER, community=world.a, username="party_a2")


@pytest.fixture
def wish(world):
    return MicroWishFactory(community=world.a)


@pytest.fixture
def published(world):
    return walk(MicroWishFactory(community=world.a), "published", world=world)
