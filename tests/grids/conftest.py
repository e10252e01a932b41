import pytest

from hive.access.roles import Role
from tests.disputes.factories import RoomFactory
from tests.factories import user_with_role
from tests.grids.factories import GridFactory, HouseholdFactory, ResidentFactory, id_number
from tests.partycommittee.factories import ResidentUnitFactory


class GridWorld:
    """On top of `world`: grid A1 (member grid_a, deputy grid_a_deputy), grid A2 (member
    grid_a2) in community A, grid B1 (member grid_b) in B; a household and a resident in each."""

    def __init__(self, world):
        self.world = world
        self.grid_a_deputy = user_with_role(Role.GRID_MEMBER, community=world.a, username="dep_a")
        self.grid_a2 = user_with_role(Role.GRID_MEMBER, community=world.a, username="grid_a2")
        self.grid_b = user_with_role(Role.GRID_MEMBER, community=world.b, username="grid_b")
        self.a1 = GridFactory(community=world.a, code="A1", member=world.grid_a)
        self.a1.deputies.add(self.grid_a_deputy)
        self.a2 = GridFactory(community=world.a, code="A2", member=self.grid_a2)
        self.b1 = GridFactory(community=world.b, code="B1", member=self.grid_b)
        self.household_a1 = HouseholdFactory(grid=self.a1, head_name="张大山", phone="13811112222")
        self.household_a2 = HouseholdFactory(grid=self.a2, head_name="李小河")
        self.household_b1 = HouseholdFactory(grid=self.b1, head_name="王二")
        self.resident_a1 = ResidentFactory(
            household=self.household_a1,
            name="张大山",
            phone="13912345678",
            id_number=id_number(serial="111"),
        )
        self.resident_a2 = ResidentFactory(household=self.household_a2, name="李小河")
        self.resident_b1 = ResidentFactory(household=self.household_b1, name="王二")
        # The mediation room incidents escalate to, and a resident unit work is assigned to
        # (world.unit_rep_a represents it; unit_b_rep represents a unit of community B).
        self.room_a = RoomFactory(community=world.a, name="蜂音会客室")
        self.room_b = RoomFactory(community=world.b, name="枫桥之家")
        self.unit_a1 = ResidentUnitFactory(community=world.a, name="物业公司")
        self.unit_a1.representatives.add(world.unit_rep_a)
        self.unit_b1 = ResidentUnitFactory(community=world.b, name="银行支行")
        self.unit_b_rep = user_with_role(Role.UNIT_REP, community=world.b, username="unit_b")
        self.unit_b1.representatives.add(self.unit_b_rep)

    def __getattr__(self, name):
        return getattr(self.world, name)


@pytest.fixture
def gw(world):
    return GridWorld(world)
