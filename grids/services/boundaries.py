"""Importing the boundaries of a community's grids from one GeoJSON or KML file: every row
or none, each bad feature reported by its number and name, overlaps as warnings."""

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from grids.models import Grid
from grids.selectors import community_overlaps
from hive import geo
from hive.access.authorization import require_administers
from hive.dashboard import dashboard_invalidate
from hive.models import Community, User


@dataclass
class BoundaryRow:
    """One feature of the file: its number (from 1), the name it gives, the grid it names
    and its cleaned boundary, or why it is refused."""

    number: int
    label: str
    grid: Grid | None = None
    boundary: dict[str, Any] | None = None
    error: str = ""


@dataclass
class BoundaryImport:
    rows: list[BoundaryRow] = field(default_factory=list)
    overlaps: list[tuple[Grid, Grid]] = field(default_factory=list)
    stored: bool = False

    @property
    def errors(self) -> list[BoundaryRow]:
        return [row for row in self.rows if row.error]


# --- Reading the file --------------------------------------------------------------------
# Each reader yields (code, name, geometry or an error message).

Feature = tuple[str, str, dict[str, Any] | None, str]


def _geojson_features(data: bytes) -> Iterator[Feature]:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        # RecursionError: JSON nested thousands deep, small enough to pass the size cap.
        raise ValidationError(
            {"file": _("The file is not valid GeoJSON (JSON text in UTF-8).")}
        ) from None
    if isinstance(document, dict) and document.get("type") == "Feature":
        document = {"type": "FeatureCollection", "features": [document]}
    if not (
        isinstance(document, dict)
        and document.get("type") == "FeatureCollection"
        and isinstance(document.get("features"), list)
    ):
        raise ValidationError({"file": _("A GeoJSON file here is a FeatureCollection.")})
    for feature in document["features"]:
        if not isinstance(feature, dict):
            yield "", "", None, _("A feature must be a GeoJSON object.")
            continue
        properties = feature.get("properties")
        properties = properties if isinstance(properties, dict) else {}
        code = str(properties.get("code") or "").strip()
        name = str(properties.get("name") or "").strip()
        geometry = feature.get("geometry")
        yield code, name, geometry if isinstance(geometry, dict) else None, ""


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(element: Any, name: str) -> list[Any]:
    return [child for child in element.iter() if _local(child.tag) == name]


def _kml_ring(element: Any) -> list[list[float]]:
    coordinates = _children(element, "coordinates")
    if not coordinates:
        raise ValueError(_("A ring has no coordinates."))
    ring = []
    for chunk in (coordinates[0].text or "").split():
        parts = chunk.split(",")
        if len(parts) not in (2, 3):
            raise ValueError(_("Coordinates are written “longitude,latitude[,altitude]”."))
        ring.append([float(parts[0]), float(parts[1])])
    return ring


def _kml_polygon(polygon: Any) -> list[list[list[float]]]:
    rings: list[list[list[float]]] = []
    for boundary in polygon:
        kind = _local(boundary.tag)
        if kind in ("outerBoundaryIs", "innerBoundaryIs"):
            ring = _kml_ring(boundary)
            rings.insert(0, ring) if kind == "outerBoundaryIs" else rings.append(ring)
    return rings


def _kml_features(data: bytes) -> Iterator[Feature]:
    try:
        root = SafeET.fromstring(data)
    except DefusedXmlException:
        raise ValidationError(
            {"file": _("The KML file declares entities or a DTD, which are refused.")}
        ) from None
    except SafeET.ParseError:
        raise ValidationError({"file": _("The file is not valid KML (XML).")}) from None
    if _local(root.tag) != "kml":
        raise ValidationError({"file": _("The file is not valid KML (XML).")})
    for placemark in _children(root, "Placemark"):
        name = code = ""
        for child in placemark:
            if _local(child.tag) == "name":
                name = (child.text or "").strip()
        for data_element in _children(placemark, "Data") + _children(placemark, "SimpleData"):
            if data_element.get("name") == "code":
                value = (
                    _children(data_element, "value")[0].text
                    if _local(data_element.tag) == "Data" and _children(data_element, "value")
                    else data_element.text
                )
                code = (value or "").strip()
        polygons = _children(placemark, "Polygon")
        try:
            shapes = [_kml_polygon(polygon) for polygon in polygons]
        except ValueError as exc:
            yield code, name, None, str(exc)
            continue
        if not shapes:
            yield code, name, None, _("The boundary must be a GeoJSON Polygon or MultiPolygon.")
        elif len(shapes) == 1:
            yield code, name, {"type": "Polygon", "coordinates": shapes[0]}, ""
        else:
            yield code, name, {"type": "MultiPolygon", "coordinates": shapes}, ""


