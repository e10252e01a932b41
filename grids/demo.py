"""Demo data for grids: grids in both communities, a few hundred households with residents
and key persons, key places, tasks, a sweep, and incidents in every category and status.

Idempotent: rows are keyed on natural keys (grid code, household number); incidents and
sweeps are created only for a community that has none yet.
"""

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from grids import services
from grids.models import (
    Building,
    Category,
    Grid,
    GridTask,
    Household,
    Incident,
    IncidentTimeLimit,
    KeyPersonTag,
    KeyPlace,
    ReplyTemplate,
    Resident,
    Sweep,
)
from grids.validators import id_number_check_char
from hive.access.roles import Role
from hive.demo import DEMO_PASSWORD, demo_boundary, demo_point
from hive.models import User
from hive.services import role_assign

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["建国", "秀英", "桂兰", "志强", "丽", "伟", "芳", "军", "敏", "静", "磊", "洋", "艳", "勇"]
HOUSEHOLDS_PER_GRID = 75
S = Incident.Status

# Each status, and the actions that lead there from "reported".
PATHS = {
    S.REPORTED: [],
    S.ACCEPTED: ["accept"],
    S.ASSIGNED: ["accept", "assign"],
    S.IN_PROGRESS: ["accept", "assign", "start"],
    S.RESOLVED: ["accept", "assign", "start", "resolve"],
    S.VERIFIED: ["accept", "assign", "start", "resolve", "verify"],
    S.CLOSED: ["accept", "assign", "start", "resolve", "verify", "close"],
    S.CLOSED_NOT_FIXED: ["accept", "assign", "start", "close_not_fixed"],
    S.REJECTED: ["reject"],
    S.DUPLICATE: ["mark_duplicate"],
}


def _place(community_code: str, grids: list[Grid]) -> None:
    """Boundaries on the grids and points on their buildings and key places, where missing."""
    for number, grid in enumerate(grids, 1):
        if not grid.boundary:
            grid.boundary = demo_boundary(community_code, number)
            grid.save(update_fields=["boundary", "updated_at"])
        rows = [
            *Building.objects.filter(grid=grid).order_by("name", "pk"),
            *KeyPlace.objects.filter(grid=grid).order_by("name", "pk"),
        ]
        for slot, row in enumerate(rows):
            if row.latitude is None:
                row.latitude, row.longitude = demo_point(community_code, number, slot)
                row.save(update_fields=["latitude", "longitude", "updated_at"])


def _grid_user(username: str, name: str, community) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(username=username, password=DEMO_PASSWORD, name=name)
    role_assign(user=user, role=Role.GRID_MEMBER, community=community)
    return user


def _id_number(rng: random.Random, birth: datetime.date, female: bool) -> str:
    serial = rng.randrange(0, 50) * 2 + (0 if female else 1)
    first17 = f"140303{birth:%Y%m%d}{rng.randrange(0, 10)}{serial:02d}"
    return first17 + id_number_check_char(first17)


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randrange(0, 10)}{rng.randrange(0, 10**8):08d}"


def _seed_households(rng, grid, community, tags):
    if Household.objects.filter(grid=grid).exists():
        return
    buildings = [
        Building.objects.get_or_create(
            grid=grid, name=f"{n}号楼", defaults={"community": community, "floors": 6}
        )[0]
        for n in range(1, 6)
    ]
    for index in range(HOUSEHOLDS_PER_GRID):
        building = buildings[index % len(buildings)]
        head = rng.choice(SURNAMES) + rng.choice(GIVEN)
        household = Household.objects.create(
            community=community,
            grid=grid,
            building=building,
            number=f"{grid.code}-{index + 1:03d}",
            room=f"{index // 10 + 1}单元{index % 10 + 1:02d}室",
            address=f"{community.name}{building.name}",
            head_name=head,
            phone=_phone(rng),
            is_rental=index % 9 == 0,
        )
        for member in range(rng.randint(1, 3)):
            female = rng.random() < 0.5
            birth = datetime.date(rng.randint(1940, 2015), rng.randint(1, 12), rng.randint(1, 28))
            resident = Resident.objects.create(
                community=community,
                household=household,
                name=head if member == 0 else head[0] + rng.choice(GIVEN),
                gender="female" if female else "male",
                birth_date=birth,
                id_number=_id_number(rng, birth, female),
                phone=_phone(rng) if member == 0 else "",
                relation="head" if member == 0 else rng.choice(["spouse", "child", "parent"]),
                moved_in_on=datetime.date(rng.randint(1995, 2024), 1, 1),
            )
            if rng.random() < 0.12:
                services.resident_tag_add(actor=None, resident=resident, tag=rng.choice(tags))


