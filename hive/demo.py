"""Demo data for the core: Saiyu Street, two communities, one login per role.

Every write is get-or-create keyed on a natural key, so running it again changes nothing.
Apps add their own data in `<app>/demo.py` with a `seed(context)` function; the
`seed_demo` command calls them in the order of settings.PROJECT_APPS.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from hive.access.roles import Role
from hive.models import Community, Street, User
from hive.services import role_assign

DEMO_PASSWORD = "hive-demo-2026"


# --- Where the demo lies ---------------------------------------------------------------
# The demo street is 赛鱼街道 of 阳泉市矿区, as the demo addresses say: each community a block
# of two grids side by side sharing one notched edge (no overlap), WGS-84.
DEMO_ORIGIN = {"huweigou": (113.560, 37.860), "xinzeyuan": (113.575, 37.860)}
GRID_WIDTH, GRID_HEIGHT, NOTCH = 0.006, 0.006, 0.0008


def demo_boundary(community_code: str, number: int) -> dict:
    """Grid `number` (1 or 2) of a demo community: a GeoJSON Polygon."""
    x0, y0 = DEMO_ORIGIN[community_code]
    xm, x1 = x0 + GRID_WIDTH, x0 + 2 * GRID_WIDTH
    y1, yc = y0 + GRID_HEIGHT, y0 + GRID_HEIGHT / 2
    if number == 1:
        ring = [(x0, y0), (xm, y0), (xm + NOTCH, yc), (xm, y1), (x0, y1), (x0, y0)]
    else:
        ring = [(xm, y0), (x1, y0), (x1, y1), (xm, y1), (xm + NOTCH, yc), (xm, y0)]
    return {"type": "Polygon", "coordinates": [[[round(x, 6), round(y, 6)] for x, y in ring]]}


def demo_point(community_code: str, number: int, slot: int) -> tuple[Decimal, Decimal]:
    """(latitude, longitude) well inside grid `number`: slot k of a 4 × 3 lattice, shifted a
    little for each round of twelve so that points do not stack."""
    x0, y0 = DEMO_ORIGIN[community_code]
    left = x0 + (number - 1) * GRID_WIDTH + (NOTCH if number == 2 else 0)
    usable = GRID_WIDTH - NOTCH
    column, row, turn = slot % 4, (slot // 4) % 3, slot // 12
    longitude = left + usable * (column + 0.5) / 4 + 0.00011 * (turn % 5)
    latitude = y0 + GRID_HEIGHT * (row + 0.5) / 3 + 0.00009 * (turn % 7)
    return Decimal(f"{latitude:.6f}"), Decimal(f"{longitude:.6f}")


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
