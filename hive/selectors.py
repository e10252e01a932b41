"""Reused reads of the core."""

from django.db.models import Model, QuerySet

from hive.access.scoping import access_scope
from hive.models import Community, TimelineEntry, User


def timeline_for(obj: Model) -> QuerySet[TimelineEntry]:
    """The transitions of one object, oldest first, with their actors."""
    return TimelineEntry.objects.for_object(obj).select_related("actor", "content_type")


def offices_of(user: User) -> list[Community]:
    """The community offices a user is told to phone: those of the communities they hold
    a role in, when the office has a public number."""
    community_ids = access_scope(user).member_community_ids
    return list(Community.objects.filter(pk__in=community_ids).exclude(phone="").order_by("name"))