def _seed_places_and_tasks(rng, grid, community, member):
    for kind, name in [("shop", "便民超市"), ("rental", "出租屋"), ("construction", "改造工地")]:
        KeyPlace.objects.get_or_create(
            grid=grid,
            name=f"{grid.name}{name}",
            defaults={"community": community, "kind": kind, "address": f"{grid.name}路{name}"},
        )
    if member and not GridTask.objects.filter(grid=grid).exists():
        today = timezone.localdate()
        for offset, title in [
            (3, "独居老人每周探访"),
            (-1, "人口信息季度核对"),
            (10, "消防宣传入户"),
        ]:
            GridTask.objects.create(
                community=community,
                grid=grid,
                title=title,
                responsible=member,
                deadline=today + datetime.timedelta(days=offset),
            )


def _seed_incidents(rng, community, grids, staff):
    if Incident.objects.filter(community=community).exists():
        return

    def point(grid: Grid, slot: int) -> dict[str, Decimal]:
        latitude, longitude = demo_point(community.code, grids.index(grid) + 1, 3 + slot * 5)
        return {"latitude": latitude, "longitude": longitude}

    categories = [value for value, _label in Category.choices]
    originals = []
    count = 0
    for state, path in PATHS.items():
        for category in categories:
            grid = grids[count % len(grids)]
            count += 1
            incident = services.incident_report(
                reporter=grid.member or staff,
                grid=grid,
                category=category,
                location=f"{grid.name}{rng.randint(1, 5)}号楼附近",
                description=f"演示：{Category(category).label}（{S(state).label}）",
                priority=rng.choice(["low", "normal", "high", "urgent"]),
                **point(grid, count),
            )
            data = {
                "assign": {"assignee": grid.member or staff},
                "resolve": {"resolution": "已现场处理"},
                "close_not_fixed": {"reason": "涉及产权，需上级协调"},
                "reject": {"reason": "不属于社区职责范围"},
            }
            for action in path:
                if action == "mark_duplicate":
                    extra = {"original": originals[0]}
                else:
                    extra = data.get(action, {})
                actor = staff
                if action in ("start", "resolve") and grid.member:
                    actor = grid.member
                services.INCIDENT_SERVICES[action](incident=incident, actor=actor, **extra)
            if state == S.REPORTED:
                originals.append(incident)
    # A few past their deadline.
    Incident.objects.filter(community=community, status__in=[S.ASSIGNED, S.IN_PROGRESS]).update(
        deadline=timezone.now() - datetime.timedelta(hours=5)
    )
    _seed_mediation_and_units(community, grids, staff, point)
    _seed_resident_reports(community, grids, staff)


def _seed_resident_reports(community, grids, staff):
    """Residents' own reports (随手拍) at every step a resident follows: waiting to be
    taken on, assigned (with a reply), being handled, handled and waiting to be checked,
    closed and rated by the resident, not taken on (with the reason). Their phones are in
    the 1380000xxxx demo range."""
    grid = grids[-1]
    member = grid.member or staff
    building = Building.objects.filter(grid=grid).order_by("pk").first()
    reports = [
        (
            "hidden_danger",
            "演示（随手拍）：楼道堆满纸箱，挡住消防通道。",
            "刘阿姨",
            "13800000101",
        ),
        ("loophole", "演示（随手拍）：小区东门的门禁坏了好几天。", "何先生", "13800000102"),
        ("demand", "演示（随手拍）：健身器材螺丝松了，不安全。", "马大爷", "13800000103"),
        ("sign", "演示（随手拍）：路灯一闪一闪的，晚上看不清路。", "周女士", "13800000104"),
        ("event", "演示（随手拍）：有人在绿地里乱搭晾衣架。", "吴先生", "13800000105"),
        ("dispute", "演示（随手拍）：想问问物业费该怎么交。", "郑大姐", "13800000106"),
    ]
    incidents = []
    for category, description, name, phone in reports:
        incident, _created = services.incident_report_by_resident(
            community=community,
            category=category,
            description=description,
            contact_name=name,
            contact_phone=phone,
            building=building,
            grid=None if building else grid,
            latitude=building.latitude if building else None,
            longitude=building.longitude if building else None,
        )
        incidents.append(incident)
    _waiting, assigned, closed, working, handled, refused = incidents
    for incident in (assigned, closed, working, handled):
        services.incident_accept(incident=incident, actor=staff)
        services.incident_assign(incident=incident, actor=staff, assignee=member)
    services.incident_reply(
        incident=assigned, author=staff, body="您反映的问题已受理，网格员将尽快上门查看。"
    )
    services.incident_start(incident=closed, actor=member)
    services.incident_resolve(incident=closed, actor=member, resolution="已拧紧螺丝并贴了提示。")
    services.incident_verify(incident=closed, actor=staff)
    services.incident_close(incident=closed, actor=staff)
    services.resident_report_rate(
        report=closed.resident_report, rating=5, note="处理得很快，谢谢网格员！"
    )
    services.incident_start(incident=working, actor=member)
    services.incident_start(incident=handled, actor=member)
    services.incident_resolve(incident=handled, actor=member, resolution="已劝导拆除晾衣架。")
    services.incident_reject(
        incident=refused, actor=staff, reason="物业费问题请联系物业服务中心，电话见小区公告栏。"
    )


