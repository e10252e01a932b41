"""Who is asking, remembered for a few minutes: the API token's owner, and the user of a
login session, each with their access scope attached (see hive.scoping.access_scope).
On the busiest API lists the token lookup and the access-scope query were two of the
three queries of a request; on every portal page the user and role queries were two of
the four that come before the page's own.

The entries are dropped whenever the user, their token or one of their role assignments
is saved or deleted, so a deactivated user, a changed password or a withdrawn role takes
effect at once. (A QuerySet.update() bypasses the signals; an entry then lives at most
TOKEN_CACHE_SECONDS.) When the cache (Redis) is down, every cache call answers as a miss
(hive.env.redis_cache_config) and users come from the database.
"""

import hashlib

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db import transaction
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


def _user_key(user_id) -> str:
    return f"hive:user:{user_id}"


def cached_user(user_id):
    """The user with this id and their access scope, from the cache or the database
    (None when there is no such user)."""
    key = _user_key(user_id)
    user = cache.get(key)
    if user is not None:
        return user
    user = get_user_model()._default_manager.filter(pk=user_id).first()
    if user is None:
        return None
    access_scope(user)  # attached to the user object, cached with it
    cache.set(key, user, TOKEN_CACHE_SECONDS)
    return user


def _remember_logged_in_user(sender, request, user, **kwargs):
    """Cache what every page reads about the person as they log in (the user freshly
    read, after the login's own save of last_login, and the bell's unread count), so that
    their first page and every later one read the same way."""
    from hive.notifications import unread_count

    _forget([_user_key(user.pk)])
    cached = cached_user(user.pk)
    if cached is not None:
        unread_count(cached)


class CachedModelBackend(ModelBackend):
    """Django's ModelBackend; the logged-in user of each request comes from cached_user."""

    def get_user(self, user_id):
        user = cached_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


def _forget(keys: list[str]) -> None:
    """Drop cache entries now and again after the transaction commits: a request between
    the two reads the rows from before the commit and may have cached them."""

    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


def forget_tokens_of(user_id) -> None:
    """Drop the cached entries of this user and of their token (there is one per user)."""
    from rest_framework.authtoken.models import Token

    keys = Token.objects.filter(user_id=user_id).values_list("key", flat=True)
    _forget([_user_key(user_id), *(_cache_key(key) for key in keys)])


def _on_user_change(sender, instance, **kwargs):
    forget_tokens_of(instance.pk)


def _on_token_change(sender, instance, **kwargs):
    _forget([_cache_key(instance.key)])


def _on_role_change(sender, instance, **kwargs):
    forget_tokens_of(instance.user_id)


def connect() -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.signals import user_logged_in
    from rest_framework.authtoken.models import Token

    user_logged_in.connect(_remember_logged_in_user, dispatch_uid="hive.user_cache.login")

    from hive.models import RoleAssignment

    for name, signal in (("save", post_save), ("delete", post_delete)):
        signal.connect(
            _on_user_change, sender=get_user_model(), dispatch_uid=f"hive.token.user.{name}"
        )
        signal.connect(_on_token_change, sender=Token, dispatch_uid=f"hive.token.token.{name}")
        signal.connect(
            _on_role_change, sender=RoleAssignment, dispatch_uid=f"hive.token.role.{name}"
        )
