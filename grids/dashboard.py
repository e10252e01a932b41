"""The grids' part of the staff dashboard: six-small incidents (hive.dashboard)."""

import datetime

from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grids.models import Category, Grid, Incident, ResidentReport
from grids.selectors import late_q, overdue_q
from hive import dashboard, periods
from hive.dashboard import Chart, Metric, Section, changelist_url, chart

TREND_MONTHS = 12
TOP_GRIDS = 10


def _months(today: datetime.date) -> list[datetime.date]:
    """The first days of the last TREND_MONTHS months, this one last."""
    months = [today.replace(day=1)]
    for _i in range(TREND_MONTHS - 1):
        months.insert(0, (months[0] - datetime.timedelta(days=1)).replace(day=1))
    return months


def _month_key(value) -> str:
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{value:%Y-%m}"


def figures(community_ids, period, now):
    today = timezone.localdate(now)
    out = {
        cid: {
            "incidents": {
                "total": 0,
                "by_category": {},
                "by_status": {},
                "by_grid": [],
                "overdue": 0,
                "late_by_month": {},
            },
            "resident_reports": {"received": 0, "rated": 0, "rating_sum": 0, "average": None},
        }
        for cid in community_ids
    }
    # One GROUP BY gives the total, categories, statuses and grids.
    # COUNT(*), not COUNT(id): the id is not in the covering index (index-only scans).
    incidents = Incident.objects.filter(community_id__in=community_ids).order_by()
    grid_counts: dict[int, dict[int, int]] = {cid: {} for cid in community_ids}
    rows = (
        period.since(incidents, "created_at")
        .values("community_id", "grid_id", "category", "status")
        .annotate(n=Count("*"))
    )
    for row in rows:
        counts = out[row["community_id"]]["incidents"]
        n = row["n"]
        counts["total"] += n
        by_category, by_status = counts["by_category"], counts["by_status"]
        by_category[row["category"]] = by_category.get(row["category"], 0) + n
        by_status[row["status"]] = by_status.get(row["status"], 0) + n
        grids = grid_counts[row["community_id"]]
        grids[row["grid_id"]] = grids.get(row["grid_id"], 0) + n
    for row in incidents.filter(overdue_q(now)).values("community_id").annotate(n=Count("*")):
        out[row["community_id"]]["incidents"]["overdue"] = row["n"]
    late = (
        incidents.filter(late_q(now), created_at__gte=periods.start_at(_months(today)[0]))
        .annotate(month=TruncMonth("created_at"))
        .values("community_id", "month")
        .annotate(n=Count("*"))
    )
    for row in late:
        out[row["community_id"]]["incidents"]["late_by_month"][_month_key(row["month"])] = row["n"]
    _resident_report_figures(out, community_ids, period)
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
    return out


def _average(rating_sum: int, rated: int) -> float | None:
    return round(rating_sum / rated, 1) if rated else None


def _resident_report_figures(out, community_ids, period) -> None:
    """Residents' own reports (随手拍) received in the period, and the satisfaction
    (满意度回访) given in the period: how many rated, the average of 1–5."""
    reports = ResidentReport.objects.filter(incident__community_id__in=community_ids).order_by()
    received = (
        period.since(reports, "created_at").values("incident__community_id").annotate(n=Count("*"))
    )
    for row in received:
        out[row["incident__community_id"]]["resident_reports"]["received"] = row["n"]
    rated = (
        period.since(reports.filter(rating__isnull=False), "rated_at")
        .values("incident__community_id")
        .annotate(n=Count("*"), total=Sum("rating"))
    )
    for row in rated:
        counts = out[row["incident__community_id"]]["resident_reports"]
        counts["rated"], counts["rating_sum"] = row["n"], row["total"] or 0
        counts["average"] = _average(counts["rating_sum"], counts["rated"])


def _incidents(page, cid, **params):
    return changelist_url("grids_incident", cid, **page.period.params("created_at"), **params)


