"""Demo data of the volunteers app (idempotent: every row keyed on a natural key).

Micro-wishes: one in every state for both demo communities (fixed tracking codes).
Adds a Xinzeyuan party member, `xzy_party`, to claim there. Service: the three volunteer
teams and six literary teams of Huweigou, points rules and schemes, party-member
profiles (some in-service members registered from resident units), activities done and
to come with sign-ups and attendance, joint-meeting points, manual awards (one approved
by the street administrator as second approver, one waiting), and this period's stars.
"""

import contextlib
import datetime

from hive.access.roles import Role
from hive.demo import DEMO_PASSWORD
from hive.models import User
from hive.services import role_assign
from volunteers import services
from volunteers.models import MicroWish

Category = MicroWish.Category
Status = MicroWish.Status

# (category, title, description, the state it is walked to)
WISHES = [
    (
        Category.MEDICAL_ACCOMPANIMENT,
        "周二陪我去矿区医院复查",
        "腿脚不便，需要有人陪同挂号取药。",
        Status.SUBMITTED,
    ),
    (Category.DAILY_NECESSITIES, "想要一台小电暖器", "冬天屋里冷，老人独居。", Status.PUBLISHED),
    (Category.STUDY_TUTORING, "孩子初二数学想找人辅导", "每周一次，周末下午。", Status.CLAIMED),
    (Category.REPAIRS, "厨房水龙头漏水", "一直滴水，自己修不好。", Status.FULFILLED),
    (Category.HELP_AT_HOME, "帮忙打扫一次卫生", "行动不便，想在春节前打扫一下。", Status.CONFIRMED),
    (Category.OTHER, "想要一部新手机", "", Status.REJECTED),
    (Category.DAILY_NECESSITIES, "需要一袋大米", "已经有亲戚送来了。", Status.WITHDRAWN),
]

RESIDENTS = ["王秀英", "李桂兰", "张建国", "刘淑珍", "陈玉梅", "杨志强", "赵凤英"]
PREFIX = {"huweigou": "HWG", "xinzeyuan": "XZY"}


def _party_member(context, username, name, community):
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(username=username, password=DEMO_PASSWORD, name=name)
    role_assign(user=user, role=Role.PARTY_MEMBER, community=community)
    context.users[username] = user
    return user


def _walk(wish, target, *, staff, member):
    order = [Status.PUBLISHED, Status.CLAIMED, Status.FULFILLED, Status.CONFIRMED]
    if target == Status.REJECTED:
        services.wish_reject(
            wish=wish, actor=staff, reason="不属于微心愿范围，建议咨询社区民政窗口。"
        )
        return
    if target == Status.WITHDRAWN:
        services.wish_withdraw(wish=wish, note="已解决")
        return
    for step in order[: order.index(target) + 1] if target in order else []:
        if step == Status.PUBLISHED:
            services.wish_publish(wish=wish, actor=staff)
        elif step == Status.CLAIMED:
            services.wish_claim(wish=wish, member=member)
        elif step == Status.FULFILLED:
            services.wish_fulfil(wish=wish, member=member, note="已上门完成，居民表示满意。")
        elif step == Status.CONFIRMED:
            services.wish_confirm(wish=wish, rating=5, note="谢谢党员同志！")


def seed(context) -> None:
    _party_member(context, "xzy_party", "孙党员", context.communities["xinzeyuan"])
    for community in context.communities.values():
        _rules(community)
    _profile(context.users["hwg_party"], context.communities["huweigou"], "第一党支部")
    _profile(context.users["xzy_party"], context.communities["xinzeyuan"], "第一党支部")
    _seed_wishes(context)
    _seed_service(context)


def _seed_wishes(context) -> None:
    members = {
        "huweigou": context.users["hwg_party"],
        "xinzeyuan": _party_member(
            context, "xzy_party", "孙党员", context.communities["xinzeyuan"]
        ),
    }
    staff = {"huweigou": context.users["hwg_staff"], "xinzeyuan": context.users["xzy_staff"]}
    for code, community in context.communities.items():
        for index, (category, title, description, target) in enumerate(WISHES):
            tracking_code = f"{PREFIX[code]}DEMX{'ABCDEFGHJK'[index]}".ljust(12, "2")
            if MicroWish.objects.filter(tracking_code=tracking_code).exists():
                continue
            wish, _created = services.wish_submit(
                community=community,
                category=category,
                title=title,
                description=description,
                resident_name=RESIDENTS[index],
                resident_phone=f"{'139' if code == 'huweigou' else '137'}0000{index:04d}",
                address=f"{community.name}{index + 1}号楼{index + 1}单元{101 + index}",
            )
            MicroWish.objects.filter(pk=wish.pk).update(tracking_code=tracking_code)
            wish.tracking_code = tracking_code
            _walk(wish, target, staff=staff[code], member=members[code])


