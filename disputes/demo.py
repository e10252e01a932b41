"""Demo mediation data: the Bee Sound room (Huweigou) and the Fengqiao Home (Xinzeyuan),
the report's three partner institutions (court, police branch, property company) with
their mediators, more than fifty cases resolved by agreement, and open cases in every
state; three-party consultations.

Idempotent: rooms, partners and mediators are get-or-create on their names; a case is
keyed on its community and title and skipped when present.
"""

from datetime import datetime, time, timedelta

from django.utils import timezone

from disputes import services
from disputes.models import (
    Consultation,
    ConsultationAction,
    DisputeCase,
    FollowUp,
    MediationRoom,
    Mediator,
    PartnerInstitution,
)
from hive.access.roles import Role
from hive.demo import DEMO_PASSWORD
from hive.models import User
from hive.services import role_assign

S = DisputeCase.Status
K = DisputeCase.Kind

# username, name, community, partner institution (by kind) or None, specialities
MEDIATORS = [
    ("hwg_mediator", "刘调解", "huweigou", None, "邻里纠纷、家庭纠纷"),
    ("hwg_court_mediator", "王法官", "huweigou", "court", "合同纠纷、劳动争议、司法确认"),
    ("hwg_police_mediator", "孙警官", "huweigou", "police", "噪音扰民、邻里冲突"),
    ("hwg_property_mediator", "周经理", "huweigou", "property", "物业费、房屋租赁"),
    ("xzy_mediator", "吴调解", "xinzeyuan", None, "邻里纠纷、物业纠纷"),
]

PARTNERS = [
    ("矿区人民法院", PartnerInstitution.Kind.COURT),
    ("西城派出所", PartnerInstitution.Kind.POLICE),
    ("云潭物业公司", PartnerInstitution.Kind.PROPERTY),
]

# kind, title (after the building number), facts, governance methods
TEMPLATES = [
    (
        K.NOISE,
        "楼上装修噪音扰民",
        "夜间装修噪音影响休息，多次沟通未果。",
        ["rule_of_law", "virtue"],
    ),
    (
        K.PROPERTY_FEES,
        "业主拖欠物业费",
        "业主认为服务不到位，拒交一年物业费。",
        ["self_governance"],
    ),
    (K.NEIGHBOURS, "楼道堆放杂物引发争执", "邻居在楼道堆放杂物，影响通行。", ["virtue"]),
    (K.FAMILY, "赡养老人费用分摊", "兄妹三人对母亲赡养费用分摊有分歧。", ["virtue", "politics"]),
    (K.TENANCY, "租房押金退还纠纷", "租期届满，房东以损坏为由拒退押金。", ["rule_of_law"]),
    (K.LABOUR, "装修工人工资拖欠", "装修队拖欠两名工人工资。", ["rule_of_law", "politics"]),
    (K.NEIGHBOURS, "楼上漏水殃及楼下", "卫生间防水失效，楼下天花板受损。", ["virtue", "smart"]),
    (K.CONTRACT, "车位租赁合同纠纷", "车位出租方提前收回车位。", ["rule_of_law"]),
]

APPLICANTS = ["王建国", "李秀兰", "张桂芳", "刘志强", "陈玉梅", "杨德胜", "赵淑珍", "黄立新"]
RESPONDENTS = ["孙红霞", "周海涛", "吴春燕", "郑国华", "冯建军", "何丽娟", "高文斌", "马晓东"]

# Open cases, one per state, in each community.
OPEN_STATES = [
    S.REGISTERED,
    S.ACCEPTED,
    S.MEDIATING,
    S.AGREEMENT_REACHED,
    S.FOLLOWED_UP,
    S.FAILED,
    S.REFERRED,
    S.WITHDRAWN,
]
RESOLVED = {"huweigou": 46, "xinzeyuan": 10}
FAILED_CLOSED = {"huweigou": 5, "xinzeyuan": 2}


def _user(username, name, community, context):
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(username=username, password=DEMO_PASSWORD, name=name)
    role_assign(user=user, role=Role.MEDIATOR, community=community)
    context.users[username] = user
    return user


