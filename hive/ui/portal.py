"""What the portal home offers each role: apps register their entries here.

Each app adds links for the roles it serves in its AppConfig.ready(), so the home page
shows only what really exists.
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from hive.access.roles import STAFF_ROLES, Role


@dataclass(frozen=True)
class PortalLink:
    label: object
    url_name: str
    roles: frozenset[str]
    description: object = ""

    @property
    def url(self) -> str:
        return reverse(self.url_name)


_LINKS: list[PortalLink] = []


def register(link: PortalLink) -> None:
    if link not in _LINKS:
        _LINKS.append(link)


def links_for_role(role: str) -> list[PortalLink]:
    return [link for link in _LINKS if role in link.roles]


def role_cards(user) -> list[dict]:
    """One card per role the user holds: the role, where it applies, and its links."""
    from hive.access.roles import ROLE_DESCRIPTIONS
    from hive.models import RoleAssignment

    assignments = RoleAssignment.objects.filter(user=user).select_related("community", "street")
    cards: dict[str, dict] = {}
    for assignment in assignments:
        card = cards.setdefault(
            assignment.role,
            {
                "role": assignment.role,
                "label": assignment.get_role_display(),
                "description": ROLE_DESCRIPTIONS.get(assignment.role, ""),
                "places": [],
                "links": links_for_role(assignment.role),
            },
        )
        card["places"].append(str(assignment.community or assignment.street))
    order = list(Role.values)
    return sorted(cards.values(), key=lambda card: order.index(card["role"]))


def register_core_links() -> None:
    staff = frozenset(STAFF_ROLES)
    register(
        PortalLink(
            label=_("Open the admin"),
            url_name="admin:index",
            roles=staff,
            description=_("Manage communities, people and roles, and every ledger."),
        )
    )
    register(
        PortalLink(
            label=_("API documentation"),
            url_name="swagger-ui",
            roles=staff,
            description=_("The interface other systems use, with interactive documentation."),
        )
    )
