"""Who is asking, remembered for a few minutes: the API token's owner, and the user of a
login session, each with their access scope attached (see hive.access.scoping.access_scope).
On the busiest API lists the token lookup and the access-scope query were two of the
three queries of a request; on every portal page the user and role queries were two of
the four that come before the page's own.

The entries are dropped whenever the user, their token or one of their role assignments
is saved or deleted, so a deactivated user, a changed password or a withdrawn role takes
effect at once. (A QuerySet.update() bypasses the signals; an entry then lives at most
TOKEN_CACHE_SECONDS.) When the cache (Redis) is down, every cache call answers as a miss
(config.env.redis_cache_config) and users come from the database.
"""

import hashlib
import secrets
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from hive.access.scoping import access_scope

if TYPE_CHECKING:
    from django.http import HttpRequest

    from hive.models import ApiToken, RoleAssignment, User

TOKEN_CACHE_SECONDS = 300


def token_digest(key: str) -> str:
    """What ApiToken stores of a key: its SHA-256, in hex."""
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()


def new_token_key() -> str:
    """256 random bits, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


def _cache_key(digest: str) -> str:
    return "hive:token:" + digest[:40]


class CachedTokenAuthentication(TokenAuthentication):
    """DRF's "Authorization: Token <key>" header, checked against hive.models.ApiToken
    (hashed keys, a lifetime, the second factor) and remembered for a few minutes."""

    def authenticate_credentials(self, key: str) -> "tuple[User, ApiToken]":
        from hive.access.two_factor import lacks_second_factor
        from hive.models import ApiToken

        digest = token_digest(key)
        cache_key = _cache_key(digest)
        cached: tuple[User, ApiToken] | None = cache.get(cache_key)
        if cached is None:
            token = ApiToken.objects.select_related("user").filter(digest=digest).first()
            if token is None:
                raise exceptions.AuthenticationFailed(_("Invalid token."))
            user = token.user
            access_scope(user)  # attached to the user object, cached with it
            token.user = user
            cached = (user, token)
            cache.set(cache_key, cached, TOKEN_CACHE_SECONDS)
        user, token = cached
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        if token.expires_at <= timezone.now():
            raise exceptions.AuthenticationFailed(
                _("This token has expired. Ask for a new one at /api/auth/token/.")
            )
        if lacks_second_factor(user, verified=token.second_factor):
            raise exceptions.AuthenticationFailed(
                _(
                    "Staff need a token issued with the second factor: ask for a new one "
                    "at /api/auth/token/ with the current code of your authenticator app."
                )
            )
        return user, token


def _user_key(user_id: object) -> str:
    return f"hive:user:{user_id}"


def cached_user(user_id: object) -> "User | None":
    """The user with this id and their access scope, from the cache or the database
    (None when there is no such user)."""
    key = _user_key(user_id)
    user: User | None = cache.get(key)
    if user is not None:
        return user
    user = get_user_model()._default_manager.filter(pk=user_id).first()
    if user is None:
        return None
    access_scope(user)  # attached to the user object, cached with it
    cache.set(key, user, TOKEN_CACHE_SECONDS)
    return user


def _remember_logged_in_user(
    sender: type[Model], request: "HttpRequest", user: "User", **kwargs: Any
) -> None:
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

    def get_user(self, user_id: Any) -> "User | None":
        user = cached_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


def _forget(keys: list[str]) -> None:
    """Drop cache entries now and again after the transaction commits: a request between
    the two reads the rows from before the commit and may have cached them."""

    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


def forget_tokens_of(user_id: int) -> None:
    """Drop the cached entries of this user and of their tokens."""
    from hive.models import ApiToken

    digests = ApiToken.objects.filter(user_id=user_id).values_list("digest", flat=True)
    _forget([_user_key(user_id), *(_cache_key(digest) for digest in digests)])


def _on_user_change(sender: type[Model], instance: "User", **kwargs: Any) -> None:
    forget_tokens_of(instance.pk)


def _on_token_change(sender: type[Model], instance: "ApiToken", **kwargs: Any) -> None:
    _forget([_cache_key(instance.digest)])


def _on_role_change(sender: type[Model], instance: "RoleAssignment", **kwargs: Any) -> None:
    forget_tokens_of(instance.user_id)


def connect() -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.signals import user_logged_in

    from hive.models import ApiToken, RoleAssignment

    user_logged_in.connect(_remember_logged_in_user, dispatch_uid="hive.user_cache.login")

    for name, signal in (("save", post_save), ("delete", post_delete)):
        signal.connect(
            _on_user_change, sender=get_user_model(), dispatch_uid=f"hive.token.user.{name}"
        )
        signal.connect(_on_token_change, sender=ApiToken, dispatch_uid=f"hive.token.token.{name}")
        signal.connect(
            _on_role_change, sender=RoleAssignment, dispatch_uid=f"hive.token.role.{name}"
        )
