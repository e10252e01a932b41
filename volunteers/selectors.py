"""Reused reads of the volunteers app."""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from hive import periods
from hive.models import Community, User
from volunteers.models import (
    Activity,
    MicroWish,
    PartyMember,
    PointEntry,
    PointsScheme,
    SignUp,
    StarRating,
    normalise_tracking_code,
)


def wish_by_code(code: str) -> MicroWish | None:
    """The wish with this tracking code, or None. A malformed code and an unknown one
    get the same answer, so the tracking page tells a guesser nothing."""
    code = normalise_tracking_code(code)
    if not code or len(code) > 20:
        return None
    return MicroWish.objects.select_related("community").filter(tracking_code=code).first()


def wall_wishes(community: Community | int) -> QuerySet[MicroWish]:
    """The public wall of one community: published and claimed wishes, newest first."""
    wishes: QuerySet[MicroWish] = (
        MicroWish.objects.on_wall()
        .in_community(community)
        .only("id", "title", "description", "category", "status", "published_at", "created_at")
        .order_by("-published_at", "-id")
    )
    return wishes


def wish_funnel(queryset: QuerySet[MicroWish]) -> list[dict[str, Any]]:
    """Counts per status, in workflow order, for the wishes in `queryset`."""
    counts = dict(
        queryset.order_by().values("status").annotate(n=Count("id")).values_list("status", "n")
    )
    return [
        {"status": value, "label": str(label), "count": counts.get(value, 0)}
        for value, label in MicroWish.Status.choices
    ]


# --- Activities, points, ratings ---------------------------------------------------------


def service_hours(user: User, community: Community | None = None) -> Decimal:
    """Service hours the user earned at activities (in one community, or all)."""
    signups = SignUp.objects.filter(user=user, attended=True)
    if community is not None:
        signups = signups.filter(activity__community=community)
    total: Decimal | None = signups.aggregate(total=Sum("hours"))["total"]
    return total or Decimal("0")


def unit_activity_record(unit_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Per resident unit: the completed activities it co-organised, their attendees and
    service hours (the joint activities that count toward the unit's record)."""
    activities = (
        Activity.units.through.objects.filter(
            residentunit_id__in=unit_ids, activity__status=Activity.Status.COMPLETED
        )
        .values("residentunit_id")
        .annotate(n=Count("activity_id", distinct=True))
    )
    record = {
        row["residentunit_id"]: {"activities": row["n"], "attendees": 0, "hours": Decimal("0")}
        for row in activities
    }
    attendance = (
        SignUp.objects.filter(
            attended=True,
            activity__status=Activity.Status.COMPLETED,
            activity__units__in=unit_ids,
        )
        .values("activity__units")
        .annotate(n=Count("id"), hours=Sum("hours"))
    )
    for row in attendance:
        entry = record.setdefault(
            row["activity__units"], {"activities": 0, "attendees": 0, "hours": Decimal("0")}
        )
        entry["attendees"] = row["n"]
        entry["hours"] = row["hours"] or Decimal("0")
    return record


def member_current_score(member: PartyMember, day: date | None = None) -> dict[str, Any]:
    """The member's live score in the current period: initial + the period's entries."""
    from volunteers.services.points import period_range

    scheme = PointsScheme.for_community(member.community_id)
    start, end, start_at, end_at = period_range(scheme, day or timezone.localdate())
    total = (
        PointEntry.objects.filter(
            member=member, awarded_at__gte=start_at, awarded_at__lt=end_at
        ).aggregate(total=Sum("points"))["total"]
        or 0
    )
    score = scheme.initial_score + total
    return {
        "score": score,
        "stars": scheme.stars_for(score),
        "period_label": periods.code(scheme.period, start),
        "period_start": start,
        "period_end": end,
        "scheme": scheme,
    }


def latest_ratings(community_id: int) -> QuerySet[StarRating]:
    """The ratings of the most recent period computed for the community, best first."""
    latest = (
        StarRating.objects.filter(community_id=community_id)
        .order_by("-period_start")
        .values_list("period_start", flat=True)
        .first()
    )
    if latest is None:
        return StarRating.objects.none()
    return (
        StarRating.objects.filter(community_id=community_id, period_start=latest)
        .select_related("member__user", "member__registered_unit")
        .order_by("-score", "member_id")
    )
