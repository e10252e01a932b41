"""Demo data of the voice app (idempotent: every row keyed on a natural key or a fixed
tracking code).

For both demo communities: suggestions, two answered publicly, one privately, one waiting;
an open demand solicitation with submissions from residents (and, in Huweigou, from the
court's representative `hwg_unit`), two of them merged into one demand of the demand list,
and one micro-wish turned into a demand.
"""

import datetime

from django.utils import timezone

from partycommittee.models import DemandItem, ResidentUnit
from voice import services
from voice.models import Solicitation, Submission, Suggestion, Topic, WishDemand
from volunteers.models import MicroWish

PREFIX = {"huweigou": "HWG", "xinzeyuan": "XZY"}

# topic, text, answer, public
SUGGESTIONS = [
    (
        Topic.ENVIRONMENT,
        "建议在3号楼旁增设一处垃圾分类投放点，现在要走很远。",
        "已与物业公司商定，下月在3号楼东侧增设投放点。",
        True,
    ),
    (
        Topic.SAFETY,
        "小区北门晚上路灯太暗，老人走路不安全。",
        "北门路灯已更换为LED灯，并增加两盏。感谢您的建议！",
        True,
    ),
    (Topic.SERVICES, "希望社区办事大厅周六也能开放半天。", "已电话回复您，周六上午开放。", False),
    (Topic.CULTURE, "建议组织一次社区象棋比赛。", "", False),
]

# text, from the unit (else a resident)
SUBMISSIONS = [
    ("希望开设老年人助餐点，独居老人吃饭难。", False),
    ("老人做饭不方便，想要一个社区食堂。", False),
    ("暑假孩子没人看，希望有托管班。", False),
    ("我单位可提供普法讲座，希望社区提供场地和组织居民。", True),
]


def _code(prefix: str, kind: str, index: int) -> str:
    return f"{prefix}{kind}{'ABCDEFGHJK'[index]}".ljust(12, "2")


def _suggestions(code, community, staff) -> None:
    for index, (topic, text, answer, public) in enumerate(SUGGESTIONS):
        tracking_code = _code(PREFIX[code], "SUG", index)
        if Suggestion.objects.filter(tracking_code=tracking_code).exists():
            continue
        suggestion, _created = services.suggestion_submit(
            community=community,
            topic=topic,
            text=text,
            resident_name="刘淑珍" if index % 2 else "",
            resident_phone=f"1360000{index:04d}" if index % 2 else "",
        )
        Suggestion.objects.filter(pk=suggestion.pk).update(tracking_code=tracking_code)
        suggestion.tracking_code = tracking_code
        if answer:
            services.suggestion_answer(
                suggestion=suggestion, actor=staff, text=answer, public=public
            )


def _solicitation(code, community, staff, rep) -> None:
    now = timezone.now()
    solicitation = Solicitation.objects.filter(
        community=community, topic="2027年为民办实事项目需求征集"
    ).first()
    if solicitation is None:
        solicitation = services.solicitation_open(
            community=community,
            topic="2027年为民办实事项目需求征集",
            description="社区将从征集到的需求中确定明年的为民办实事项目，欢迎居民和驻区单位提出。",
            opens_at=now - datetime.timedelta(days=3),
            closes_at=now + datetime.timedelta(days=27),
            actor=staff,
        )
    unit = ResidentUnit.objects.filter(community=community, representatives=rep).first()
    submissions = []
    for index, (text, from_unit) in enumerate(SUBMISSIONS):
        tracking_code = _code(PREFIX[code], "DEM", index)
        found = Submission.objects.filter(tracking_code=tracking_code).first()
        if found is not None:
            submissions.append(found)
            continue
        if from_unit and unit is None:
            continue
        if from_unit:
            submission, _created = services.submission_submit(
                solicitation=solicitation, text=text, unit=unit, submitted_by=rep
            )
        else:
            submission, _created = services.submission_submit(
                solicitation=solicitation,
                text=text,
                resident_name="陈玉梅",
                resident_phone=f"1350000{index:04d}",
            )
        Submission.objects.filter(pk=submission.pk).update(tracking_code=tracking_code)
        submission.tracking_code = tracking_code
        submissions.append(submission)
    # The first two ask for the same thing: one demand.
    to_merge = [s for s in submissions[:2] if s.status == Submission.Status.SUBMITTED]
    if len(to_merge) == 2:
        services.submissions_merge(
            submissions=to_merge,
            actor=staff,
            category=DemandItem.Category.ELDERLY,
            title="开设社区老年助餐点",
            priority=DemandItem.Priority.HIGH,
        )


def _wish_to_demand(community, staff) -> None:
    wish = (
        MicroWish.objects.filter(community=community, category=MicroWish.Category.REPAIRS)
        .order_by("pk")
        .first()
    )
    if wish is None or WishDemand.objects.filter(wish=wish).exists():
        return
    services.wish_to_demand(wish=wish, actor=staff, category=DemandItem.Category.FACILITIES)


def seed(context) -> None:
    staff = {"huweigou": context.users["hwg_staff"], "xinzeyuan": context.users["xzy_staff"]}
    rep = context.users.get("hwg_unit")
    for code, community in context.communities.items():
        _suggestions(code, community, staff[code])
        _solicitation(code, community, staff[code], rep)
        _wish_to_demand(community, staff[code])
