"""Who may see what: one place that turns a user's role assignments into row filters.

Every model family gets a queryset with `visible_to(user)`; the admin, the portal views
and the API viewsets all start from it, so the rule is written once.
"""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Self, TypeAlias, TypeVar

from django.db import models
from django.db.models import Q

from hive.access.roles import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from hive.models import User

    # Whoever a request carries: a signed-in user, the anonymous one, or none at all.
    AnyUser: TypeAlias = User | AnonymousUser | None

_M = TypeVar("_M", bound=models.Model)

_SCOPE_CACHE_ATTR = "_hive_access_scope"


@dataclass(frozen=True)
class AccessScope:
    """What a user's role assignments open to them, computed once per user object."""

    is_superuser: bool = False
    roles: frozenset[str] = frozenset()
    # Streets the user administers (every community of those streets is in scope).
    street_ids: frozenset[int] = frozenset()
    # Communities the user works in as community staff.
    staff_community_ids: frozenset[int] = frozenset()
    # Communities per role, for every role including the portal ones.
    communities_by_role: dict[str, frozenset[int]] = field(default_factory=dict)

    @property
    def member_community_ids(self) -> frozenset[int]:
        ids: set[int] = set()
        for community_ids in self.communities_by_role.values():
            ids |= community_ids
        return frozenset(ids)

    def community_ids_for(self, role: str) -> frozenset[int]:
        return self.communities_by_role.get(role, frozenset())

    @property
    def is_staff_role(self) -> bool:
        return bool(self.street_ids or self.staff_community_ids)


EMPTY_SCOPE = AccessScope()


def access_scope(user: "AnyUser") -> AccessScope:
    """The user's scope, cached on the user object (one query per request at most)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return EMPTY_SCOPE
    cached: AccessScope | None = getattr(user, _SCOPE_CACHE_ATTR, None)
    if cached is not None:
        return cached
    from hive.models import RoleAssignment

    rows = RoleAssignment.objects.filter(user=user).values_list("role", "street_id", "community_id")
    roles: set[str] = set()
    street_ids: set[int] = set()
    by_role: dict[str, set[int]] = {}
    for role, street_id, community_id in rows:
        roles.add(role)
        if role == Role.STREET_ADMIN and street_id:
            street_ids.add(street_id)
        if community_id:
            by_role.setdefault(role, set()).add(community_id)
    scope = AccessScope(
        is_superuser=user.is_superuser,
        roles=frozenset(roles),
        street_ids=frozenset(street_ids),
        staff_community_ids=frozenset(by_role.get(Role.COMMUNITY_STAFF, ())),
        communities_by_role={role: frozenset(ids) for role, ids in by_role.items()},
    )
    setattr(user, _SCOPE_CACHE_ATTR, scope)
    return scope


def forget_access_scope(user: "AnyUser") -> None:
    """Drop the cached scope after the user's roles change."""
    if hasattr(user, _SCOPE_CACHE_ATTR):
        delattr(user, _SCOPE_CACHE_ATTR)


NOTHING = Q(pk__in=[])


class ScopedQuerySet(models.QuerySet[_M]):
    """Rows that belong to one community, filtered by what a user may see.

    `community_path` is the lookup from this model to its Community ("" on Community
    itself). Street administrators see their streets' rows, community staff their
    communities' rows; portal roles see what `role_condition` opens, nothing by default.
    """

    community_path = "community"

    def _lookup(self, attribute: str) -> str:
        return f"{self.community_path}__{attribute}" if self.community_path else attribute

    def _staff_condition(self, scope: AccessScope) -> Q:
        condition = NOTHING
        if scope.street_ids:
            condition |= Q(**{self._lookup("street_id__in"): scope.street_ids})
        if scope.staff_community_ids:
            condition |= Q(**{self._lookup("id__in"): scope.staff_community_ids})
        return condition

    def visible_to(self, user: "AnyUser") -> Self:
        """What the user may read: the portal, the API."""
        scope = access_scope(user)
        if scope is EMPTY_SCOPE:
            return self.none()
        if scope.is_superuser:
            return self.all()
        return self.filter(self._staff_condition(scope) | self.role_condition(user, scope))

    def managed_by(self, user: "AnyUser") -> Self:
        """What the user may administer: only what a staff role covers. The admin uses
        this, so a portal role held in another community opens nothing there."""
        scope = access_scope(user)
        if scope is EMPTY_SCOPE:
            return self.none()
        if scope.is_superuser:
            return self.all()
        return self.filter(self._staff_condition(scope))

    def role_condition(self, user: "AnyUser", scope: AccessScope) -> Q:
        """Extra rows the portal roles may see; each model family says which."""
        return NOTHING

    def in_community(self, community: Any) -> Self:
        return self.filter(**{self._lookup("id"): getattr(community, "pk", community)})


def scoped_through(
    parent: str, parent_community_path: str = "community"
) -> type[ScopedQuerySet[Any]]:
    """A queryset class for rows that belong to a parent row (a meeting's attendance, a
    wish's photos): staff and street admins by the parent's community, portal roles see
    the rows of the parents they may see."""

    class ThroughParentQuerySet(ScopedQuerySet[Any]):
        community_path = f"{parent}__{parent_community_path}"

        def role_condition(self, user: "AnyUser", scope: AccessScope) -> Q:
            related: Any = self.model._meta.get_field(parent).related_model
            parents = related._default_manager
            return Q(**{f"{parent}__in": parents.visible_to(user).values("pk")})

    ThroughParentQuerySet.__name__ = ThroughParentQuerySet.__qualname__ = (
        f"Through{parent.title()}QuerySet"
    )
    return ThroughParentQuerySet
