import pytest

from tests.disputes.factories import RoomFactory, mediator_for, register


@pytest.fixture
def room_a(world):
    return RoomFactory(community=world.a, name="蜂音会客室")


@pytest.fixture
def room_b(world):
    return RoomFactory(community=world.b, name="枫桥之家")


@pytest.fixture
def med_a(world):
    """world.mediator_a's mediator profile."""
    return mediator_for(world.mediator_a, community=world.a)


@pytest.fixture
def case(world, room_a, med_a):
    return register(community=world.a, room=room_a, actor=world.staff_a, mediators=[med_a])
