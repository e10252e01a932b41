"""The staff dashboard: one page of figures per community, side by side for a street.

Figures are aggregated per community with a fixed set of GROUP BY queries (one per kind of
figure, every community at once), so the page costs the same number of queries whatever
the number of rows. The result of one community and period is cached (Redis in
production) under a per-community version key; a write to a row the dashboard counts
bumps the version (see `connect_invalidation`), and a short lifetime covers what no
signal sees: bulk writes and the clock (an incident becomes overdue without a write).

Every figure comes with the admin changelist URL whose rows it counts, filtered with the
query-string parameters that changelist accepts.
"""

import datetime
import logging
import statistics
import uuid
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Aggregate, Count, F, FloatField, Func, OuterRef, Q, Subquery, Sum
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hive.models import Community

logger = logging.getLogger(__name__)

# Longer than the periodic warm-up's interval (hive.warm_dashboard every 5 minutes), so
# while the workers run, visitors never meet an expired entry.
CACHE_SECONDS = 900
TREND_MONTHS = 12
TOP_GRIDS = 10

PERIODS = {
    "month": _("This month"),
    "quarter": _("This quarter"),
    "year": _("This year"),
    "all": _("All time"),
}
DEFAULT_PERIOD = "year"


# --- Who, which communities, which period -------------------------------------------------


def dashboard_communities(user):
    """The communities the user runs: a staff member's own, a street's every community."""
    return Community.objects.managed_by(user).select_related("street").order_by("street", "name")


@dataclass(frozen=True)
class Period:
    key: str
    start: datetime.date | None  # None: all time

    @property
    def start_at(self) -> datetime.datetime | None:
        return _local_midnight(self.start) if self.start else None

    @property
    def label(self):
        return PERIODS[self.key]