def _seed_mediation_and_units(community, grids, staff, point):
    """A neighbours' dispute sent to the mediation room, and a small demand handed to a
    resident unit whose representative works on it."""
    from disputes.models import MediationRoom
    from partycommittee.models import ResidentUnit

    room = MediationRoom.objects.filter(community=community, is_active=True).first()
    if room is not None:
        dispute = services.incident_report(
            reporter=grids[0].member or staff,
            grid=grids[0],
            category="dispute",
            location=f"{grids[0].name}2号楼",
            description="演示：楼上卫生间漏水，两户多次争吵，需调解。",
            **point(grids[0], 101),
        )
        services.incident_escalate(
            incident=dispute,
            actor=staff,
            room=room,
            kind="neighbours",
            parties=[
                {"role": "applicant", "name": "陈大姐", "phone": "13800000001"},
                {"role": "respondent", "name": "刘先生", "phone": "13800000002"},
            ],
            note="网格员已初步劝解，双方同意到调解室。",
        )
    unit = (
        ResidentUnit.objects.filter(community=community, is_active=True)
        .filter(representatives__is_active=True)
        .order_by("pk")
        .first()
    )
    if unit is not None:
        demand = services.incident_report(
            reporter=grids[0].member or staff,
            grid=grids[0],
            category="demand",
            location=f"{grids[0].name}小广场",
            description="演示：小广场路灯损坏，居民晚间出行不便。",
            **point(grids[0], 102),
        )
        services.incident_accept(incident=demand, actor=staff)
        services.incident_assign(
            incident=demand, actor=staff, unit=unit, note="请驻区单位协助更换路灯"
        )


def seed(context) -> None:
    rng = random.Random(20260501)  # noqa: S311  (demo data, not security)
    # The built-in tags come from a data migration; put back any a superuser deleted.
    services.key_person_tags_restore_builtin()
    tags = list(KeyPersonTag.objects.filter(community__isnull=True))
    plans = {
        "huweigou": ("hwg", context.users["hwg_grid"], context.users["hwg_staff"]),
        "xinzeyuan": ("xzy", context.users["xzy_grid"], context.users["xzy_staff"]),
    }
    for code, (prefix, member, staff) in plans.items():
        community = context.communities[code]
        second = _grid_user(f"{prefix}_grid2", "孙网格" if prefix == "hwg" else "郑网格", community)
        context.users[f"{prefix}_grid2"] = second
        grids = []
        for number, (grid_member, deputy) in enumerate([(member, second), (second, member)], 1):
            grid, _created = Grid.objects.get_or_create(
                community=community,
                code=f"{prefix.upper()}-{number:02d}",
                defaults={"name": f"{community.name[:3]}第{number}网格", "member": grid_member},
            )
            grid.deputies.add(deputy)
            grids.append(grid)
            _seed_households(rng, grid, community, tags)
            _seed_places_and_tasks(rng, grid, community, grid.member)
        _place(code, grids)
        IncidentTimeLimit.objects.get_or_create(
            community=community, category="dispute", defaults={"hours": 48}
        )
        IncidentTimeLimit.objects.get_or_create(
            community=community, category="hidden_danger", defaults={"hours": 24}
        )
        ReplyTemplate.objects.get_or_create(
            community=community,
            title="已受理",
            defaults={"body": "您反映的问题已受理，我们将尽快安排处理，感谢您的支持。"},
        )
        _seed_incidents(rng, community, grids, staff)
        if not Sweep.objects.filter(community=community).exists():
            services.sweep_create(
                actor=staff,
                community=community,
                grid=grids[0],
                title="沿街商铺消防安全排查",
                scope="key_industry",
                place_kind="shop",
                scheduled_on=timezone.localdate() + datetime.timedelta(days=2),
                checklist="灭火器在有效期内\n疏散通道畅通\n无违规住人",
                inspectors=[grids[0].member],
            )