def sections(page):
    first_month = _months(page.today)[0]
    incident_metrics = [
        Metric(
            "incidents",
            _("Reported in the period"),
            lambda f: f["incidents"]["total"],
            lambda cid: _incidents(page, cid),
        ),
        *[
            Metric(
                f"category-{value}",
                label,
                lambda f, value=value: f["incidents"]["by_category"].get(value, 0),
                lambda cid, value=value: _incidents(page, cid, category__exact=value),
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
                "grids_incident", cid, overdue="late", created_at__date__gte=first_month.isoformat()
            ),
        ),
    ]
    status_metrics = [
        Metric(
            f"status-{value}",
            label,
            lambda f, value=value: f["incidents"]["by_status"].get(value, 0),
            lambda cid, value=value: _incidents(page, cid, status__exact=value),
        )
        for value, label in Incident.Status.choices
    ]

    def average_total(all_figures):
        rated = sum(f["resident_reports"]["rated"] for f in all_figures)
        rating_sum = sum(f["resident_reports"]["rating_sum"] for f in all_figures)
        return _average(rating_sum, rated), None

    resident_metrics = [
        Metric(
            "resident-reports",
            _("Reported by residents in the period"),
            lambda f: f["resident_reports"]["received"],
            lambda cid: None,
        ),
        Metric(
            "resident-reports-rated",
            _("Rated by the resident in the period"),
            lambda f: f["resident_reports"]["rated"],
            lambda cid: None,
        ),
        Metric(
            "resident-reports-satisfaction",
            _("Average satisfaction (1–5)"),
            lambda f: f["resident_reports"]["average"],
            lambda cid: None,
            total=average_total,
        ),
    ]
    return [
        Section(10, "incidents", _("Six-small incidents"), incident_metrics),
        Section(15, "resident_reports", _("Residents' own reports"), resident_metrics),
        Section(20, "statuses", _("Incidents by status"), status_metrics),
    ]


def charts(page):
    months = _months(page.today)
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
                            created_at__date__lt=periods.bounds("month", month)[1].isoformat(),
                        ),
                    }
                    for month in months
                ],
            }
            for community, figures in page.columns
        ],
    }
    late_title = _("Incidents that ran past the deadline, by month reported")
    return [
        Chart(
            10,
            "categories",
            _("Six-small incidents by category"),
            chart(page, "incidents", [f"category-{value}" for value in Category.values]),
        ),
        Chart(20, "trend", late_title, trend),
        Chart(
            30,
            "statuses",
            _("Incidents by status"),
            chart(page, "statuses", [f"status-{value}" for value in Incident.Status.values]),
        ),
    ]


def block(page, community, figures):
    return {
        "grids": [
            {"name": name, "count": n, "url": _incidents(page, community.pk, grid__id__exact=gid)}
            for gid, name, n in figures["incidents"]["by_grid"]
        ]
    }


def warm_map(community_ids: list[int]) -> None:
    """The map's cells of the default view, kept with the figures (grids.map)."""
    from grids import map as grid_map

    grid_map.warm_cells(community_ids)


def heat_panel(period, communities, chosen) -> dict | None:
    """The heat layer of incidents in the period: the page's script loads the grids'
    outlines (and fits the view to them) and the cells from api/map/; no query here."""
    if not communities:
        return None
    from grids import map as grid_map

    return {
        "template": "grids/dashboard_heat.html",
        "query": {"period": period.key, **({"community": chosen.pk} if chosen else {})},
        "scripts": grid_map.PAGE_SCRIPTS,
        "styles": grid_map.PAGE_STYLES,
    }


dashboard.register(
    dashboard.Part(
        name="grids",
        figures=figures,
        sections=sections,
        charts=charts,
        # A resident's report is saved with its incident; its rating invalidates by itself.
        models=("grids.Grid", "grids.Incident"),
        block=block,
        order=20,
        warm=warm_map,
        panel=heat_panel,
    )
)
