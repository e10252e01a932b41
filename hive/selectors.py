"""Reused reads of the core."""

from django.db.models import Model, QuerySet

from hive.models import TimelineEntry


def timeline_for(obj: Model) -> QuerySet[TimelineEntry]:
    """The transitions of one object, oldest first, with their actors."""
    return TimelineEntry.objects.for_object(obj).select_related("actor", "content_type")
