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


class Board:
    """A three-double round in community A with units A, B, C (and one in B's community).
    unit_rep_a acts for unit A, rep_b for unit B; the round is open until next week."""

    def __init__(self, world):
        import datetime

        from django.utils import timezone

        from partycommittee.evaluations import services
        from tests.factories import user_with_role

        self.world = world
        self.unit_a = ResidentUnitFactory(community=world.a, name="甲单位")
        self.unit_b = ResidentUnitFactory(community=world.a, name="乙单位")
        self.unit_c = ResidentUnitFactory(community=world.a, name="丙单位")
        self.unit_other = ResidentUnitFactory(community=world.b, name="外社区单位")
        self.retired = ResidentUnitFactory(community=world.a, name="已撤出单位", is_active=False)
        self.rep_a = world.unit_rep_a
        self.rep_b = user_with_role("unit_rep", community=world.a, username="unit_b")
        self.unit_a.representatives.add(self.rep_a)
        self.unit_b.representatives.add(self.rep_b)
        now = timezone.now()
        self.round = services.round_create(
            community=world.a,
            day=timezone.localdate(),
            opens_at=now - datetime.timedelta(days=1),
            deadline=now + datetime.timedelta(days=7),
        )

    def open(self):
        from partycommittee.evaluations import services

        assert services.round_open(round_id=self.round.pk)
        self.round.refresh_from_db()
        return self.round

    def sheet(self, kind, rater=None, ratee=None):
        from partycommittee.evaluations.models import EvaluationSheet

        return EvaluationSheet.objects.get(
            round=self.round, kind=kind, rater_unit=rater, ratee_unit=ratee
        )


@pytest.fixture
def board(world):
    return Board(world)
