"""A small community with something on every portal page, for the page crawls (the
untranslated-English check and the accessibility check): a grid with a household and an
incident, an open three-double round, a dispute case, wishes, an activity."""

from tests.disputes.factories import RoomFactory, mediator_for, register
from tests.grids.factories import GridFactory, HouseholdFactory, ResidentFactory, id_number
from tests.partycommittee.conftest import Board
from tests.partycommittee.factories import (
    MeetingFactory,
    ProjectFactory,
    ResourceFactory,
    ResponsibilityFactory,
)
from tests.volunteers.factories import ActivityFactory, MicroWishFactory, PartyMemberFactory, walk

# Who crawls: the world's users by attribute name (None = no login, the public pages).
CRAWLERS = [None, "staff_a", "street_admin", "unit_rep_a", "grid_a", "mediator_a", "party_a"]
PUBLIC_START = ["/", "/wishes/new/", "/wishes/track/", "/wishes/wall/"]


class Town:
    def __init__(self, world):
        from grids import services as grid_services

        self.world = world
        a = world.a
        self.grid = GridFactory(community=a, code="A1", name="一网格", member=world.grid_a)
        household = HouseholdFactory(grid=self.grid, head_name="张大山")
        ResidentFactory(household=household, name="张大山", id_number=id_number(serial="111"))
        self.incident = grid_services.incident_report(
            reporter=world.grid_a,
            grid=self.grid,
            category="hidden_danger",
            location="3号楼东侧",
            description="井盖松动",
        )
        self.board = Board(world)
        self.board.open()
        unit = self.board.unit_a
        ResourceFactory(unit=unit, title="会议室")
        ResponsibilityFactory(unit=unit, task="清扫楼道")
        project = ProjectFactory(community=a, title="楼道亮灯工程")
        meeting = MeetingFactory(community=a, title="联席会议")
        self.project, self.meeting = project, meeting
        room = RoomFactory(community=a, name="蜂音会客室")
        self.case = register(
            community=a,
            room=room,
            actor=world.staff_a,
            mediators=[mediator_for(world.mediator_a, community=a)],
        )
        PartyMemberFactory(community=a, user=world.party_a)
        self.published = walk(MicroWishFactory(community=a), "published", world=world)
        self.claimed = walk(
            MicroWishFactory(community=a, title="陪老人去医院"), "claimed", world=world
        )
        self.activity = ActivityFactory(community=a, title="社区义诊")

    def start_paths(self, who):
        if who is None:
            return [*PUBLIC_START, f"/wishes/track/{self.claimed.tracking_code}/"]
        return ["/portal/"]