def period_for(key: str | None, today: datetime.date | None = None) -> Period:
    """The calendar period so far that `key` names (this month, quarter, year; or all)."""
    key = key if key in PERIODS else DEFAULT_PERIOD
    today = today or timezone.localdate()
    if key == "month":
        return Period(key, today.replace(day=1))
    if key == "quarter":
        return Period(key, today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1))
    if key == "year":
        return Period(key, today.replace(month=1, day=1))
    return Period(key, None)


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _month_starts(today: datetime.date, count: int) -> list[datetime.date]:
    year, month = today.year, today.month
    months = []
    for _i in range(count):
        months.append(datetime.date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months[::-1]


def _next_month(day: datetime.date) -> datetime.date:
    return datetime.date(day.year + day.month // 12, day.month % 12 + 1, 1)


# --- Cache and invalidation ----------------------------------------------------------------
# A cache outage costs speed only: every call then answers as a miss
# (config.env.redis_cache_config) and the figures are computed from the database.


def _version_key(community_id: int) -> str:
    return f"dashboard:version:{community_id}"


def dashboard_invalidate(*, community_id: int) -> None:
    """Forget the cached figures of a community: a new version makes old entries unused.

    Bumped now (this request's own next read sees fresh figures) and again after commit,
    so a dashboard computed by another request between the write and its commit is not
    kept under the new version."""

    def bump():
        cache.set(_version_key(community_id), uuid.uuid4().hex, None)

    bump()
    transaction.on_commit(bump)
    transaction.on_commit(lambda: _schedule_warm(community_id))


WARM_DELAY_SECONDS = 10


def _warm_flag(community_id: int) -> str:
    return f"dashboard:warm-pending:{community_id}"


def _schedule_warm(community_id: int) -> None:
    """After a write, a worker recomputes the community's figures so that the next
    visitor reads them from the cache instead of waiting for the aggregates. A burst of
    writes sends one task (the flag is cleared when the task starts). Not in eager mode
    (`make run`): there the next visitor computes them, once."""
    from django.conf import settings

    from hive.tasks import warm_dashboard

    if settings.CELERY_TASK_ALWAYS_EAGER:
        return
    if not cache.add(_warm_flag(community_id), 1, 60):
        return
    try:  # already after commit (see dashboard_invalidate)
        warm_dashboard.apply_async(
            kwargs={"community_ids": [community_id]}, countdown=WARM_DELAY_SECONDS
        )
    except Exception:
        # Broker down: the write stands; the periodic warm-up or a visitor recomputes.
        logger.warning("dashboard warm-up not sent", exc_info=True)
        cache.delete(_warm_flag(community_id))


def _figure_keys(community_ids, period: "Period", today) -> dict[int, str]:
    versions = cache.get_many([_version_key(cid) for cid in community_ids])
    return {
        cid: "dashboard:{}:{}:{}:{}:{}".format(
            cid, versions.get(_version_key(cid), "0"), period.key, period.start, today
        )
        for cid in community_ids
    }


def dashboard_warm(*, community_ids: list[int] | None = None, now=None) -> int:
    """Compute and cache every period's figures for these communities (all when None):
    after writes (see `_schedule_warm`) and every few minutes (the clock makes incidents
    overdue without a write), so visitors read the cache. Returns the entries stored."""
    for community_id in community_ids or ():
        cache.delete(_warm_flag(community_id))
    now = now or timezone.now()
    today = timezone.localdate(now)
    ids = list(community_ids or Community.objects.values_list("pk", flat=True))
    stored = 0
    for key in PERIODS:
        period = period_for(key, today)
        # The version is read before computing: a write meanwhile makes a new version,
        # and what is stored here under the old one is simply never read.
        keys = _figure_keys(ids, period, today)
        computed = compute_figures(community_ids=ids, period=period, now=now)
        cache.set_many({keys[cid]: computed[cid] for cid in ids}, CACHE_SECONDS)
        stored += len(ids)
    return stored


# model label → how a saved row names its community. Only rows that carry the community
# themselves: looking it up through a relation would cost a query per saved row. Children
# (agreements, sign-ups, unit results) are saved with a parent that is listed here (the
# case's transition, the activity's attendance, the round's results_computed_at), and the
# star ratings' one-statement upsert calls dashboard_invalidate itself.
_COMMUNITY_OF = {
    "grids.Grid": lambda row: row.community_id,
    "grids.Incident": lambda row: row.community_id,
    "disputes.DisputeCase": lambda row: row.community_id,
    "volunteers.MicroWish": lambda row: row.community_id,
    "volunteers.PointEntry": lambda row: row.community_id,
    "volunteers.StarRating": lambda row: row.community_id,
    "volunteers.Activity": lambda row: row.community_id,
    "partycommittee.Project": lambda row: row.community_id,
    "partycommittee.Responsibility": lambda row: row.community_id,
    "partycommittee.EvaluationRound": lambda row: row.community_id,
}


def _invalidate_for(sender, instance, **kwargs):
    label = f"{sender._meta.app_label}.{sender.__name__}"
    community_id = _COMMUNITY_OF[label](instance)
    if community_id:
        dashboard_invalidate(community_id=community_id)


def connect_invalidation() -> None:
    """Called from HiveConfig.ready: every write the dashboard counts bumps the version."""
    from django.db.models.signals import post_delete, post_save

    for label in _COMMUNITY_OF:
        post_save.connect(_invalidate_for, sender=label, dispatch_uid=f"dashboard-save-{label}")
        post_delete.connect(_invalidate_for, sender=label, dispatch_uid=f"dashboard-del-{label}")


def dashboard_figures(*, community_ids: list[int], period: Period, now=None) -> dict[int, dict]:
    """The figures of each community for the period, from the cache where it has them;
    the missing communities are computed together (the same queries for one or many)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    keys = _figure_keys(community_ids, period, today)
    cached = cache.get_many(list(keys.values()))
    figures = {cid: cached[key] for cid, key in keys.items() if key in cached}
    missing = [cid for cid in community_ids if cid not in figures]
    if missing:
        computed = compute_figures(community_ids=missing, period=period, now=now)
        figures.update(computed)
        cache.set_many({keys[cid]: computed[cid] for cid in missing}, CACHE_SECONDS)
    return figures


# --- The aggregates ------------------------------------------------------------------------


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


def _empty() -> dict:
    return {
        "incidents": {
            "total": 0,
            "by_category": {},
            "by_status": {},
            "by_grid": [],
            "overdue": 0,
            "late_by_month": {},
        },
        "cases": {"received": 0, "agreements": 0, "failed": 0, "success_rate": None},
        "wishes": {
            "submitted": 0,
            "published": 0,
            "claimed": 0,
            "fulfilled": 0,
            "confirmed": 0,
            "rejected": 0,
            "withdrawn": 0,
            "median_days": None,
        },
        "projects": {},
        "responsibilities_overdue": 0,
        "evaluation": None,
        "stars": {"period_label": None, "by_stars": {}},
        "points": 0,
        "service": {"hours": Decimal("0"), "attendances": 0, "activities": 0},
    }


def _since(queryset, field: str, period: Period):
    return queryset.filter(**{f"{field}__gte": period.start_at}) if period.start else queryset


def _month_key(value) -> str:
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{value:%Y-%m}"


def compute_figures(*, community_ids: list[int], period: Period, now=None) -> dict[int, dict]:
    """Every figure of the dashboard for these communities, from the database."""
    from disputes.models import DisputeCase
    from disputes.selectors import case_totals_by_community
    from grids.models import Grid, Incident
    from grids.selectors import late_q, overdue_q
    from partycommittee.evaluations.models import EvaluationRound, UnitResult
    from partycommittee.models import Project, Responsibility
    from volunteers.models import Activity, MicroWish, PointEntry, SignUp, StarRating

    now = now or timezone.now()
    today = timezone.localdate(now)
    out = {cid: _empty() for cid in community_ids}

    # Six-small incidents: one GROUP BY gives the total, categories, statuses and grids.
    # COUNT(*), not COUNT(id): the id is not in the covering index (index-only scans).
    incidents = Incident.objects.filter(community_id__in=community_ids).order_by()
    grid_counts: dict[int, dict[int, int]] = {cid: {} for cid in community_ids}
    rows = (
        _since(incidents, "created_at", period)
        .values("community_id", "grid_id", "category", "status")
        .annotate(n=Count("*"))
    )
    for row in rows:
        figures = out[row["community_id"]]["incidents"]
        n = row["n"]
        figures["total"] += n
        by_category, by_status = figures["by_category"], figures["by_status"]
        by_category[row["category"]] = by_category.get(row["category"], 0) + n
        by_status[row["status"]] = by_status.get(row["status"], 0) + n
        grids = grid_counts[row["community_id"]]
        grids[row["grid_id"]] = grids.get(row["grid_id"], 0) + n
    for row in incidents.filter(overdue_q(now)).values("community_id").annotate(n=Count("*")):
        out[row["community_id"]]["incidents"]["overdue"] = row["n"]
    first_month = _month_starts(today, TREND_MONTHS)[0]
    late = (
        incidents.filter(late_q(now), created_at__gte=_local_midnight(first_month))
        .annotate(month=TruncMonth("created_at"))
        .values("community_id", "month")
        .annotate(n=Count("*"))
    )
    for row in late:
        out[row["community_id"]]["incidents"]["late_by_month"][_month_key(row["month"])] = row["n"]
    wanted = {gid for grids in grid_counts.values() for gid in grids}
    grid_names = {
        pk: f"{code} {name}"
        for pk, code, name in Grid.objects.filter(pk__in=wanted).values_list("pk", "code", "name")
    }
    for cid, grids in grid_counts.items():
        ranked = sorted(grids.items(), key=lambda item: (-item[1], grid_names.get(item[0], "")))
        out[cid]["incidents"]["by_grid"] = [
            (gid, grid_names.get(gid, str(gid)), n) for gid, n in ranked[:TOP_GRIDS]
        ]

    # Mediation: the disputes app's own definitions.
    cases = _since(
        DisputeCase.objects.filter(community_id__in=community_ids), "registered_at", period
    )
    for cid, totals in case_totals_by_community(cases).items():
        out[cid]["cases"] = totals

    # Micro-wishes: how far the period's wishes got, and the median days to fulfil.
    wishes = _since(MicroWish.objects.filter(community_id__in=community_ids), "created_at", period)
    status = MicroWish.Status
    funnel = {
        "submitted": Count("id"),
        "published": Count("id", filter=Q(published_at__isnull=False)),
        "claimed": Count("id", filter=Q(claimed_at__isnull=False)),
        "fulfilled": Count("id", filter=Q(fulfilled_at__isnull=False)),
        "confirmed": Count("id", filter=Q(confirmed_at__isnull=False)),
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

    # Four lists: every project by its current step, responsibilities past their deadline.
    projects = Project.objects.filter(community_id__in=community_ids).order_by()
    for row in projects.values("community_id", "status").annotate(n=Count("id")):
        out[row["community_id"]]["projects"][row["status"]] = row["n"]
    overdue = Responsibility.objects.filter(community_id__in=community_ids).overdue(today)
    for row in overdue.order_by().values("community_id").annotate(n=Count("id")):
        out[row["community_id"]]["responsibilities_overdue"] = row["n"]

    # Three-double: the latest round with computed results, and its three best units.
    latest_round = (
        EvaluationRound.objects.filter(
            community_id=OuterRef("community_id"), results_computed_at__isnull=False
        )
        .order_by("-period_start", "-id")
        .values("id")[:1]
    )
    rounds = list(
        EvaluationRound.objects.filter(community_id__in=community_ids)
        .filter(id=Subquery(latest_round))
        .select_related("community_result")
    )
    top = {}
    for result in (
        UnitResult.objects.filter(round__in=[r.pk for r in rounds], rank__isnull=False)
        .select_related("unit")
        .order_by("round_id", "rank", "unit__name")
    ):
        units = top.setdefault(result.round_id, [])
        if len(units) < 3:
            units.append({"name": result.unit.name, "rank": result.rank, "score": result.score})
    for evaluation_round in rounds:
        community_result = getattr(evaluation_round, "community_result", None)
        out[evaluation_round.community_id]["evaluation"] = {
            "round": evaluation_round.pk,
            "label": evaluation_round.period_label,
            "status": evaluation_round.status,
            "score": community_result.score if community_result else None,
            "unit_mean_score": community_result.unit_mean_score if community_result else None,
            "change": community_result.change if community_result else None,
            "top_units": top.get(evaluation_round.pk, []),
        }

    # Points in the period, and the stars of each community's latest rated period.
    points = _since(PointEntry.objects.filter(community_id__in=community_ids), "awarded_at", period)
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
        figures = out[row["community_id"]]["stars"]
        figures["period_label"] = row["period_label"]
        figures["by_stars"][row["stars"]] = row["n"]

    # Volunteer service: hours of the activities held in the period.
    signups = _since(
        SignUp.objects.filter(
            activity__community_id__in=community_ids,
            activity__status=Activity.Status.COMPLETED,
            attended=True,
        ),
        "activity__starts_at",
        period,
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


# --- Links to the lists behind the figures --------------------------------------------------


def changelist_url(name: str, community_id: int | None, **params) -> str:
    """The admin changelist `name` filtered by `params` (and the community, when one)."""
    query = {}
    if community_id is not None:
        query["community__id__exact"] = community_id
    query.update({key: value for key, value in params.items() if value is not None})
    url = reverse(f"admin:{name}_changelist")
    return f"{url}?{urlencode(query)}" if query else url


def _period_params(field: str, period: Period) -> dict:
    return {f"{field}__date__gte": period.start.isoformat()} if period.start else {}


# --- The page: rows of figures, one column per community ------------------------------------


@dataclass
class Cell:
    value: object
    url: str | None


@dataclass
class Row:
    key: str
    label: object
    cells: list[Cell]


@dataclass
class Metric:
    key: str
    label: object
    value: object  # figures -> value
    url: object  # community id or None -> url
    total: object = "sum"  # "sum", None (no total), or list of figures -> value


def _sum_total(values):
    return sum(value or 0 for value in values)


def _rows(metrics: list[Metric], columns: list[tuple], with_total: bool) -> list[Row]:
    rows = []
    for metric in metrics:
        cells = [Cell(metric.value(figures), metric.url(c.pk)) for c, figures in columns]
        if with_total:
            if metric.total == "sum":
                cells.append(Cell(_sum_total(cell.value for cell in cells), metric.url(None)))
            elif metric.total is None:
                cells.append(Cell(None, None))
            else:
                value, url = metric.total([figures for _c, figures in columns])
                cells.append(Cell(value, url))
        rows.append(Row(metric.key, metric.label, cells))
    return rows


def _success_rate(agreements: int, failed: int):
    concluded = agreements + failed
    return round(100.0 * agreements / concluded, 1) if concluded else None


def dashboard_page(*, user, period: Period, communities: list[Community], now=None) -> dict:
    """Everything the dashboard template shows: sections of rows (one cell per community,
    plus a total for a street), per-community blocks, and the chart data."""
    from grids.models import Category, Incident
    from partycommittee.models import Project, Responsibility
    from volunteers.models import Activity, MicroWish

    now = now or timezone.now()
    today = timezone.localdate(now)
    figures = dashboard_figures(community_ids=[c.pk for c in communities], period=period, now=now)
    columns = [(community, figures[community.pk]) for community in communities]
    with_total = len(columns) > 1

    def incidents(cid, **params):
        return changelist_url(
            "grids_incident", cid, **_period_params("created_at", period), **params
        )

    months = _month_starts(today, TREND_MONTHS)
    incident_metrics = [
        Metric(
            "incidents", _("Reported in the period"), lambda f: f["incidents"]["total"], incidents
        ),
        *[
            Metric(
                f"category-{value}",
                label,
                lambda f, value=value: f["incidents"]["by_category"].get(value, 0),
                lambda cid, value=value: incidents(cid, category__exact=value),
            )
            for value, label in Category.choices
        ],
        Metric(
            "overdue",
            _("Overdue now (open past the deadline, any period)"),
            lambda f: f["incidents"]["overdue"],
            lambda cid: changelist_url("grids_incident", cid, overdue="yes"),
        ),
        Metric(
            "late",
            _("Ran past the deadline, last 12 months"),
            lambda f: sum(f["incidents"]["late_by_month"].values()),
            lambda cid: changelist_url(
                "grids_incident", cid, overdue="late", created_at__date__gte=months[0].isoformat()
            ),
        ),
    ]
    status_metrics = [
        Metric(
            f"status-{value}",
            label,
            lambda f, value=value: f["incidents"]["by_status"].get(value, 0),
            lambda cid, value=value: incidents(cid, status__exact=value),
        )
        for value, label in Incident.Status.choices
    ]

    def cases(cid, **params):
        return changelist_url(
            "disputes_disputecase", cid, **_period_params("registered_at", period), **params
        )

    statistics_url = reverse("admin:disputes_disputecase_statistics")
    if period.start:
        statistics_url += "?" + urlencode({"registered_after": period.start.isoformat()})

    def rate_total(all_figures):
        agreements = sum(f["cases"]["agreements"] for f in all_figures)
        failed = sum(f["cases"]["failed"] for f in all_figures)
        return _success_rate(agreements, failed), statistics_url

    case_metrics = [
        Metric("cases", _("Cases received"), lambda f: f["cases"]["received"], cases),
        Metric(
            "agreements",
            _("Resolved by agreement"),
            lambda f: f["cases"]["agreements"],
            lambda cid: cases(cid, agreement__isnull="0"),
        ),
        Metric(
            "failed",
            _("Mediation failed"),
            lambda f: f["cases"]["failed"],
            lambda cid: cases(cid, failed_at__isnull="0"),
        ),
        Metric(
            "success_rate",
            _("Success rate (%)"),
            lambda f: f["cases"]["success_rate"],
            lambda cid: statistics_url,
            total=rate_total,
        ),
    ]

    def wishes(cid, **params):
        return changelist_url(
            "volunteers_microwish", cid, **_period_params("created_at", period), **params
        )

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
            for stage, label in [
                ("published", _("of which published")),
                ("claimed", _("of which claimed by a party member")),
                ("fulfilled", _("of which fulfilled")),
                ("confirmed", _("of which confirmed by the resident")),
            ]
        ],
        Metric(
            "wishes-rejected",
            status.REJECTED.label,
            lambda f: f["wishes"]["rejected"],
            lambda cid: wishes(cid, status__exact=status.REJECTED),
        ),
        Metric(
            "wishes-withdrawn",
            status.WITHDRAWN.label,
            lambda f: f["wishes"]["withdrawn"],
            lambda cid: wishes(cid, status__exact=status.WITHDRAWN),
        ),
        Metric(
            "wishes-median",
            _("Median days to fulfil"),
            lambda f: f["wishes"]["median_days"],
            lambda cid: wishes(cid, fulfilled_at__isnull="0"),
            total=None,
        ),
    ]

    project_metrics = [
        Metric(
            f"project-{value}",
            label,
            lambda f, value=value: f["projects"].get(value, 0),
            lambda cid, value=value: changelist_url(
                "partycommittee_project", cid, status__exact=value
            ),
        )
        for value, label in Project.Status.choices
    ]
    not_done = [s for s in Responsibility.Status.values if s != Responsibility.Status.DONE]
    project_metrics.append(
        Metric(
            "responsibilities-overdue",
            _("Responsibilities past their deadline"),
            lambda f: f["responsibilities_overdue"],
            lambda cid: changelist_url(
                "partycommittee_responsibility",
                cid,
                deadline__lt=today.isoformat(),
                status__in=",".join(not_done),
            ),
        )
    )

    labels = {f["stars"]["period_label"] for _c, f in columns}

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
            lambda cid: changelist_url(
                "volunteers_pointentry", cid, **_period_params("awarded_at", period)
            ),
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
            **_period_params("starts_at", period),
        )

    service_metrics = [
        Metric("hours", _("Volunteer service hours"), lambda f: f["service"]["hours"], activities),
        Metric("attendances", _("Attendances"), lambda f: f["service"]["attendances"], activities),
        Metric(
            "activities",
            _("Activities held"),
            lambda f: f["service"]["activities"],
            activities,
        ),
    ]

    sections = [
        ("incidents", _("Six-small incidents"), incident_metrics),
        ("statuses", _("Incidents by status"), status_metrics),
        ("cases", _("Mediation"), case_metrics),
        ("wishes", _("Micro-wishes"), wish_metrics),
        ("projects", _("Four lists: projects per step"), project_metrics),
        ("points", _("Party-member points and stars"), points_metrics),
        ("service", _("Volunteer service"), service_metrics),
    ]
    section_rows = [
        {"key": key, "title": title, "rows": _rows(metrics, columns, with_total)}
        for key, title, metrics in sections
    ]
    blocks = [
        {
            "community": community,
            "grids": [
                {"name": name, "count": n, "url": incidents(community.pk, grid__id__exact=gid)}
                for gid, name, n in f["incidents"]["by_grid"]
            ],
            "evaluation": _evaluation_block(f["evaluation"]),
        }
        for community, f in columns
    ]
    return {
        "columns": [community for community, _f in columns],
        "with_total": with_total,
        "sections": section_rows,
        "blocks": blocks,
        "charts": _charts(section_rows, columns, months, period, with_total),
    }


def _evaluation_block(evaluation):
    if evaluation is None:
        return None
    return {
        **evaluation,
        "url": reverse("admin:partycommittee_evaluationround_progress", args=[evaluation["round"]]),
    }


def _number(value):
    return float(value) if isinstance(value, Decimal) else value


def _chart(section: dict, columns, keys: list[str] | None = None, kind: str = "bar") -> dict:
    """ECharts data from a section's rows: categories = the rows, one series per community;
    each point carries the URL of its list, which a click opens."""
    rows = [row for row in section["rows"] if keys is None or row.key in keys]
    return {
        "kind": kind,
        "categories": [str(row.label) for row in rows],
        "series": [
            {
                "name": community.name,
                "data": [
                    {"value": _number(row.cells[i].value), "url": row.cells[i].url} for row in rows
                ],
            }
            for i, (community, _f) in enumerate(columns)
        ],
    }


def _charts(sections: list[dict], columns, months, period: Period, with_total: bool) -> dict:
    from grids.models import Category, Incident

    by_key = {section["key"]: section for section in sections}
    trend = {
        "kind": "line",
        "categories": [f"{month:%Y-%m}" for month in months],
        "series": [
            {
                "name": community.name,
                "data": [
                    {
                        "value": figures["incidents"]["late_by_month"].get(f"{month:%Y-%m}", 0),
                        "url": changelist_url(
                            "grids_incident",
                            community.pk,
                            overdue="late",
                            created_at__date__gte=month.isoformat(),
                            created_at__date__lt=_next_month(month).isoformat(),
                        ),
                    }
                    for month in months
                ],
            }
            for community, figures in columns
        ],
    }
    return {
        "categories": _chart(
            by_key["incidents"], columns, [f"category-{value}" for value in Category.values]
        ),
        "statuses": _chart(
            by_key["statuses"], columns, [f"status-{value}" for value in Incident.Status.values]
        ),
        "trend": trend,
        "wishes": _chart(
            by_key["wishes"],
            columns,
            [
                f"wishes-{stage}"
                for stage in ("submitted", "published", "claimed", "fulfilled", "confirmed")
            ],
        ),
        "projects": _chart(
            by_key["projects"],
            columns,
            [r.key for r in by_key["projects"]["rows"] if r.key.startswith("project-")],
        ),
        "stars": _chart(by_key["points"], columns, [f"stars-{n}" for n in range(1, 6)]),
    }
