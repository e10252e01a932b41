"""Reused reads of micro-wishes."""

from django.db.models import Count, QuerySet

from volunteers.models import MicroWish


def wish_by_code(code: str) -> MicroWish | None:
    """The wish with this tracking code, or None. A malformed code and an unknown one
    get the same answer, so the tracking page tells a guesser nothing."""
    code = (code or "").strip().upper()
    if not code or len(code) > 20:
        return None
    return MicroWish.objects.select_related("community").filter(tracking_code=code).first()


def wall_wishes(community) -> QuerySet[MicroWish]:
    """The public wall of one community: published and claimed wishes, newest first."""
    return (
        MicroWish.objects.on_wall()
        .in_community(community)
        .only("id", "title", "description", "category", "status", "published_at", "created_at")
        .order_by("-published_at", "-id")
    )


def wish_funnel(queryset) -> list[dict]:
    """Counts per status, in workflow order, for the wishes in `queryset`."""
    counts = dict(
        queryset.order_by().values("status").annotate(n=Count("id")).values_list("status", "n")
    )
    return [
        {"status": value, "label": str(label), "count": counts.get(value, 0)}
        for value, label in MicroWish.Status.choices
    ]
