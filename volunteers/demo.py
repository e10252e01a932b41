"""Demo micro-wishes: one in every state for both demo communities (idempotent: keyed on
fixed tracking codes). Adds a Xinzeyuan party member, `xzy_party`, to claim there."""

from hive.demo import DEMO_PASSWORD
from hive.models import User
from hive.roles import Role
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
