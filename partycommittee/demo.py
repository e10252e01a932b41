"""Demo data for the bee colony: Huweigou's 18 resident units, its big party committee,
joint meetings, the four lists with projects at every step, and a selection campaign.
Idempotent: every row is found by its natural key before it is created."""

import datetime

from django.utils import timezone

from hive.access.roles import Role
from hive.demo import demo_point
from hive.services import role_assign
from partycommittee.models import (
    BigPartyCommittee,
    Campaign,
    CommitteeMember,
    DemandItem,
    JointMeeting,
    MeetingAttendance,
    Nomination,
    Project,
    ResidentUnit,
    ResourceItem,
    Responsibility,
    Vote,
)

K = ResidentUnit.Kind
# name, kind, party organisation head, party members
HUWEIGOU_UNITS = [
    ("矿区人民法院", K.COURT, "刘法官", 36),
    ("西城派出所", K.POLICE, "孙所长", 28),
    ("云潭物业公司", K.PROPERTY, "周经理", 9),
    ("工商银行赛鱼支行", K.BANK, "吴行长", 15),
    ("建设银行矿区支行", K.BANK, "郑行长", 12),
    ("矿区第二小学", K.SCHOOL, "王校长", 24),
    ("赛鱼中学", K.SCHOOL, "冯校长", 31),
    ("矿区人民医院", K.HOSPITAL, "陈院长", 45),
    ("赛鱼社区卫生服务站", K.HOSPITAL, "褚站长", 6),
    ("矿区市场监管所", K.AGENCY, "卫所长", 11),
    ("矿区税务所", K.AGENCY, "蒋所长", 14),
    ("阳泉煤业三矿", K.ENTERPRISE, "沈书记", 120),
    ("矿区供电所", K.ENTERPRISE, "韩所长", 22),
    ("矿区燃气公司", K.ENTERPRISE, "杨经理", 17),
    ("中国邮政赛鱼支局", K.ENTERPRISE, "朱局长", 8),
    ("矿区消防救援站", K.AGENCY, "秦站长", 19),
    ("阳光社工服务中心", K.SOCIAL, "尤主任", 5),
    ("矿区老年大学", K.SOCIAL, "许校长", 13),
]

S = Project.Status
# title, status, units (by index in HUWEIGOU_UNITS)
PROJECTS = [
    ("老旧小区加装电梯", S.SOLICITED, [2]),
    ("社区食堂助老餐", S.RESOURCES_COMBED, [7, 11]),
    ("青少年暑期托管", S.TOPIC_FORMED, [5, 6]),
    ("平安楼院创建", S.NEGOTIATING, [1, 2]),
    ("普法进楼栋", S.DECIDED, [0]),
    ("金融知识进社区", S.AGREEMENT_SIGNED, [3, 4]),
    ("健康义诊月", S.IN_PROGRESS, [7, 8]),
    ("消防安全演练", S.COMPLETED, [15, 2]),
    ("废旧厂房改停车场", S.CANCELLED, [11]),
]
# Published on the public progress page, with what residents are told of the results.
PUBLIC_RESULTS = {
    "社区食堂助老餐": "",
    "平安楼院创建": "",
    "金融知识进社区": "",
    "健康义诊月": "已在社区服务中心开展义诊4场，为312名居民测量血压血糖，建立健康档案86份。",
    "消防安全演练": "完成12栋楼的消防演练，更换灭火器140具，清理楼道堆物37处。",
}
CHAIN = [
    S.SOLICITED,
    S.RESOURCES_COMBED,
    S.TOPIC_FORMED,
    S.NEGOTIATING,
    S.DECIDED,
    S.AGREEMENT_SIGNED,
    S.IN_PROGRESS,
    S.COMPLETED,
]


def _walk(project, target, actor):
    """Move a new project step by step to `target` with the real service."""
    from partycommittee.services import agreement_record, project_transition

    if target == S.CANCELLED:
        project_transition(project=project, to=S.RESOURCES_COMBED, actor=actor)
        project_transition(
            project=project, to=S.CANCELLED, actor=actor, note="场地产权未能协调，项目终止"
        )
        return
    for step in CHAIN[1 : CHAIN.index(target) + 1]:
        if step == S.AGREEMENT_SIGNED:
            agreement_record(
                project=project,
                parties="虎尾沟社区\n" + "\n".join(unit.name for unit in project.units.all()),
                signed_on=timezone.localdate(),
            )
        project_transition(project=project, to=step, actor=actor)