def _features(data: bytes, filename: str) -> Iterator[Feature]:
    lowered = filename.lower()
    if lowered.endswith(".kml") or data.lstrip()[:1] == b"<":
        return _kml_features(data)
    if lowered.endswith((".geojson", ".json")) or data.lstrip()[:1] == b"{":
        return _geojson_features(data)
    raise ValidationError({"file": _("Upload a GeoJSON (.geojson, .json) or KML (.kml) file.")})


# --- The import --------------------------------------------------------------------------


@transaction.atomic
def boundary_import(
    *,
    actor: User,
    community: Community,
    data: bytes,
    filename: str = "",
    datum: str = geo.WGS84,
    check_only: bool = False,
) -> BoundaryImport:
    """Set the boundaries of a community's grids from a GeoJSON FeatureCollection or a KML
    file. Features are matched to grids by their `code` property (KML: an ExtendedData
    `code`), else by their name. Every feature is checked (hive.geo.clean_boundary, the
    datum converted once); one bad feature stores nothing. `check_only` reads and checks
    without storing. File-level problems raise ValidationError on `file`.

    Authorization: checked here (community staff of the community)."""
    require_administers(actor, community.pk)
    if len(data) > settings.HIVE_MAP_MAX_IMPORT_BYTES:
        raise ValidationError(
            {
                "file": _("The file is larger than %(size)s MB.")
                % {"size": round(settings.HIVE_MAP_MAX_IMPORT_BYTES / 1024 / 1024, 1)}
            }
        )
    grids = list(Grid.objects.for_people().filter(community=community).order_by("code", "pk"))
    by_code = {grid.code: grid for grid in grids}
    by_name = {grid.name: grid for grid in grids}
    result = BoundaryImport()
    seen: dict[int, int] = {}
    for number, (code, name, geometry, problem) in enumerate(_features(data, filename), start=1):
        row = BoundaryRow(number=number, label=" ".join(part for part in (code, name) if part))
        result.rows.append(row)
        if problem:
            row.error = problem
            continue
        grid = by_code.get(code) if code else by_name.get(name)
        if grid is None:
            key = code or name
            if not key:
                row.error = _("The feature has no `code` or `name` property naming its grid.")
            elif (
                Grid.objects.exclude(community=community).filter(code=code).exists()
                if code
                else Grid.objects.exclude(community=community).filter(name=name).exists()
            ):
                row.error = _("%(grid)s is a grid of another community.") % {"grid": key}
            else:
                row.error = _("No grid of %(community)s is called %(grid)s.") % {
                    "community": community.name,
                    "grid": key,
                }
            continue
        row.grid = grid
        if grid.pk in seen:
            row.error = _("Feature %(number)s already sets this grid's boundary.") % {
                "number": seen[grid.pk]
            }
            continue
        seen[grid.pk] = number
        try:
            row.boundary = geo.clean_boundary(geometry, datum=datum)
        except ValidationError as exc:
            row.error = " ".join(exc.messages)
            continue
        if row.boundary is None:
            row.error = _("The feature has no geometry.")
    if not result.rows:
        raise ValidationError({"file": _("The file holds no features.")})
    if result.errors or check_only:
        # Overlaps among what the file would store, for the check's report.
        if not result.errors:
            result.overlaps = _overlaps_after(grids, result.rows)
        return result
    for row in result.rows:
        if row.grid is not None:  # always, once no row has an error
            row.grid.boundary = row.boundary
            row.grid.save(update_fields=["boundary", "updated_at"])
    result.stored = True
    result.overlaps = community_overlaps(community.pk)
    dashboard_invalidate(community_id=community.pk)
    return result


def _overlaps_after(grids: list[Grid], rows: list[BoundaryRow]) -> list[tuple[Grid, Grid]]:
    new = {row.grid.pk: row.boundary for row in rows if row.grid is not None}
    by_pk = {grid.pk: grid for grid in grids}
    pairs = geo.overlaps((grid.pk, new.get(grid.pk, grid.boundary)) for grid in grids)
    return [(by_pk[a], by_pk[b]) for a, b in pairs]
