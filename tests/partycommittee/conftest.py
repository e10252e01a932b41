import pytest

from tests.partycommittee.factories import (
    ProjectFactory,
    ResidentUnitFactory,
    ResourceFactory,
    ResponsibilityFactory,
)


class Colony:
    """Units in communities A and B of the shared world; unit_rep_a acts for unit_a1."""

    def __init__(self, world):
        self.unit_a1 = ResidentUnitFactory(community=world.a, name="矿区法院")
        self.unit_a2 = ResidentUnitFactory(community=world.a, name="西城派出所")
        self.unit_b = ResidentUnitFactory(community=world.b, name="工商银行支行")
        self.unit_a1.representatives.add(world.unit_rep_a)
        self.resource_a1 = ResourceFactory(unit=self.unit_a1, title="法院会议室")
        self.resource_a2 = ResourceFactory(unit=self.unit_a2, title="派出所活动室")
        self.resource_b = ResourceFactory(unit=self.unit_b, title="银行培训室")
        self.duty_a1 = ResponsibilityFactory(unit=self.unit_a1, task="普法讲座")
        self.duty_a2 = ResponsibilityFactory(unit=self.unit_a2, task="治安巡逻")
        self.duty_b = ResponsibilityFactory(unit=self.unit_b, task="金融知识进社区")
        self.project_a1 = ProjectFactory(community=world.a, title="老旧小区改造")
        self.project_a1.units.add(self.unit_a1)
        self.project_a2 = ProjectFactory(community=world.a, title="平安社区")
        self.project_a2.units.add(self.unit_a2)
        self.project_b = ProjectFactory(community=world.b, title="金融服务站")
        self.project_b.units.add(self.unit_b)


@pytest.fixture
def colony(world):
    return Colony(world)
