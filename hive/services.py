"""Writes with rules in them for the core: roles and the staff flag, API tokens."""

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from hive.access.roles import STAFF_ROLES
from hive.access.scoping import forget_access_scope
from hive.models import ApiToken, Community, RoleAssignment, Street, User


def user_sync_staff_flag(*, user: User) -> User:
    """Admin access follows the roles: a user may log into the admin iff they hold a
    staff role (or are a superuser). Called after every change of a user's roles.

    Authorization: the caller's.
    """
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
    """Give `user` a role; the same assignment twice is one row.

    Authorization: the caller's.
    """
    candidate = RoleAssignment(user=user, role=role, street=street, community=community)
    candidate.clean()
    assignment, _created = RoleAssignment.objects.get_or_create(
        user=user, role=role, street=street, community=community
    )
    user_sync_staff_flag(user=user)
    return assignment


@transaction.atomic
def role_revoke(*, assignment: RoleAssignment) -> None:
    """Authorization: the caller's."""
    user = assignment.user
    assignment.delete()
    user_sync_staff_flag(user=user)


def second_factor_reset(*, users: QuerySet[User] | Iterable[User]) -> int:
    """Remove the users' TOTP devices (a lost or replaced phone) and end their sessions,
    so a session verified with the old device cannot go on; returns how many people had
    a device. They set up a new one at their next admin login.

    Authorization: the caller's.
    """
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from hive.access.security import sessions_end_for

    with transaction.atomic():
        devices = TOTPDevice.objects.filter(user__in=users)
        owner_ids = set(devices.values_list("user_id", flat=True))
        devices.delete()
        for user in User.objects.filter(pk__in=owner_ids):
            sessions_end_for(user=user)
            # Tokens issued with a code of the old device end with it.
            api_tokens_end_for(user=user)
    return len(owner_ids)


# --- API tokens ------------------------------------------------------------------------


def _token_create(*, user: User, name: str, second_factor: bool) -> tuple[ApiToken, str]:
    from hive.access.authentication import new_token_key, token_digest

    key = new_token_key()
    token = ApiToken.objects.create(
        user=user,
        name=name[:60],
        digest=token_digest(key),
        prefix=key[:8],
        second_factor=second_factor,
        expires_at=timezone.now() + datetime.timedelta(days=settings.HIVE_API_TOKEN_DAYS),
    )
    return token, key


@transaction.atomic
def api_token_issue(*, user: User, second_factor: bool, name: str = "") -> tuple[ApiToken, str]:
    """A new token for `user` and its key (shown once: only its digest is stored).

    The caller has checked the password, and the code where the second factor applies
    (`second_factor` says whether it did). Expired tokens go; beyond
    HIVE_API_TOKENS_PER_USER the oldest end, so a script asking for a token on every run
    cannot pile them up.

    Authorization: the caller's.
    """
    ApiToken.objects.filter(user=user, expires_at__lte=timezone.now()).delete()
    token, key = _token_create(user=user, name=name, second_factor=second_factor)
    surplus = list(
        ApiToken.objects.filter(user=user)
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)[settings.HIVE_API_TOKENS_PER_USER :]
    )
    if surplus:
        ApiToken.objects.filter(pk__in=surplus).delete()
    return token, key


@transaction.atomic
def api_token_rotate(*, token: ApiToken, second_factor: bool) -> tuple[ApiToken, str]:
    """End `token` and give its owner a fresh one (same name, a full lifetime).

    Authorization: the caller's.
    """
    # Lock the row: two rotations of one token at once must not both get a new one.
    current = ApiToken.objects.select_for_update().filter(pk=token.pk).first()
    if current is None:
        raise ValidationError(_("This token was already rotated or revoked."))
    current.delete()
    return _token_create(user=current.user, name=current.name, second_factor=second_factor)


def api_tokens_revoke(*, tokens: QuerySet[ApiToken]) -> int:
    """End these tokens (a queryset the caller has scoped); returns how many.

    Authorization: the caller's.
    """
    deleted, _detail = tokens.delete()
    return deleted


def api_tokens_end_for(*, user: User) -> int:
    """End every token of the user: a changed password, deactivation, a lost role.

    Authorization: the caller's.
    """
    return api_tokens_revoke(tokens=ApiToken.objects.filter(user_id=user.pk))
