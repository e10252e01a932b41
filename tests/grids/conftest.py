import pytest

from hive.roles import Role
from tests.factories import user_with_role
from tests.grids.factories import GridFactory, HouseholdFactory, ResidentFactory, id_number


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

    def __getattr__(self, name):
        return getattr(self.world, name)


@pytest.fixture
def gw(world):
    return GridWorld(world)
