"""Admin permissions that follow from a user's staff roles (see hive.access.roles)."""

from collections.abc import Iterable
from fnmatch import fnmatchcase
from functools import lru_cache
from typing import TYPE_CHECKING

from django.apps import apps
from django.contrib.auth.backends import BaseBackend
from django.db.models import Model

from hive.access.roles import ROLE_PERMISSIONS
from hive.access.scoping import access_scope

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from hive.models import User

_CACHE_ATTR = "_hive_role_perm_cache"


@lru_cache(maxsize=1)
def _all_model_permissions() -> tuple[str, ...]:
    names: list[str] = []
    for model in apps.get_models():
        opts = model._meta
        for action in opts.default_permissions:
            names.append(f"{opts.app_label}.{action}_{opts.model_name}")
        for codename, _name in opts.permissions:
            names.append(f"{opts.app_label}.{codename}")
    return tuple(names)


def permissions_for_roles(roles: Iterable[str]) -> frozenset[str]:
    return _permissions_for(frozenset(roles))


@lru_cache(maxsize=64)
def _permissions_for(roles: frozenset[str]) -> frozenset[str]:
    # Matching every model permission against the roles' patterns took 7 ms; a role set
    # always opens the same permissions, so it is done once per process and role set.
    patterns = [pattern for role in roles for pattern in ROLE_PERMISSIONS.get(role, ())]
    return frozenset(
        name
        for name in _all_model_permissions()
        if any(fnmatchcase(name, pattern) for pattern in patterns)
    )


class RolePermissionBackend(BaseBackend):
    """Grants model permissions by role; never authenticates anyone by itself."""

    def get_all_permissions(
        self, user_obj: "User | AnonymousUser", obj: Model | None = None
    ) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous:
            return set()
        cached: frozenset[str] | None = getattr(user_obj, _CACHE_ATTR, None)
        if cached is None:
            cached = permissions_for_roles(access_scope(user_obj).roles)
            setattr(user_obj, _CACHE_ATTR, cached)
        return set(cached)

    def has_perm(
        self, user_obj: "User | AnonymousUser", perm: str, obj: Model | None = None
    ) -> bool:
        return perm in self.get_all_permissions(user_obj, obj)

    def has_module_perms(self, user_obj: "User | AnonymousUser", app_label: str) -> bool:
        prefix = f"{app_label}."
        return any(perm.startswith(prefix) for perm in self.get_all_permissions(user_obj))
