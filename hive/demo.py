"""Demo data for the core: Saiyu Street, two communities, one login per role.

Every write is get-or-create keyed on a natural key, so running it again changes nothing.
Apps add their own data in `<app>/demo.py` with a `seed(context)` function; the
`seed_demo` command calls them in the order of settings.PROJECT_APPS.
"""

from dataclasses import dataclass, field

from hive.access.roles import Role
from hive.models import Community, Street, User
from hive.services import role_assign

DEMO_PASSWORD = "hive-demo-2026"


@dataclass
class DemoContext:
    street: Street
    communities: dict[str, Community] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)


# username, full name, role, community code (None for the street admin)
DEMO_USERS = [
    ("street_admin", "王街道", Role.STREET_ADMIN, None),
    ("hwg_staff", "李社区", Role.COMMUNITY_STAFF, "huweigou"),
    ("hwg_unit", "赵联络", Role.UNIT_REP, "huweigou"),
    ("hwg_grid", "张网格", Role.GRID_MEMBER, "huweigou"),
    ("hwg_mediator", "刘调解", Role.MEDIATOR, "huweigou"),
    ("hwg_party", "陈党员", Role.PARTY_MEMBER, "huweigou"),
    ("xzy_staff", "周社区", Role.COMMUNITY_STAFF, "xinzeyuan"),
    ("xzy_grid", "吴网格", Role.GRID_MEMBER, "xinzeyuan"),
]


def _demo_user(username: str, name: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(username=username, password=DEMO_PASSWORD, name=name)
    return user


def seed() -> DemoContext:
    street, _ = Street.objects.get_or_create(code="saiyu", defaults={"name": "赛鱼街道"})
    context = DemoContext(street=street)
    for code, name, address in [
        ("huweigou", "虎尾沟社区", "阳泉市矿区赛鱼街道虎尾沟"),
        ("xinzeyuan", "新泽苑社区", "阳泉市矿区赛鱼街道新泽苑"),
    ]:
        community, _ = Community.objects.get_or_create(
            code=code, defaults={"street": street, "name": name, "address": address}
        )
        context.communities[code] = community
    for username, name, role, community_code in DEMO_USERS:
        user = _demo_user(username, name)
        if role == Role.STREET_ADMIN:
            role_assign(user=user, role=role, street=street)
        else:
            role_assign(user=user, role=role, community=context.communities[community_code])
        context.users[username] = user
    return context
