"""The map (一张图): what each layer shows, as GeoJSON, scoped exactly like the lists.

The views and the API stay thin: they validate the request (grids.map_api) and hand a
`MapFilters` here. Every layer starts from `visible_to(user)`; the filters are the
dashboard's (period via `hive.dashboard.period_for`, a community among
`dashboard_communities(user)`), plus category and status.

Incidents are clustered on the server below `CLUSTER_BELOW_ZOOM`: latitude and longitude
are quantised to a cell a quarter of a 256-pixel tile wide and counted with one GROUP BY
in the database (plain Django expressions: PostgreSQL and SQLite). The database counts
the cells of `BASE_ZOOM` once per community and filters, cached under the dashboard's
per-community version key (hive.dashboard: a write shows at once; its warm-up keeps the
default view counted); every lower zoom merges them (`coarsen`) and a viewport only picks
the cells inside it. From `CLUSTER_BELOW_ZOOM` on, individual incidents come, at most
`MAX_POINTS` of them (`truncated` tells when more matched; a viewport the cells say is
denser gets the finest cells instead).

No property carries personal data: no description, reporter, phone or address.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from django.core.cache import cache
from django.db.models import Count, F, FloatField, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Cast, Floor
from django.urls import reverse
from django.utils import timezone

from grids.models import Building, Grid, Incident, KeyPlace, SweepCheck
from grids.selectors import count_per_row, overdue_q
from hive import dashboard
from hive.access.scoping import access_scope
from hive.models import choice_label

# From this zoom on, individual incidents; below, cells counted in the database.
CLUSTER_BELOW_ZOOM = 16
# The database counts cells of this zoom once per community and filters; every lower
# zoom merges them (coarsen), and a dense viewport from CLUSTER_BELOW_ZOOM on shows them.
BASE_ZOOM = 16
MAX_ZOOM = 22
# Individual incidents at most, newest first; `truncated` says when more matched.
MAX_POINTS = 2000
# The largest viewport (degrees of longitude or latitude) for individual points.
MAX_POINT_SPAN = 0.5
# Cells per 256-pixel tile side: one cell is 64 pixels wide on screen.
CELLS_PER_TILE = 4
# The heat layer's cells: zoom 15 (about 300 m at Chinese latitudes) unless told.
HEAT_ZOOM = 15
CACHE_SECONDS = 300
# Statuses the filter offers beyond the workflow's own.
STATUS_OPEN = "open"
STATUS_OVERDUE = "overdue"


@dataclass(frozen=True)
class MapFilters:
    """What the request asks for, already validated (grids.map_api.MapQuerySerializer)."""

    period: dashboard.Period = field(default_factory=lambda: dashboard.period_for("all"))
    community_ids: tuple[int, ...] | None = None  # None: every community the user sees
    category: str = ""
    status: str = ""
    grid_id: int | None = None
    bbox: tuple[float, float, float, float] | None = None  # west, south, east, north
    zoom: int = 12

    def cache_part(self) -> str:
        return ":".join(
            str(v)
            for v in (
                self.period.key,
                self.period.start,
                self.category,
                self.status,
                self.grid_id,
            )
        )


def tile_degrees(zoom: int) -> float:
    """Degrees of longitude a 256-pixel tile spans at this zoom."""
    return 360.0 / (2**zoom)


def cell_size(zoom: int) -> float:
    """Degrees per cell at this zoom."""
    return tile_degrees(zoom) / CELLS_PER_TILE


# The map pages' own JavaScript and CSS (static paths), which the templates include and
# whose gzip size stays under PAGE_BUDGET_BYTES (tests/grids/test_map_pages.py).
PAGE_SCRIPTS = (
    "vendor/leaflet/leaflet.js",
    "vendor/leaflet.markercluster/leaflet.markercluster.js",
    "vendor/leaflet.heat/leaflet-heat.js",
    "hive/map.js",
    "grids/map.js",
)
PAGE_STYLES = (
    "vendor/leaflet/leaflet.css",
    "vendor/leaflet.markercluster/MarkerCluster.css",
    "vendor/leaflet.markercluster/MarkerCluster.Default.css",
    "grids/map.css",
)
PAGE_BUDGET_BYTES = 250 * 1024


def page_assets_gzip_bytes() -> int:
    """The gzip size of the map page's own JavaScript and CSS."""
    import gzip

    from django.contrib.staticfiles import finders

    total = 0
    for name in (*PAGE_SCRIPTS, *PAGE_STYLES):
        found = finders.find(name)
        if not isinstance(found, str):
            raise FileNotFoundError(name)
        with open(found, "rb") as handle:
            total += len(gzip.compress(handle.read(), compresslevel=9))
    return total