def _local(day, hour=9):
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _parties(index):
    n = len(APPLICANTS)
    return [
        {
            "role": "applicant",
            "name": APPLICANTS[index % n],
            "phone": f"1380350{index:04d}",
            "address": f"阳泉市矿区赛鱼街道{index % 20 + 1}号楼{index % 6 + 1}单元",
        },
        {
            "role": "respondent",
            "name": RESPONDENTS[(index * 3) % n],
            "phone": f"1390350{index:04d}",
            "address": f"阳泉市矿区赛鱼街道{index % 20 + 1}号楼{index % 6 + 2}单元",
        },
    ]


def _walk(case, target, *, actor, mediator, signed_on, visited_on):
    """Move a registered case along the services up to `target`."""
    happy = [S.ACCEPTED, S.MEDIATING, S.AGREEMENT_REACHED, S.FOLLOWED_UP, S.CLOSED]
    failure = [S.ACCEPTED, S.MEDIATING, S.FAILED, S.REFERRED, S.CLOSED]
    if target == S.WITHDRAWN:
        services.case_accept(case=case, actor=actor)
        services.case_withdraw(case=case, actor=actor, reason="双方自行和解，申请人撤回。")
        return
    if target == S.REGISTERED:
        return
    path = failure if target in (S.FAILED, S.REFERRED) or getattr(case, "_fails", False) else happy
    for state in path[: path.index(target) + 1]:
        if state == S.ACCEPTED:
            services.case_accept(case=case, actor=actor)
        elif state == S.MEDIATING:
            services.session_record(
                case=case,
                actor=actor,
                held_at=case.registered_at + timedelta(hours=2),
                notes="听取双方陈述，释法明理，提出调解方案。",
                mediators_present=[mediator],
                parties_present=list(case.parties.all()),
            )
        elif state == S.AGREEMENT_REACHED:
            services.agreement_record(
                case=case,
                actor=actor,
                terms="双方自愿达成协议：被申请人于十五日内履行，申请人不再追究。",
                signed_on=signed_on,
                judicial_confirmation="confirmed" if case.pk % 4 == 0 else "not_requested",
            )
        elif state == S.FOLLOWED_UP:
            followup = FollowUp.objects.filter(case=case).first()
            services.followup_record(
                followup=followup,
                actor=actor,
                visited_on=visited_on,
                honoured="yes",
                notes="回访时双方均表示协议已履行。",
            )
        elif state == S.FAILED:
            services.case_fail(case=case, actor=actor, reason="双方分歧较大，调解未果。")
        elif state == S.REFERRED:
            services.case_refer(
                case=case, actor=actor, referred_to="court", note="引导当事人向矿区人民法院起诉。"
            )
        elif state == S.CLOSED:
            services.case_close(case=case, actor=actor, note="结案归档。")