# --- Teams, activities, points, stars -----------------------------------------------------

RULES = [
    # code, name, category, points, cap per period, trigger
    ("activity", "参加志愿服务活动", "volunteer_service", 2, 20, "activity_attendance"),
    ("wish", "认领并完成微心愿", "practical_help", 5, 30, "wish_confirmed"),
    ("meeting", "所在单位出席大党委联席会议", "attendance", 2, None, "meeting_attendance"),
    ("advice", "提出合理化建议被采纳", "advice", 3, 15, "manual"),
    ("help", "为群众办实事", "practical_help", 5, None, "manual"),
    ("absence", "无故缺席组织生活", "deduction", -5, None, "manual"),
]

TEAMS = [
    ("七彩志愿服务队", "volunteer_service", "助老、助残、环境整治等常态化志愿服务。"),
    ("先锋蜂突击队", "volunteer_service", "疫情防控、防汛、急难险重任务的党员突击队。"),
    ("绿蜂行动", "volunteer_service", "垃圾分类、绿化养护、文明创建。"),
    ("山里红文艺队", "cultural", "社区文艺演出。"),
    ("馨怡舞蹈队", "cultural", "广场舞、民族舞排练与演出。"),
    ("夕阳红合唱团", "cultural", "老年合唱。"),
    ("虎尾沟腰鼓队", "cultural", "节庆腰鼓表演。"),
    ("翰墨书画社", "cultural", "书法绘画交流，春节写春联。"),
    ("太极拳队", "cultural", "晨练太极。"),
]

# username, name, branch, unit index in partycommittee's HUWEIGOU_UNITS (None: resident)
HWG_MEMBERS = [
    ("hwg_pm01", "王建华", "第一党支部", None),
    ("hwg_pm02", "李秀兰", "第一党支部", None),
    ("hwg_pm03", "张志刚", "第二党支部", None),
    ("hwg_pm04", "刘桂芳", "第二党支部", None),
    ("hwg_pm05", "孙浩", "在职党员", 1),
    ("hwg_pm06", "周敏", "在职党员", 1),
    ("hwg_pm07", "吴磊", "在职党员", 3),
    ("hwg_pm08", "郑丽", "在职党员", 0),
]


def _rules(community):
    from volunteers.models import PointRule, PointsScheme

    # Narrow bands so the few demo points already spread the stars.
    PointsScheme.objects.get_or_create(
        community=community,
        defaults={"star2_from": 95, "star3_from": 100, "star4_from": 106, "star5_from": 112},
    )
    for code, name, category, points, cap, trigger in RULES:
        PointRule.objects.get_or_create(
            community=community,
            code=code,
            defaults={
                "name": name,
                "category": category,
                "points": points,
                "cap_per_period": cap,
                "trigger": trigger,
            },
        )


def _profile(user, community, branch, unit=None):
    from volunteers.models import PartyMember

    member, _created = PartyMember.objects.get_or_create(
        community=community,
        user=user,
        defaults={
            "branch": branch,
            "joined_party_on": datetime.date(2000 + user.pk % 20, 7, 1),
            "is_in_service": unit is not None,
            "registered_unit": unit,
        },
    )
    return member


def _activity(community, title, *, kind, team, days, hours, place, capacity, units=()):
    from django.utils import timezone

    from volunteers.models import Activity

    starts_at = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    starts_at += datetime.timedelta(days=abs(days))
    activity, created = Activity.objects.get_or_create(
        community=community,
        title=title,
        defaults={
            "kind": kind,
            "team": team,
            "starts_at": starts_at,
            "ends_at": starts_at + datetime.timedelta(hours=hours),
            "place": place,
            "capacity": capacity,
            "description": f"{title}，欢迎党员和志愿者报名参加。",
        },
    )
    if created:
        activity.units.add(*units)
    return activity, created


def _held(activity, days_ago, staff, attendees):
    """Sign-ups were taken while the activity was ahead; now it took place: move it into
    the past and record who came (points and hours)."""
    from django.utils import timezone

    from volunteers.models import Activity

    length = activity.ends_at - activity.starts_at
    starts_at = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    starts_at -= datetime.timedelta(days=days_ago)
    Activity.objects.filter(pk=activity.pk).update(starts_at=starts_at, ends_at=starts_at + length)
    activity.refresh_from_db()
    services.activity_record_attendance(
        activity=activity, actor=staff, attendee_ids=[user.pk for user in attendees]
    )


