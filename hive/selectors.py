"""Reused reads of the core."""

from collections.abc import Iterable
from typing import Any

from django.core.cache import cache
from django.core.validators import slug_re
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import Http404

from hive.access.scoping import access_scope
from hive.models import Community, TimelineEntry, User
from hive.ops.page_cache import public_cache_prefix


def timeline_for(obj: Model) -> QuerySet[TimelineEntry]:
    """The transitions of one object, oldest first, with their actors."""
    return TimelineEntry.objects.for_object(obj).select_related("actor", "content_type")


def offices_of(user: User) -> list[Community]:
    """The community offices a user is told to phone: those of the communities they hold
    a role in, when the office has a public number."""
    community_ids = access_scope(user).member_community_ids
    return list(Community.objects.filter(pk__in=community_ids).exclude(phone="").order_by("name"))


# --- The community a public door names -----------------------------------------------
# Every public form and page (reports, wishes, suggestions, solicitations, Open311) reads
# the community named by its code on every request; the row changes a few times a year.
COMMUNITY_CACHE_SECONDS = 300


def _community_key(code: str) -> str:
    return f"{public_cache_prefix()}:community:{code}"


def community_by_code(code: str) -> Community | None:
    """The community (with its street) whose code a public door was given, or None; from
    the cache, forgotten when the community or its street is saved or deleted (and after
    COMMUNITY_CACHE_SECONDS anyway). With the cache down it is read from the database."""
    code = (code or "").strip()
    if len(code) > 40 or not slug_re.match(code):
        return None  # not a slug: no community has it, and it is no cache key either
    key = _community_key(code)
    community: Community | None = cache.get(key)
    if community is None:
        community = Community.objects.select_related("street").filter(code=code).order_by().first()
        if community is not None:
            cache.set(key, community, COMMUNITY_CACHE_SECONDS)
    return community


def community_or_404(code: str) -> Community:
    """community_by_code for a page that names the community in its path."""
    community = community_by_code(code)
    if community is None:
        raise Http404("No community has this code.")
    return community


def forget_communities(codes: Iterable[str]) -> None:
    """Drop the cached communities of these codes, now and when the transaction commits
    (a request reading between the write and the commit must not keep the old row)."""
    keys = [_community_key(code) for code in codes if code]
    if keys:
        cache.delete_many(keys)
        transaction.on_commit(lambda: cache.delete_many(keys))


def _forget_saved_community(sender: type, instance: Any, **kwargs: Any) -> None:
    forget_communities([instance.code])


def _forget_old_code(sender: type, instance: Any, **kwargs: Any) -> None:
    # A community's code changed (rare, in the admin): the old code's key goes too.
    if instance.pk is not None:
        forget_communities(
            Community.objects.filter(pk=instance.pk)
            .exclude(code=instance.code)
            .values_list("code", flat=True)
        )


def _forget_street_communities(sender: type, instance: Any, **kwargs: Any) -> None:
    forget_communities(Community.objects.filter(street=instance).values_list("code", flat=True))


def connect_community_cache() -> None:
    from django.db.models.signals import post_delete, post_save, pre_save

    from hive.models import Street

    uid = "hive.selectors.community_by_code"
    pre_save.connect(_forget_old_code, sender=Community, dispatch_uid=f"{uid}.pre")
    post_save.connect(_forget_saved_community, sender=Community, dispatch_uid=f"{uid}.save")
    post_delete.connect(_forget_saved_community, sender=Community, dispatch_uid=f"{uid}.del")
    # A street with communities cannot be deleted (Community.street is PROTECT): saves only.
    post_save.connect(_forget_street_communities, sender=Street, dispatch_uid=f"{uid}.street")
