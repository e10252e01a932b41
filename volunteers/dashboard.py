"""The volunteers' part of the staff dashboard: micro-wishes, party members' points and
stars, volunteer service (hive.dashboard)."""

import statistics
from decimal import Decimal

from django.db import connection
from django.db.models import Aggregate, Count, F, FloatField, Func, OuterRef, Q, Subquery, Sum
from django.utils.translation import gettext_lazy as _

from hive import dashboard
from hive.dashboard import Chart, Metric, Section, changelist_url, chart
from volunteers.models import Activity, MicroWish, PointEntry, SignUp, StarRating

STAGES = ("published", "claimed", "fulfilled", "confirmed")


class _MedianDays(Aggregate):
    """PostgreSQL: the median of (end − start) in days, computed in the database."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, end: str, start: str, **extra):
        days = Func(
            F(end),
            F(start),
            template="EXTRACT(EPOCH FROM (%(expressions)s)) / 86400.0",
            arg_joiner=" - ",
            output_field=FloatField(),
        )
        super().__init__(days, **extra)


def figures(community_ids, period, now):
    out = {
        cid: {
            "wishes": {
                "submitted": 0,
                **dict.fromkeys(STAGES, 0),
                "rejected": 0,
                "withdrawn": 0,
                "median_days": None,
            },
            "stars": {"period_label": None, "by_stars": {}},
            "points": 0,
            "service": {"hours": Decimal("0"), "attendances": 0, "activities": 0},
        }
        for cid in community_ids
    }
    # Micro-wishes: how far the period's wishes got, and the median days to fulfil.
    wishes = period.since(MicroWish.objects.filter(community_id__in=community_ids), "created_at")
    status = MicroWish.Status
    funnel = {
        "submitted": Count("id"),
        **{stage: Count("id", filter=Q(**{f"{stage}_at__isnull": False})) for stage in STAGES},
        "rejected": Count("id", filter=Q(status=status.REJECTED)),
        "withdrawn": Count("id", filter=Q(status=status.WITHDRAWN)),
    }
    in_database = connection.vendor == "postgresql"
    if in_database:
        funnel["median_days"] = _MedianDays(
            "fulfilled_at", "created_at", filter=Q(fulfilled_at__isnull=False)
        )
    for row in wishes.order_by().values("community_id").annotate(**funnel):
        cid = row.pop("community_id")
        if row.get("median_days") is not None:
            row["median_days"] = round(row["median_days"], 1)
        out[cid]["wishes"].update(row)
    if not in_database:
        # SQLite (the embedded mode) has no percentile function: one query of durations.
        durations: dict[int, list[float]] = {}
        for cid, created_at, fulfilled_at in wishes.filter(fulfilled_at__isnull=False).values_list(
            "community_id", "created_at", "fulfilled_at"
        ):
            days = (fulfilled_at - created_at).total_seconds() / 86400
            durations.setdefault(cid, []).append(days)
        for cid, values in durations.items():
            out[cid]["wishes"]["median_days"] = round(statistics.median(values), 1)

    # Points in the period, and the stars of each community's latest rated period.
    points = period.since(PointEntry.objects.filter(community_id__in=community_ids), "awarded_at")
    for row in points.order_by().values("community_id").annotate(total=Sum("points")):
        out[row["community_id"]]["points"] = row["total"] or 0
    latest_period = (
        StarRating.objects.filter(community_id=OuterRef("community_id"))
        .order_by("-period_start")
        .values("period_start")[:1]
    )
    stars = (
        StarRating.objects.filter(community_id__in=community_ids)
        .filter(period_start=Subquery(latest_period))
        .order_by()
        .values("community_id", "period_label", "stars")
        .annotate(n=Count("id"))
    )
    for row in stars:
        counts = out[row["community_id"]]["stars"]
        counts["period_label"] = row["period_label"]
        counts["by_stars"][row["stars"]] = row["n"]

    # Volunteer service: hours of the activities held in the period.
    signups = period.since(
        SignUp.objects.filter(
            activity__community_id__in=community_ids,
            activity__status=Activity.Status.COMPLETED,
            attended=True,
        ),
        "activity__starts_at",
    )
    service = signups.order_by().values("activity__community_id")
    for row in service.annotate(
        hours=Sum("hours"), attendances=Count("id"), activities=Count("activity_id", distinct=True)
    ):
        out[row["activity__community_id"]]["service"] = {
            "hours": row["hours"] or Decimal("0"),
            "attendances": row["attendances"],
            "activities": row["activities"],
        }
    return out


def sections(page):
    period = page.period

    def wishes(cid, **params):
        return changelist_url("volunteers_microwish", cid, **period.params("created_at"), **params)

    status = MicroWish.Status
    wish_metrics = [
        Metric(
            "wishes-submitted", _("Wishes received"), lambda f: f["wishes"]["submitted"], wishes
        ),
        *[
            Metric(
                f"wishes-{stage}",
                label,
                lambda f, stage=stage: f["wishes"][stage],
                lambda cid, stage=stage: wishes(cid, **{f"{stage}_at__isnull": "0"}),
            )
            for stage, label in zip(
                STAGES,
                [
                    _("of which published"),
                    _("of which claimed by a party member"),
                    _("of which fulfilled"),
                    _("of which confirmed by the resident"),
                ],
                strict=True,
            )
        ],
        *[
            Metric(
                f"wishes-{value}",
                value.label,
                lambda f, value=value: f["wishes"][value],
                lambda cid, value=value: wishes(cid, status__exact=value),
            )
            for value in (status.REJECTED, status.WITHDRAWN)
        ],
        Metric(
            "wishes-median",
            _("Median days to fulfil"),
            lambda f: f["wishes"]["median_days"],
            lambda cid: wishes(cid, fulfilled_at__isnull="0"),
            total=None,
        ),
    ]

    figures = {community.pk: f for community, f in page.columns}
    labels = {f["stars"]["period_label"] for f in figures.values()}

    def stars_url(cid, stars, label=None):
        if label is None and cid is not None:
            label = figures[cid]["stars"]["period_label"]
        if label is None:
            return None
        return changelist_url(
            "volunteers_starrating", cid, period_label__exact=label, stars__exact=stars
        )

    def stars_total(stars):
        def total(all_figures):
            if len(labels) != 1 or None in labels:
                return None, None
            value = sum(f["stars"]["by_stars"].get(stars, 0) for f in all_figures)
            return value, stars_url(None, stars, next(iter(labels)))

        return total

    points_metrics = [
        Metric(
            "points",
            _("Points awarded in the period"),
            lambda f: f["points"],
            lambda cid: changelist_url("volunteers_pointentry", cid, **period.params("awarded_at")),
        ),
        Metric(
            "stars-period",
            _("Latest rated period"),
            lambda f: f["stars"]["period_label"],
            lambda cid: changelist_url("volunteers_starrating", cid),
            total=None,
        ),
        *[
            Metric(
                f"stars-{n}",
                "★" * n,
                lambda f, n=n: f["stars"]["by_stars"].get(n, 0),
                lambda cid, n=n: stars_url(cid, n),
                total=stars_total(n),
            )
            for n in range(1, 6)
        ],
    ]

    def activities(cid):
        return changelist_url(
            "volunteers_activity",
            cid,
            status__exact=Activity.Status.COMPLETED,
            **period.params("starts_at"),
        )

    service_metrics = [
        Metric("hours", _("Volunteer service hours"), lambda f: f["service"]["hours"], activities),
        Metric("attendances", _("Attendances"), lambda f: f["service"]["attendances"], activities),
        Metric(
            "activities", _("Activities held"), lambda f: f["service"]["activities"], activities
        ),
    ]
    return [
        Section(40, "wishes", _("Micro-wishes"), wish_metrics),
        Section(60, "points", _("Party-member points and stars"), points_metrics),
        Section(70, "service", _("Volunteer service"), service_metrics),
    ]


def charts(page):
    funnel = [f"wishes-{stage}" for stage in ("submitted", *STAGES)]
    stars = [f"stars-{n}" for n in range(1, 6)]
    return [
        Chart(40, "wishes", _("Micro-wish funnel"), chart(page, "wishes", funnel)),
        Chart(
            60, "stars", _("Star distribution (latest rated period)"), chart(page, "points", stars)
        ),
    ]


dashboard.register(
    dashboard.Part(
        name="volunteers",
        figures=figures,
        sections=sections,
        charts=charts,
        models=(
            "volunteers.MicroWish",
            "volunteers.PointEntry",
            "volunteers.StarRating",
            "volunteers.Activity",
        ),
    )
)