def _seed_service(context) -> None:
    from django.core.exceptions import ValidationError
    from django.utils import timezone

    from partycommittee.models import JointMeeting, ResidentUnit
    from volunteers.models import Activity, PartyMember, PointAward, PointRule, Team

    community = context.communities["huweigou"]
    staff = context.users["hwg_staff"]
    units = {unit.name: unit for unit in ResidentUnit.objects.filter(community=community)}
    from partycommittee.demo import HUWEIGOU_UNITS

    people = [context.users["hwg_party"]]
    for username, name, branch, unit_index in HWG_MEMBERS:
        user = _party_member(context, username, name, community)
        unit = units.get(HUWEIGOU_UNITS[unit_index][0]) if unit_index is not None else None
        _profile(user, community, branch, unit)
        people.append(user)

    teams = {}
    for index, (name, kind, description) in enumerate(TEAMS):
        team, created = Team.objects.get_or_create(
            community=community,
            name=name,
            defaults={"kind": kind, "description": description, "leader": people[index % 5]},
        )
        teams[name] = team
        if created:
            for user in people[index % 3 :: 2]:
                services.team_member_add(team=team, user=user, actor=staff)

    police = units.get("西城派出所")
    bank = units.get("工商银行赛鱼支行")
    done = [
        # title, kind, team, days ago, hours, place, capacity, units, attendees (indexes)
        (
            "党建联盟趣味运动会",
            Activity.Kind.JOINT_PARTY_BUILDING,
            "先锋蜂突击队",
            40,
            3,
            "赛鱼中学操场",
            40,
            [u for u in (police, bank) if u],
            [0, 1, 2, 4, 5, 6],
        ),
        (
            "小区核酸检测志愿服务",
            Activity.Kind.EPIDEMIC_PREVENTION,
            "先锋蜂突击队",
            25,
            4,
            "虎尾沟社区广场",
            12,
            [],
            [0, 1, 3, 7],
        ),
        (
            "楼道清理与垃圾分类宣传",
            Activity.Kind.CONVENIENCE,
            "绿蜂行动",
            10,
            2,
            "虎尾沟3号楼",
            15,
            [],
            [0, 2, 3, 8],
        ),
    ]
    for title, kind, team, days_ago, hours, place, capacity, with_units, came in done:
        activity, created = _activity(
            community,
            title,
            kind=kind,
            team=teams[team],
            days=1,
            hours=hours,
            place=place,
            capacity=capacity,
            units=with_units,
        )
        if not created:
            continue
        signed = [people[i] for i in sorted({*came, (max(came) + 1) % len(people)})]
        for user in signed:
            services.activity_sign_up(activity=activity, user=user)
        _held(activity, days_ago, staff, [people[i] for i in came])

    upcoming = [
        ("重阳节义诊进社区", Activity.Kind.CONVENIENCE, "七彩志愿服务队", 5, 3, "党群服务中心", 10),
        ("迎新春文艺汇演", Activity.Kind.CULTURE, "山里红文艺队", 30, 2, "社区文化活动室", 30),
        ("防范电信诈骗宣传", Activity.Kind.OTHER, "七彩志愿服务队", 12, 2, "虎尾沟社区广场", 3),
    ]
    for title, kind, team, days, hours, place, capacity in upcoming:
        activity, created = _activity(
            community,
            title,
            kind=kind,
            team=teams[team],
            days=days,
            hours=hours,
            place=place,
            capacity=capacity,
        )
        if created:
            for user in people[1 : 1 + min(capacity, 3)]:
                services.activity_sign_up(activity=activity, user=user)

    for meeting in JointMeeting.objects.filter(community=community):
        with contextlib.suppress(ValidationError):  # not held yet: the daily task will
            services.meeting_points_award(meeting=meeting)

    # Manual awards: proposed by the community staff; the street administrator is the
    # demo's second approver. One approved, one waiting.
    if not PointAward.objects.filter(community=community).exists():
        advice = PointRule.objects.get(community=community, code="advice")
        members = list(PartyMember.objects.filter(community=community).order_by("pk")[:3])
        first = services.award_propose(
            member=members[0],
            rule=advice,
            reason="建议在小区增设电动车充电桩，已被采纳",
            occurred_on=timezone.localdate() - datetime.timedelta(days=3),
            actor=staff,
        )
        services.award_approve(award=first, actor=context.users["street_admin"], note="同意")
        deduction = services.award_propose(
            member=members[2],
            rule=PointRule.objects.get(community=community, code="absence"),
            reason="连续两次无故缺席支部主题党日",
            occurred_on=timezone.localdate() - datetime.timedelta(days=5),
            actor=staff,
        )
        services.award_approve(award=deduction, actor=context.users["street_admin"])
        services.award_propose(
            member=members[1],
            rule=PointRule.objects.get(community=community, code="help"),
            reason="帮助独居老人办理医保报销",
            occurred_on=timezone.localdate() - datetime.timedelta(days=1),
            actor=staff,
        )

    for demo_community in context.communities.values():
        services.ratings_compute(community_id=demo_community.pk)
