"""Writes with rules in them for the core: roles and the staff flag."""

from django.db import transaction

from hive.models import Community, RoleAssignment, Street, User
from hive.roles import STAFF_ROLES
from hive.scoping import forget_access_scope


def user_sync_staff_flag(*, user: User) -> User:
    """Admin access follows the roles: a user may log into the admin iff they hold a
    staff role (or are a superuser). Called after every change of a user's roles."""
    is_staff = user.is_superuser or user.role_assignments.filter(role__in=STAFF_ROLES).exists()
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])
    forget_access_scope(user)
    return user


@transaction.atomic
def role_assign(
    *,
    user: User,
    role: str,
    community: Community | None = None,
    street: Street | None = None,
) -> RoleAssignment:
    """Give `user` a role; the same assignment twice is one row."""
    candidate = RoleAssignment(user=user, role=role, street=street, community=community)
    candidate.clean()
    assignment, _created = RoleAssignment.objects.get_or_create(
        user=user, role=role, street=street, community=community
    )
    user_sync_staff_flag(user=user)
    return assignment


@transaction.atomic
def role_revoke(*, assignment: RoleAssignment) -> None:
    user = assignment.user
    assignment.delete()
    user_sync_staff_flag(user=user)


def second_factor_reset(*, users) -> int:
    """Remove the users' TOTP devices (a lost or replaced phone) and end their sessions,
    so a session verified with the old device cannot go on; returns how many people had
    a device. They set up a new one at their next admin login."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from hive.security import sessions_end_for

    with transaction.atomic():
        devices = TOTPDevice.objects.filter(user__in=users)
        owner_ids = set(devices.values_list("user_id", flat=True))
        devices.delete()
        for user in User.objects.filter(pk__in=owner_ids):
            sessions_end_for(user=user)
    return len(owner_ids)