def _feature(longitude: float, latitude: float, properties: dict) -> dict:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(longitude, 6), round(latitude, 6)]},
        "properties": properties,
    }


def collection(features: list[dict], **extra: Any) -> dict:
    return {"type": "FeatureCollection", "features": features, **extra}


class _Links:
    """Object URLs without a reverse() per row: the pattern once, the id put in."""

    _MARK = 987654321

    def __init__(self, name: str):
        self.pattern = reverse(name, args=[self._MARK])

    def __call__(self, pk: int) -> str:
        return self.pattern.replace(str(self._MARK), str(pk))


def _staff_links(user) -> bool:
    return bool(getattr(user, "is_staff", False))


# --- Incidents ----------------------------------------------------------------------------


def incidents(user, filters: MapFilters) -> QuerySet[Incident]:
    """The incidents the map counts for `user`: their list's scope and the filters."""
    return _filtered(Incident.objects.visible_to(user), filters)


def _filtered(queryset: QuerySet[Incident], filters: MapFilters) -> QuerySet[Incident]:
    queryset = queryset.filter(latitude__isnull=False, longitude__isnull=False)
    queryset = filters.period.since(queryset, "created_at")
    if filters.community_ids is not None:
        queryset = queryset.filter(community_id__in=filters.community_ids)
    if filters.grid_id is not None:
        queryset = queryset.filter(grid_id=filters.grid_id)
    if filters.category:
        queryset = queryset.filter(category=filters.category)
    if filters.status == STATUS_OPEN:
        queryset = queryset.filter(status__in=Incident.OPEN_STATES)
    elif filters.status == STATUS_OVERDUE:
        queryset = queryset.filter(overdue_q())
    elif filters.status:
        queryset = queryset.filter(status=filters.status)
    return queryset.order_by()


def _in_bbox(queryset: QuerySet, bbox: tuple[float, float, float, float] | None) -> QuerySet:
    if bbox is None:
        return queryset
    west, south, east, north = bbox
    return queryset.filter(latitude__range=(south, north), longitude__range=(west, east))


# A cell: (cx, cy, count, overdue count, sum of latitudes, sum of longitudes).
Cell = tuple[int, int, int, int, float, float]


def _aggregate(queryset: QuerySet[Incident], zoom: int = BASE_ZOOM) -> list[Cell]:
    """Cells of this zoom: count, overdue count and the sums of the points (for the mean
    point), one GROUP BY."""
    size = cell_size(zoom)
    rows = (
        queryset.annotate(
            cx=Floor(Cast("longitude", FloatField()) / size),
            cy=Floor(Cast("latitude", FloatField()) / size),
        )
        .values("cx", "cy")
        .annotate(
            n=Count("pk"),
            overdue=Count("pk", filter=overdue_q()),
            lat=Sum(Cast("latitude", FloatField())),
            lng=Sum(Cast("longitude", FloatField())),
        )
        .order_by()
        .values_list("cx", "cy", "n", "overdue", "lat", "lng")
    )
    return [(int(cx), int(cy), n, od, float(lat), float(lng)) for cx, cy, n, od, lat, lng in rows]