def seed(context) -> None:
    community = context.communities["huweigou"]
    staff = context.users["hwg_staff"]
    units = []
    for name, kind, head, members in HUWEIGOU_UNITS:
        unit, _ = ResidentUnit.objects.get_or_create(
            community=community,
            name=name,
            defaults={
                "kind": kind,
                "party_org_name": f"{name}党支部",
                "party_org_head": head,
                "party_member_count": members,
                "contact_name": head,
                "address": f"阳泉市矿区赛鱼街道虎尾沟{len(units) + 1}号",
                "joined_on": datetime.date(2021, 7, 1),
            },
        )
        units.append(unit)
        if unit.latitude is None:
            unit.latitude, unit.longitude = demo_point(
                "huweigou", 1 + len(units) % 2, 9 + len(units)
            )
            unit.save(update_fields=["latitude", "longitude", "updated_at"])
    # The demo unit representative acts for the court.
    units[0].representatives.add(context.users["hwg_unit"])

    committee, _ = BigPartyCommittee.objects.get_or_create(
        community=community,
        defaults={"name": "虎尾沟社区大党委", "established_on": datetime.date(2021, 7, 1)},
    )
    seats = [
        (staff, None, CommitteeMember.Position.SECRETARY),
        (context.users["hwg_unit"], units[0], CommitteeMember.Position.CONCURRENT),
    ]
    for index, unit in enumerate(units[1:6], start=1):
        user, created = type(staff).objects.get_or_create(
            username=f"hwg_unit{index}", defaults={"name": unit.party_org_head}
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        role_assign(user=user, role=Role.UNIT_REP, community=community)
        unit.representatives.add(user)
        seats.append((user, unit, CommitteeMember.Position.CONCURRENT))
    for user, unit, position in seats:
        CommitteeMember.objects.get_or_create(
            committee=committee,
            user=user,
            defaults={
                "unit": unit,
                "position": position,
                "term_start": datetime.date(2024, 1, 1),
                "term_end": datetime.date(2028, 12, 31),
            },
        )

    meeting, created = JointMeeting.objects.get_or_create(
        community=community,
        title="2026年第三季度大党委联席会议",
        defaults={
            "held_at": timezone.make_aware(datetime.datetime(2026, 9, 18, 9, 30)),
            "place": "虎尾沟社区党群服务中心",
            "agenda": "一、通报上季度项目进展\n二、征集下季度需求\n三、驻区单位述职",
            "minutes": "会议确定加装电梯、助老餐两个项目进入下一步。",
        },
    )
    if created:
        for index, unit in enumerate(units[:12]):
            status = (
                MeetingAttendance.Status.PRESENT
                if index % 5
                else (MeetingAttendance.Status.EXCUSED)
            )
            MeetingAttendance.objects.create(meeting=meeting, unit=unit, status=status)

    demands = []
    for title, category, priority in [
        ("独居老人助餐", DemandItem.Category.ELDERLY, 3),
        ("楼道照明维修", DemandItem.Category.FACILITIES, 2),
        ("暑期孩子无人看护", DemandItem.Category.CHILDREN, 3),
        ("小区停车难", DemandItem.Category.FACILITIES, 4),
        ("防范电信诈骗宣传", DemandItem.Category.SAFETY, 2),
    ]:
        demand, _ = DemandItem.objects.get_or_create(
            community=community,
            title=title,
            defaults={
                "category": category,
                "priority": priority,
                "source": DemandItem.Source.RESIDENTS,
                "raised_by": "居民代表",
            },
        )
        demands.append(demand)

    for unit, kind, title, capacity in [
        (units[0], ResourceItem.Kind.VENUE, "法院会议室", "40 座"),
        (units[1], ResourceItem.Kind.PEOPLE, "社区民警驻点", "每周 2 次"),
        (units[3], ResourceItem.Kind.SKILLS, "金融知识讲师", "2 人"),
        (units[7], ResourceItem.Kind.PEOPLE, "义诊医生", "5 人"),
        (units[11], ResourceItem.Kind.FUNDS, "助老餐补贴", "20000 元/年"),
        (units[5], ResourceItem.Kind.VENUE, "学校操场", "节假日开放"),
    ]:
        ResourceItem.objects.get_or_create(
            unit=unit,
            title=title,
            defaults={"community": community, "kind": kind, "capacity": capacity},
        )

    for title, status, unit_indexes in PROJECTS:
        project = Project.objects.filter(community=community, title=title).first()
        if project is None:
            project = Project.objects.create(community=community, title=title, meeting=meeting)
            project.units.set([units[i] for i in unit_indexes])
            project.demands.set(demands[:1] if "助老" in title else [])
            _walk(project, status, staff)
        if title in PUBLIC_RESULTS and not project.is_public:
            project.is_public = True
            project.public_results = PUBLIC_RESULTS[title]
            project.save(update_fields=["is_public", "public_results", "updated_at"])
        for unit in project.units.all():
            Responsibility.objects.get_or_create(
                project=project,
                unit=unit,
                task=f"{title}：{unit.name}负责的事项",
                defaults={
                    "community": community,
                    # Some are already late, so the overdue flag shows in the demo.
                    "deadline": timezone.localdate()
                    + datetime.timedelta(
                        days=-5 if status in (S.IN_PROGRESS, S.NEGOTIATING) else 30
                    ),
                },
            )

    now = timezone.now()
    campaign, _ = Campaign.objects.get_or_create(
        community=community,
        title="2026年度文明单位评选",
        defaults={
            "kind": Campaign.Kind.CIVILISED_UNIT,
            "seats": 2,
            "nomination_start": now - datetime.timedelta(days=10),
            "nomination_end": now - datetime.timedelta(days=1),
            "voting_start": now - datetime.timedelta(days=1),
            "voting_end": now + datetime.timedelta(days=14),
        },
    )
    for unit in units[:4]:
        Nomination.objects.get_or_create(
            campaign=campaign,
            nominee_name=unit.name,
            defaults={
                "nominee_kind": Nomination.NomineeKind.UNIT,
                "unit": unit,
                "nominated_by": staff,
                "reason": "积极参与共建共治",
            },
        )

    # A campaign already decided: voted by the committee and announced (公示), so the
    # public announcement page has something to show.
    families, created = Campaign.objects.get_or_create(
        community=community,
        title="2026年度最美家庭评选",
        defaults={
            "kind": Campaign.Kind.BEAUTIFUL_FAMILY,
            "seats": 2,
            "nomination_start": now - datetime.timedelta(days=30),
            "nomination_end": now - datetime.timedelta(days=20),
            "voting_start": now - datetime.timedelta(days=20),
            "voting_end": now - datetime.timedelta(days=2),
        },
    )
    if created:
        nominees = [
            Nomination.objects.create(
                campaign=families,
                nominee_kind=Nomination.NomineeKind.FAMILY,
                nominee_name=name,
                nominated_by=staff,
                reason=reason,
            )
            for name, reason in (
                ("王秀兰家庭", "照顾瘫痪婆婆二十年，孝老爱亲"),
                ("李建国家庭", "全家参加社区志愿服务，累计服务三百小时"),
                ("赵明家庭", "邻里和睦，热心调解楼栋纠纷"),
            )
        ]
        # Each member's votes take their seats in order, as vote_cast would number them.
        voters = [user for user, _unit, _position in seats]
        for index, voter in enumerate(voters):
            picks = [nominees[0], nominees[1 if index % 3 else 2]]
            for seat, nominee in enumerate(picks, start=1):
                Vote.objects.create(
                    campaign=families, nomination=nominee, voter=voter, seat=seat, seats=2
                )
        families.announced_at = now - datetime.timedelta(days=1)
        families.save(update_fields=["announced_at", "updated_at"])

    # The three-double evaluation's demo rounds (partycommittee/evaluations/demo.py).
    from partycommittee.evaluations.demo import seed as seed_evaluations

    seed_evaluations(context)
