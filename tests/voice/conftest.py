import pytest

from partycommittee.models import ResidentUnit
from tests.partycommittee.factories import ResidentUnitFactory
from tests.voice.factories import SolicitationFactory


@pytest.fixture
def unit_a(world) -> ResidentUnit:
    unit = ResidentUnitFactory(community=world.a, name="矿区法院")
    unit.representatives.add(world.unit_rep_a)
    return unit


@pytest.fixture
def solicitation(world):
    return SolicitationFactory(community=world.a)