def _seed_cases(community, room, staff, mediators, *, resolved, failed_closed):
    today = timezone.localdate()
    plan = (
        [("closed", i) for i in range(resolved)]
        + [("failed_closed", i) for i in range(failed_closed)]
        + [(state, i) for i, state in enumerate(OPEN_STATES)]
    )
    for number, (target, index) in enumerate(plan):
        kind, title, facts, methods = TEMPLATES[number % len(TEMPLATES)]
        title = f"{number + 1}号楼{title}"
        if DisputeCase.objects.filter(community=community, title=title).exists():
            continue
        if target in ("closed", "failed_closed"):
            registered_on = today - timedelta(days=330 - number * 5)
        else:
            registered_on = today - timedelta(days=20 - index * 2)
        duration = 3 + (number * 7) % 25
        signed_on = min(registered_on + timedelta(days=max(1, duration // 2)), today)
        visited_on = min(signed_on + timedelta(days=1), today)
        mediator = mediators[number % len(mediators)]
        chosen = [mediators[0]] if mediator == mediators[0] else [mediators[0], mediator]
        case = services.case_register(
            community=community,
            room=room,
            kind=kind,
            title=title,
            facts=facts,
            parties=_parties(number),
            actor=staff,
            source=[
                DisputeCase.Source.WALK_IN,
                DisputeCase.Source.REFERRAL,
                DisputeCase.Source.HOTLINE,
            ][number % 3],
            amount_in_dispute=(number * 350) % 5000 or None,
            governance_methods=methods,
            mediators=chosen,
            registered_at=_local(registered_on),
        )
        final = {"closed": S.CLOSED, "failed_closed": S.CLOSED}.get(target, target)
        case._fails = target == "failed_closed"
        _walk(
            case,
            final,
            actor=staff,
            mediator=mediator,
            signed_on=signed_on,
            visited_on=visited_on,
        )
        if final == S.AGREEMENT_REACHED:
            # Overdue, so the mediator's "follow-ups due" page has something to show.
            FollowUp.objects.filter(case=case).update(due_on=today - timedelta(days=1))
        if final == S.CLOSED:
            closed_at = _local(registered_on) + timedelta(days=duration, hours=6)
            DisputeCase.objects.filter(pk=case.pk).update(
                closed_at=closed_at, last_activity_at=closed_at
            )


def _seed_consultations(community, property_company):
    meetings = [
        (
            "小区停车位划分与收费",
            60,
            "划定临时停车位42个，收费标准由业主大会表决。",
            [
                ("物业公司出具车位划线方案", "property", 10),
                ("社区组织业主代表表决收费标准", "community", 20),
            ],
        ),
        (
            "老旧电梯维修资金分摊",
            25,
            "按楼层系数分摊，低保户由社区协调减免。",
            [("业主代表收集各户意见", "owners", 7), ("物业公司联系维保单位报价", "property", 14)],
        ),
    ]
    today = timezone.localdate()
    for topic, days_ago, resolution, actions in meetings:
        held_on = today - timedelta(days=days_ago)
        consultation, created = Consultation.objects.get_or_create(
            community=community,
            topic=topic,
            defaults={
                "held_on": held_on,
                "place": "社区党群服务中心",
                "community_participants": "社区书记\n网格员",
                "owner_participants": "业主代表五人",
                "property_company": property_company,
                "property_participants": "物业项目经理",
                "resolution": resolution,
            },
        )
        if created:
            ConsultationAction.objects.bulk_create(
                [
                    ConsultationAction(
                        consultation=consultation,
                        description=description,
                        responsible=responsible,
                        due_on=held_on + timedelta(days=due),
                        done_on=held_on + timedelta(days=due) if days_ago > due + 5 else None,
                    )
                    for description, responsible, due in actions
                ]
            )


def seed(context):
    from partycommittee.models import ResidentUnit

    huweigou = context.communities["huweigou"]
    xinzeyuan = context.communities["xinzeyuan"]
    rooms = {
        "huweigou": MediationRoom.objects.get_or_create(
            community=huweigou,
            name="蜂音会客室",
            defaults={
                "address": "虎尾沟社区党群服务中心一楼",
                "description": "社区联合法院、派出所、物业公司共建的矛盾纠纷调解室。",
            },
        )[0],
        "xinzeyuan": MediationRoom.objects.get_or_create(
            community=xinzeyuan,
            name="枫桥之家",
            defaults={
                "address": "新泽苑社区服务站二楼",
                "description": "践行新时代“枫桥经验”，小事不出社区。",
            },
        )[0],
    }
    partners = {}
    for name, kind in PARTNERS:
        unit = ResidentUnit.objects.filter(community=huweigou, name=name).first()
        partner, created = PartnerInstitution.objects.get_or_create(
            community=huweigou, name=name, defaults={"kind": kind, "resident_unit": unit}
        )
        if created:
            rooms["huweigou"].partners.add(partner)
        partners[kind] = partner
    mediators = {"huweigou": [], "xinzeyuan": []}
    for username, name, code, partner_kind, specialities in MEDIATORS:
        community = context.communities[code]
        user = _user(username, name, community, context)
        mediator, _created = Mediator.objects.get_or_create(
            community=community,
            user=user,
            defaults={
                "institution": partners.get(partner_kind) if partner_kind else None,
                "specialities": specialities,
            },
        )
        mediators[code].append(mediator)
    for code, room in rooms.items():
        staff = context.users[f"{'hwg' if code == 'huweigou' else 'xzy'}_staff"]
        _seed_cases(
            context.communities[code],
            room,
            staff,
            mediators[code],
            resolved=RESOLVED[code],
            failed_closed=FAILED_CLOSED[code],
        )
    _seed_consultations(huweigou, partners[PartnerInstitution.Kind.PROPERTY])
    _seed_consultations(xinzeyuan, None)
