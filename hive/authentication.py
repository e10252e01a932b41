"""Token authentication that remembers, for a few minutes, whose token it is and what that
person may see: on the busiest API lists the token lookup and the access-scope query were
two of the three queries of a request (the third is the list itself).

The cache entry holds the user with their access scope attached (see
hive.scoping.access_scope) and is dropped whenever the user, their token or one of their
role assignments is saved or deleted, so a deactivated user or a withdrawn role takes
effect at once. (A QuerySet.update() bypasses the signals; the entry then lives at most
TOKEN_CACHE_SECONDS.)
"""

import hashlib

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from hive.scoping import access_scope

TOKEN_CACHE_SECONDS = 300


def _cache_key(token_key: str) -> str:
    return "hive:token:" + hashlib.sha256(token_key.encode()).hexdigest()[:40]


class CachedTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        cache_key = _cache_key(key)
        cached = cache.get(cache_key)
        if cached is not None:
            user, token = cached
            if user.is_active:
                return user, token
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        user, token = super().authenticate_credentials(key)
        access_scope(user)  # attached to the user object, cached with it
        token.user = user
        cache.set(cache_key, (user, token), TOKEN_CACHE_SECONDS)
        return user, token


def forget_tokens_of(user_id) -> None:
    """Drop the cached entry of this user's token (there is one per user)."""
    from rest_framework.authtoken.models import Token

    keys = Token.objects.filter(user_id=user_id).values_list("key", flat=True)
    cache.delete_many([_cache_key(key) for key in keys])


def _on_user_change(sender, instance, **kwargs):
    forget_tokens_of(instance.pk)


def _on_token_change(sender, instance, **kwargs):
    cache.delete(_cache_key(instance.key))


def _on_role_change(sender, instance, **kwargs):
    forget_tokens_of(instance.user_id)


def connect() -> None:
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from hive.models import RoleAssignment

    for name, signal in (("save", post_save), ("delete", post_delete)):
        signal.connect(
            _on_user_change, sender=get_user_model(), dispatch_uid=f"hive.token.user.{name}"
        )
        signal.connect(_on_token_change, sender=Token, dispatch_uid=f"hive.token.token.{name}")
        signal.connect(
            _on_role_change, sender=RoleAssignment, dispatch_uid=f"hive.token.role.{name}"
        )
