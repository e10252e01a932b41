import uuid

import pytest

from open311 import services
from tests.grids.conftest import GridWorld

# A square around (116.0, 40.0) for grid A1, another around (117.0, 40.0) for A2.
SQUARE_A1 = {
    "type": "Polygon",
    "coordinates": [[[115.9, 39.9], [116.1, 39.9], [116.1, 40.1], [115.9, 40.1], [115.9, 39.9]]],
}
SQUARE_A2 = {
    "type": "Polygon",
    "coordinates": [[[116.9, 39.9], [117.1, 39.9], [117.1, 40.1], [116.9, 40.1], [116.9, 39.9]]],
}


@pytest.fixture(autouse=True)
def fresh_rate_counters(settings):
    # Counters live in the cache; a prefix of its own gives each test fresh counters
    # (not cache.clear(): on Redis that is FLUSHDB, shared with the broker).
    settings.RATELIMIT_CACHE_PREFIX = f"rl-test-{uuid.uuid4().hex}:"


class Open311World(GridWorld):
    """GridWorld with boundaries on A1 and A2 and a partner key for community A."""

    def __init__(self, world):
        super().__init__(world)
        self.a1.boundary = SQUARE_A1
        self.a1.save()
        self.a2.boundary = SQUARE_A2
        self.a2.save()
        self.key, self.raw_key = services.partner_key_issue(
            actor=world.staff_a, community=world.a, name="12345热线", reporter=world.staff_a
        )


@pytest.fixture
def ow(world):
    return Open311World(world)