def coarsen(cells: Iterable[Cell], zoom: int, from_zoom: int = BASE_ZOOM) -> list[Cell]:
    """The cells of a lower zoom, merged from finer ones: a cell of zoom z is exactly
    2^(from-z) x 2^(from-z) cells of the finer zoom (floor(floor(x/s)/f) = floor(x/sf)),
    so one aggregate in the database serves every zoom. Cells of several communities
    sharing a place merge the same way."""
    factor = 2 ** max(from_zoom - zoom, 0)
    merged: dict[tuple[int, int], list] = {}
    for cx, cy, n, overdue, lat, lng in cells:
        key = (cx // factor, cy // factor)
        have = merged.get(key)
        if have is None:
            merged[key] = [key[0], key[1], n, overdue, lat, lng]
        else:
            have[2] += n
            have[3] += overdue
            have[4] += lat
            have[5] += lng
    return [tuple(cell) for cell in merged.values()]


def _cache_key(community_id: int, version: str, filters: MapFilters) -> str:
    today = timezone.localdate()
    return f"map:cells:{community_id}:{version}:{today}:{filters.cache_part()}:{BASE_ZOOM}"


def _community_cells(community_ids: Iterable[int], filters: MapFilters) -> list[Cell]:
    """The cells of every incident of these communities (what their staff see: staff see
    every incident of the communities they run), each community's from the cache or
    counted and cached, under the dashboard's version key: a write the dashboard sees
    bumps the version, so the next request counts afresh."""
    wanted = sorted(set(community_ids))
    if not wanted:
        return []
    versions = cache.get_many([dashboard._version_key(cid) for cid in wanted])
    keys = {
        cid: _cache_key(cid, versions.get(dashboard._version_key(cid), "0"), filters)
        for cid in wanted
    }
    cached = cache.get_many(list(keys.values()))
    cells: list[Cell] = []
    for cid in wanted:
        if keys[cid] in cached:
            cells.extend(cached[keys[cid]])
            continue
        one = replace(filters, community_ids=(cid,), bbox=None)
        computed = _aggregate(_filtered(Incident.objects.all(), one))
        cache.set(keys[cid], computed, CACHE_SECONDS)
        cells.extend(computed)
    return cells


def warm_cells(community_ids: list[int]) -> None:
    """Count and cache the default view's cells (the dashboard's default period, no other
    filter) of these communities, so the first visitor after a write reads them: from
    the dashboard's warm-up (hive.dashboard.dashboard_warm, a worker after writes and
    every few minutes)."""
    _community_cells(community_ids, MapFilters(period=dashboard.period_for(None)))


def incident_cells(user, filters: MapFilters) -> list[Cell]:
    """Every cell (at BASE_ZOOM, no viewport) of the incidents the user sees: those of
    the communities the user runs from the per-community cache (_community_cells); beyond
    them (a grid member's grid, the reports they follow), counted for the user (few)."""
    managed = set(dashboard.dashboard_communities(user).values_list("pk", flat=True))
    wanted = managed if filters.community_ids is None else managed & set(filters.community_ids)
    cells = _community_cells(wanted, filters)
    # Communities where the user holds only a portal role.
    scope = access_scope(user)
    beyond = set(scope.member_community_ids) - managed
    if filters.community_ids is not None:
        beyond &= set(filters.community_ids)
    if beyond and not scope.is_superuser:
        cells.extend(_aggregate(incidents(user, replace(filters, community_ids=tuple(beyond)))))
    return cells


def _cell_point(cell: Cell) -> tuple[float, float]:
    """The mean point of the cell's incidents (longitude, latitude)."""
    return cell[5] / cell[2], cell[4] / cell[2]


def _cell_in(cell: Cell, bbox: tuple[float, float, float, float] | None) -> bool:
    if bbox is None:
        return True
    west, south, east, north = bbox
    lng, lat = _cell_point(cell)
    return west <= lng <= east and south <= lat <= north


def _cluster_features(cells: Iterable[Cell]) -> list[dict]:
    return [
        _feature(*_cell_point(c), {"cluster": True, "count": c[2], "overdue": c[3]}) for c in cells
    ]


def incident_layer(user, filters: MapFilters) -> dict:
    """Clusters below CLUSTER_BELOW_ZOOM; from it on, individual incidents when the
    viewport holds at most MAX_POINTS of them (counted from the cached cells), else
    the finest cells (`dense`: zoom in further or filter)."""
    cells = incident_cells(user, filters)
    if filters.zoom < CLUSTER_BELOW_ZOOM:
        shown = [c for c in coarsen(cells, filters.zoom) if _cell_in(c, filters.bbox)]
        return collection(_cluster_features(shown), clustered=True, truncated=False)
    inside = [c for c in cells if _cell_in(c, filters.bbox)]
    if sum(c[2] for c in inside) > MAX_POINTS:
        return collection(_cluster_features(inside), clustered=True, truncated=True)
    return incident_points(user, filters)


def incident_points(user, filters: MapFilters) -> dict:
    rows = list(
        _in_bbox(incidents(user, filters), filters.bbox)
        .order_by("-id")
        .values("id", "category", "status", "deadline", "created_at", "latitude", "longitude")[
            : MAX_POINTS + 1
        ]
    )
    truncated = len(rows) > MAX_POINTS
    now = timezone.now()
    link = _Links("admin:grids_incident_change" if _staff_links(user) else "grids:incident_detail")
    category_field = Incident._meta.get_field("category")
    status_field = Incident._meta.get_field("status")
    features = []
    for row in rows[:MAX_POINTS]:
        status = row["status"]
        features.append(
            _feature(
                float(row["longitude"]),
                float(row["latitude"]),
                {
                    "id": row["id"],
                    "category": row["category"],
                    "category_label": choice_label(category_field, row["category"]),
                    "status": status,
                    "status_label": choice_label(status_field, status),
                    "overdue": bool(
                        status in Incident.OPEN_STATES and row["deadline"] and row["deadline"] < now
                    ),
                    "created": timezone.localdate(row["created_at"]).isoformat(),
                    "url": link(row["id"]),
                },
            )
        )
    return collection(features, clustered=False, truncated=truncated)


def heat_layer(user, filters: MapFilters) -> dict:
    """Weighted cells of the incidents in the period (the dashboard's heat layer), at
    HEAT_ZOOM (about 300 m) unless a lower zoom is asked for."""
    zoom = min(filters.zoom, HEAT_ZOOM)
    cells = coarsen(incident_cells(user, filters), zoom)
    top = max((c[2] for c in cells), default=0)
    features = [
        _feature(*_cell_point(c), {"count": c[2], "weight": round(c[2] / top, 4)}) for c in cells
    ]
    return collection(features, max_count=top)


# --- Grids --------------------------------------------------------------------------------


def visible_grids(user, filters: MapFilters) -> QuerySet[Grid]:
    grids = Grid.objects.visible_to(user)
    if filters.community_ids is not None:
        grids = grids.filter(community_id__in=filters.community_ids)
    if filters.grid_id is not None:
        grids = grids.filter(pk=filters.grid_id)
    return grids


def grid_layer(user, filters: MapFilters) -> dict:
    """The visible grids with a boundary, each with its open and overdue incident counts
    (the category filter applies; the period does not: open is now). One query."""
    counted = Incident.objects.all()
    if filters.category:
        counted = counted.filter(category=filters.category)
    grids = (
        visible_grids(user, filters)
        .filter(boundary__isnull=False)
        .annotate(
            open_count=count_per_row(counted.filter(status__in=Incident.OPEN_STATES), "grid_id"),
            overdue_count=count_per_row(counted.filter(overdue_q()), "grid_id"),
            community_name=F("community__name"),
        )
        .order_by("community_id", "code")
        .values("id", "code", "name", "community_name", "boundary", "open_count", "overdue_count")
    )
    link = _Links("admin:grids_grid_change" if _staff_links(user) else "grids:grid_detail")
    features = [
        {
            "type": "Feature",
            "geometry": _geometry(grid["boundary"]),
            "properties": {
                "id": grid["id"],
                "code": grid["code"],
                "name": grid["name"],
                "community": grid["community_name"],
                "open": grid["open_count"],
                "overdue": grid["overdue_count"],
                "url": link(grid["id"]),
            },
        }
        for grid in grids
    ]
    return collection([f for f in features if f["geometry"]])


def _geometry(boundary: Any) -> dict | None:
    if isinstance(boundary, dict) and boundary.get("type") == "Feature":
        boundary = boundary.get("geometry")
    if isinstance(boundary, dict) and boundary.get("type") in ("Polygon", "MultiPolygon"):
        return {"type": boundary["type"], "coordinates": boundary.get("coordinates") or []}
    return None


def _outer_points(geometry: dict) -> list[list[float]]:
    coordinates = geometry.get("coordinates") or []
    polygons = [coordinates] if geometry.get("type") == "Polygon" else coordinates
    return [point for rings in polygons if rings for point in rings[0]]


def _centre(points: list[list[float]]) -> tuple[float, float] | None:
    """The middle of the points' bounding box (longitude, latitude)."""
    if not points:
        return None
    lngs = [float(p[0]) for p in points]
    lats = [float(p[1]) for p in points]
    return (min(lngs) + max(lngs)) / 2, (min(lats) + max(lats)) / 2


# --- Other layers -------------------------------------------------------------------------


def sweep_layer(user, filters: MapFilters) -> dict:
    """Key places with a point, each with its latest sweep check (result and date)."""
    latest = SweepCheck.objects.filter(place=OuterRef("pk")).order_by("-created_at", "-pk")
    places = (
        KeyPlace.objects.visible_to(user)
        .filter(latitude__isnull=False, longitude__isnull=False)
        .filter(grid__in=visible_grids(user, filters).values("pk"))
        .annotate(
            last_result=Subquery(latest.values("result")[:1]),
            last_checked=Subquery(latest.values("created_at")[:1]),
        )
        .order_by("pk")
        .values("id", "name", "kind", "latitude", "longitude", "last_result", "last_checked")
    )
    places = _in_bbox(places, filters.bbox)
    link = _Links("admin:grids_keyplace_change")
    kind_field = KeyPlace._meta.get_field("kind")
    result_field = SweepCheck._meta.get_field("result")
    return collection(
        [
            _feature(
                float(p["longitude"]),
                float(p["latitude"]),
                {
                    "id": p["id"],
                    "name": p["name"],
                    "kind": p["kind"],
                    "kind_label": choice_label(kind_field, p["kind"]),
                    "result": p["last_result"] or "",
                    "result_label": choice_label(result_field, p["last_result"])
                    if p["last_result"]
                    else "",
                    "checked": timezone.localdate(p["last_checked"]).isoformat()
                    if p["last_checked"]
                    else "",
                    "url": link(p["id"]) if _staff_links(user) else "",
                },
            )
            for p in places[:MAX_POINTS]
        ]
    )


def building_layer(user, filters: MapFilters) -> dict:
    buildings = _in_bbox(
        Building.objects.visible_to(user)
        .filter(latitude__isnull=False, longitude__isnull=False)
        .filter(grid__in=visible_grids(user, filters).values("pk"))
        .order_by("pk")
        .values("id", "name", "grid__code", "latitude", "longitude"),
        filters.bbox,
    )
    link = _Links("admin:grids_building_change")
    return collection(
        [
            _feature(
                float(b["longitude"]),
                float(b["latitude"]),
                {
                    "id": b["id"],
                    "name": b["name"],
                    "grid": b["grid__code"],
                    "url": link(b["id"]) if _staff_links(user) else "",
                },
            )
            for b in buildings[:MAX_POINTS]
        ]
    )


def unit_layer(user, filters: MapFilters) -> dict:
    """Resident units (驻区单位) with a point: name and kind only."""
    from partycommittee.models import ResidentUnit

    units = ResidentUnit.objects.visible_to(user).filter(
        latitude__isnull=False, longitude__isnull=False
    )
    if filters.community_ids is not None:
        units = units.filter(community_id__in=filters.community_ids)
    shown = _in_bbox(units, filters.bbox).order_by("pk")
    link = _Links("admin:partycommittee_residentunit_change")
    kind_field = ResidentUnit._meta.get_field("kind")
    return collection(
        [
            _feature(
                float(u["longitude"]),
                float(u["latitude"]),
                {
                    "id": u["id"],
                    "name": u["name"],
                    "kind": u["kind"],
                    "kind_label": choice_label(kind_field, u["kind"]),
                    "url": link(u["id"]) if _staff_links(user) else "",
                },
            )
            for u in shown.values("id", "name", "kind", "latitude", "longitude")[:MAX_POINTS]
        ]
    )


def wish_layer(user, filters: MapFilters) -> dict:
    """Published micro-wishes, counted per community. A wish carries only an address
    text (often a household's), never a point: the map shows no wish at an address, only
    a community's count at the middle of its grids' boundaries. Communities without any
    boundary are counted in `unplaced`. No title, no name, no phone."""
    from volunteers.models import MicroWish

    wishes = MicroWish.objects.visible_to(user).filter(status=MicroWish.Status.PUBLISHED)
    if filters.community_ids is not None:
        wishes = wishes.filter(community_id__in=filters.community_ids)
    if filters.category:
        wishes = wishes.none()  # the incident categories are not wishes'
    counts = dict(
        wishes.order_by()
        .values("community_id")
        .annotate(n=Count("pk"))
        .values_list("community_id", "n")
    )
    points: dict[int, list[list[float]]] = {}
    names: dict[int, str] = {}
    for grid in (
        Grid.objects.filter(community_id__in=list(counts), boundary__isnull=False)
        .order_by()
        .values("community_id", "community__name", "boundary")
    ):
        geometry = _geometry(grid["boundary"])
        if geometry:
            points.setdefault(grid["community_id"], []).extend(_outer_points(geometry))
            names[grid["community_id"]] = grid["community__name"]
    changelist = reverse("admin:volunteers_microwish_changelist")
    features, unplaced = [], 0
    for community_id, n in sorted(counts.items()):
        centre = _centre(points.get(community_id, []))
        if centre is None:
            unplaced += n
            continue
        url = f"{changelist}?community__id__exact={community_id}&status__exact=published"
        features.append(
            _feature(
                centre[0],
                centre[1],
                {
                    "community": names[community_id],
                    "count": n,
                    "url": url if _staff_links(user) else "",
                },
            )
        )
    return collection(features, unplaced=unplaced)


LAYERS = {
    "sweeps": sweep_layer,
    "buildings": building_layer,
    "units": unit_layer,
    "wishes": wish_layer,
}


def map_bounds(user, filters: MapFilters) -> list[float] | None:
    """[west, south, east, north] of the visible grids' boundaries, for the first view."""
    points: list[list[float]] = []
    for boundary in (
        visible_grids(user, filters)
        .filter(boundary__isnull=False)
        .values_list("boundary", flat=True)
    ):
        geometry = _geometry(boundary)
        if geometry:
            points.extend(_outer_points(geometry))
    if not points:
        return None
    lngs = [float(p[0]) for p in points]
    lats = [float(p[1]) for p in points]
    return [min(lngs), min(lats), max(lngs), max(lats)]
