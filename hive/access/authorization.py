"""Who may act: the one vocabulary every service, view and viewset uses.

`administers(user, community)` is the rule ("runs this community as staff": a
superuser, its community staff, an administrator of its street);
`require_administers` enforces it by raising `NotAuthorized`, a Django
PermissionDenied, which every door answers the same way: the admin and the portal
with Django's 403 page, the API with a 403 `{"detail": "<message>"}`
(hive.api.exception_handler). A refusal is never a 400: 400 means the request itself
is wrong, 403 that this user may not make it.

Every public service function says in its docstring's last line who checks:
"Authorization: checked here (require_administers)." or "Authorization: the caller's."
"""

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from hive.access.roles import Role
from hive.access.scoping import access_scope

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from hive.access.scoping import AnyUser
    from hive.models import Community, User


class NotAuthorized(PermissionDenied):
    """This user may not do this here: a 403 at every door."""


def administers(user: "AnyUser", community: "Community | int") -> bool:
    """Whether `user` runs `community` (a Community or its id) as staff: a superuser, its
    community staff, or an administrator of its street."""
    scope = access_scope(user)
    community_id: int = getattr(community, "pk", community)  # type: ignore[arg-type]  # an id or a Community
    if scope.is_superuser or community_id in scope.staff_community_ids:
        return True
    if not scope.street_ids:
        return False
    street_id = getattr(community, "street_id", None)
    if street_id is None:
        from hive.models import Community

        street_id = (
            Community.objects.filter(pk=community_id).values_list("street_id", flat=True).first()
        )
    return street_id in scope.street_ids


def require_administers(user: "AnyUser", community: "Community | int") -> None:
    """NotAuthorized unless `user` administers `community` (a Community or its id)."""
    if not administers(user, community):
        raise NotAuthorized(_("Only the staff of this community can do this."))


def holds_role(user: "AnyUser", role: str, community: "Community | int") -> bool:
    """Whether `user` holds the portal `role` in `community` (a Community or its id)."""
    return getattr(community, "pk", community) in access_scope(user).community_ids_for(role)


def administers_any(user: "AnyUser") -> bool:
    """Whether `user` is staff anywhere (a superuser, community staff, a street
    administrator): who may use the admin and see the dashboard."""
    scope = access_scope(user)
    return scope.is_superuser or scope.is_staff_role


def community_staff(community: "Community | int") -> "QuerySet[User]":
    """The active users holding the community-staff role in `community` (a Community or
    its id): whom the community office's notifications go to."""
    from hive.models import RoleAssignment, User

    staff: QuerySet[User] = User.objects.filter(
        is_active=True,
        pk__in=RoleAssignment.objects.filter(
            role=Role.COMMUNITY_STAFF, community_id=getattr(community, "pk", community)
        ).values("user_id"),
    )
    return staff
