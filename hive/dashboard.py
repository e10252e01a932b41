"""The staff dashboard: one page of figures per community, side by side for a street.

The core keeps the periods, the cache and the layout; each feature app contributes its
part (figures, rows, charts, a block per community) from its own `dashboard` module,
found at startup (`autodiscover`) and registered with `register(Part(...))`.

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
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _

from hive import periods
from hive.models import Community

logger = logging.getLogger(__name__)

# Longer than the periodic warm-up's interval (hive.warm_dashboard every 5 minutes), so
# while the workers run, visitors never meet an expired entry.
CACHE_SECONDS = 900

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
    def label(self):
        return PERIODS[self.key]

    def since(self, queryset, field: str):
        """The rows of `queryset` whose `field` (a datetime) falls in the period so far."""
        if self.start is None:
            return queryset
        return queryset.filter(**{f"{field}__gte": periods.start_at(self.start)})

    def params(self, field: str) -> dict:
        """The same filter as admin changelist query-string parameters."""
        return {f"{field}__date__gte": self.start.isoformat()} if self.start else {}


def period_for(key: str | None, today: datetime.date | None = None) -> Period:
    """The calendar period so far that `key` names (this month, quarter, year; or all)."""
    key = key if key in PERIODS else DEFAULT_PERIOD
    if key == "all":
        return Period(key, None)
    return Period(key, periods.bounds(key, today or timezone.localdate())[0])


# --- The parts the apps contribute ----------------------------------------------------------


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
    total: object = "sum"  # "sum", None (no total), or list of figures -> (value, url)


@dataclass
class Section:
    """A table of rows, one per metric; sections of every part are shown by `order`."""

    order: int
    key: str
    title: object
    metrics: list[Metric]


@dataclass
class Chart:
    """A chart box: `data` from `chart()` (or of that shape); shown by `order`."""

    order: int
    key: str
    title: object
    data: dict


@dataclass
class Page:
    """What a part's `sections`, `charts` and `block` see of the page being built."""

    period: Period
    now: datetime.datetime
    today: datetime.date
    columns: list[tuple[Community, dict]]  # each community with its figures
    with_total: bool
    rows: dict[str, list[Row]] = field(default_factory=dict)  # section key → rows


@dataclass(frozen=True)
class Part:
    """An app's share of the dashboard.

    `figures(community_ids, period, now)` returns {community id: {name: value}} for every
    id given, with a fixed number of queries; the names are the app's own and must not
    clash with another part's. `models` are the labels of the models whose rows carry a
    `community_id` and whose writes change these figures (see `connect_invalidation`).
    `block(page, community, figures)` adds entries to the community's block, which the
    app's template `<name>/dashboard_block.html` shows (blocks in the order of `order`)."""

    name: str
    figures: Callable[[list[int], Period, datetime.datetime], dict[int, dict]]
    sections: Callable[[Page], list[Section]]
    charts: Callable[[Page], list[Chart]] = lambda page: []
    models: tuple[str, ...] = ()
    block: Callable[[Page, Community, dict], dict] | None = None
    order: int = 0
    # What else the part keeps cached per community under the same version key (the
    # map's cells), recomputed by the warm-up with the figures: warm(community_ids).
    warm: Callable[[list[int]], None] | None = None
    # A panel of the page above the sections (the map's heat layer):
    # panel(period, communities, chosen) returns None or {"template": …, "scripts": […],
    # "styles": […], …}, the template's context as `panel`; the page loads the scripts and
    # styles once each.
    panel: Callable[[Period, list[Community], Community | None], dict | None] | None = None


_PARTS: dict[str, Part] = {}


def register(part: Part) -> None:
    _PARTS[part.name] = part


def parts() -> list[Part]:
    return sorted(_PARTS.values(), key=lambda part: (part.order, part.name))


def panels(period: Period, communities: list[Community], chosen: Community | None) -> dict:
    """The parts' panels for this page, and the scripts and styles they need, once each."""
    shown = [
        panel
        for part in parts()
        if part.panel is not None and (panel := part.panel(period, communities, chosen)) is not None
    ]
    scripts = list(dict.fromkeys(s for panel in shown for s in panel.get("scripts", ())))
    styles = list(dict.fromkeys(s for panel in shown for s in panel.get("styles", ())))
    return {"panels": shown, "panel_scripts": scripts, "panel_styles": styles}


def autodiscover() -> None:
    """Import each installed app's `dashboard` module (which registers its part), then
    connect the invalidation of the models the parts count. From HiveConfig.ready."""
    autodiscover_modules("dashboard")
    connect_invalidation()


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
    for part in parts():
        if part.warm is not None:
            part.warm(ids)
    return stored


def _invalidate_for(sender, instance, **kwargs):
    if instance.community_id:
        dashboard_invalidate(community_id=instance.community_id)


def connect_invalidation() -> None:
    """Every write the dashboard counts bumps the version. Only rows that carry the
    community themselves (looking it up through a relation would cost a query per saved
    row): children (agreements, sign-ups, unit results) are saved with a parent that is
    listed (the case's transition, the activity's attendance, the round's
    results_computed_at), and a one-statement write calls dashboard_invalidate itself."""
    from django.db.models.signals import post_delete, post_save

    for label in {label for part in _PARTS.values() for label in part.models}:
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


def compute_figures(*, community_ids: list[int], period: Period, now=None) -> dict[int, dict]:
    """Every figure of the dashboard for these communities, from the database."""
    now = now or timezone.now()
    out = {cid: {} for cid in community_ids}
    for part in parts():
        for cid, figures in part.figures(community_ids, period, now).items():
            out[cid].update(figures)
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


# --- The page: rows of figures, one column per community ------------------------------------


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


def _number(value):
    return float(value) if isinstance(value, Decimal) else value


def chart(page: Page, section: str, keys: list[str] | None = None, kind: str = "bar") -> dict:
    """ECharts data from a section's rows: categories = the rows, one series per community;
    each point carries the URL of its list, which a click opens."""
    rows = [row for row in page.rows[section] if keys is None or row.key in keys]
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
            for i, (community, _f) in enumerate(page.columns)
        ],
    }


def dashboard_page(*, user, period: Period, communities: list[Community], now=None) -> dict:
    """Everything the dashboard template shows: sections of rows (one cell per community,
    plus a total for a street), per-community blocks, and the chart data."""
    now = now or timezone.now()
    figures = dashboard_figures(community_ids=[c.pk for c in communities], period=period, now=now)
    columns = [(community, figures[community.pk]) for community in communities]
    page = Page(period, now, timezone.localdate(now), columns, len(columns) > 1)
    sections = sorted(
        (section for part in parts() for section in part.sections(page)), key=lambda s: s.order
    )
    page.rows = {s.key: _rows(s.metrics, columns, page.with_total) for s in sections}
    charts = sorted((c for part in parts() for c in part.charts(page)), key=lambda c: c.order)
    blocks = [(part.name, part.block) for part in parts() if part.block is not None]
    return {
        "columns": [community for community, _f in columns],
        "with_total": page.with_total,
        "sections": [{"key": s.key, "title": s.title, "rows": page.rows[s.key]} for s in sections],
        "blocks": [
            {
                "community": community,
                **{k: v for _name, block in blocks for k, v in block(page, community, f).items()},
            }
            for community, f in columns
        ],
        "block_templates": [f"{name}/dashboard_block.html" for name, _block in blocks],
        "charts": {c.key: c.data for c in charts},
        "chart_titles": {c.key: c.title for c in charts},
    }
