"""The map's GeoJSON endpoints (api/map/…): validate the query, hand it to grids.map.

Session or token authentication like the rest of the API; every layer is scoped like the
lists (grids.map). A bad parameter is a 400 with a message per field."""

from dataclasses import replace

from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from grids import map as selectors
from grids.models import Category, Grid, Incident
from hive import dashboard

STATUS_CHOICES = [
    (selectors.STATUS_OPEN, gettext_lazy("Open")),
    (selectors.STATUS_OVERDUE, gettext_lazy("Overdue")),
    *Incident.Status.choices,
]


class MapQuerySerializer(serializers.Serializer):
    """The query string every map endpoint reads."""

    bbox = serializers.CharField(
        required=False,
        help_text="west,south,east,north in WGS-84 degrees (longitude before latitude).",
    )
    zoom = serializers.IntegerField(
        required=False, min_value=0, max_value=selectors.MAX_ZOOM, default=12
    )
    period = serializers.ChoiceField(
        choices=list(dashboard.PERIODS), required=False, default=dashboard.DEFAULT_PERIOD
    )
    community = serializers.IntegerField(required=False, min_value=1)
    grid = serializers.IntegerField(required=False, min_value=1)
    category = serializers.ChoiceField(choices=Category.choices, required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=STATUS_CHOICES, required=False, allow_blank=True)

    def validate_bbox(self, value):
        parts = value.split(",")
        try:
            west, south, east, north = (float(part) for part in parts)
        except ValueError:
            raise serializers.ValidationError(
                _("Give four numbers: west,south,east,north.")
            ) from None
        if any(v != v for v in (west, south, east, north)):  # NaN
            raise serializers.ValidationError(_("Give four numbers: west,south,east,north."))
        if not (-180 <= west <= 180 and -180 <= east <= 180):
            raise serializers.ValidationError(_("Longitudes must lie between -180 and 180."))
        if not (-90 <= south <= 90 and -90 <= north <= 90):
            raise serializers.ValidationError(_("Latitudes must lie between -90 and 90."))
        if west >= east or south >= north:
            raise serializers.ValidationError(
                _("West must be less than east and south less than north.")
            )
        return (west, south, east, north)

    def validate_community(self, value):
        user = self.context["request"].user
        if not dashboard.dashboard_communities(user).filter(pk=value).exists():
            raise serializers.ValidationError(_("Not a community you run."))
        return value

    def validate_grid(self, value):
        user = self.context["request"].user
        if not Grid.objects.visible_to(user).filter(pk=value).exists():
            raise serializers.ValidationError(_("Not a grid you can see."))
        return value

    def filters(self) -> selectors.MapFilters:
        data = self.validated_data
        community = data.get("community")
        return selectors.MapFilters(
            period=dashboard.period_for(data.get("period")),
            community_ids=(community,) if community else None,
            category=data.get("category") or "",
            status=data.get("status") or "",
            grid_id=data.get("grid"),
            bbox=data.get("bbox"),
            zoom=data.get("zoom", 12),
        )


class IncidentMapQuerySerializer(MapQuerySerializer):
    def validate(self, attrs):
        zoom = attrs.get("zoom", 12)
        if zoom >= selectors.CLUSTER_BELOW_ZOOM:
            bbox = attrs.get("bbox")
            if bbox is None:
                raise serializers.ValidationError(
                    {"bbox": [_("Individual incidents need a viewport (bbox).")]}
                )
            west, south, east, north = bbox
            if east - west > selectors.MAX_POINT_SPAN or north - south > selectors.MAX_POINT_SPAN:
                raise serializers.ValidationError(
                    {
                        "bbox": [
                            _(
                                "The viewport is too large for individual incidents: at most "
                                "%(span)s degrees each way; zoom out for clusters."
                            )
                            % {"span": selectors.MAX_POINT_SPAN}
                        ]
                    }
                )
        return attrs


def _parameters(*names: str) -> list[OpenApiParameter]:
    described = {
        "bbox": (str, "west,south,east,north (WGS-84 degrees)."),
        "zoom": (
            int,
            f"Map zoom 0–{selectors.MAX_ZOOM}; clusters below "
            f"{selectors.CLUSTER_BELOW_ZOOM}, individual incidents from it on.",
        ),
        "period": (str, "month, quarter, year (default) or all: the dashboard's periods."),
        "community": (int, "One of the communities the user runs."),
        "grid": (int, "One grid the user can see."),
        "category": (str, "An incident category."),
        "status": (str, "An incident status, or open, or overdue."),
    }
    return [
        OpenApiParameter(name, kind, OpenApiParameter.QUERY, description=text)
        for name in names
        for kind, text in [described[name]]
    ]


ALL = ("bbox", "zoom", "period", "community", "grid", "category", "status")


class _MapView(APIView):
    query_class: type[MapQuerySerializer] = MapQuerySerializer

    def query(self, request) -> selectors.MapFilters:
        serializer = self.query_class(data=request.query_params, context={"request": request})
        serializer.is_valid(raise_exception=True)
        return serializer.filters()


class GridMapView(_MapView):
    @extend_schema(
        summary="Grids with their boundaries (GeoJSON)",
        parameters=_parameters("community", "grid", "category"),
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        return Response(selectors.grid_layer(request.user, self.query(request)))


class IncidentMapView(_MapView):
    query_class = IncidentMapQuerySerializer

    @extend_schema(
        summary="Incidents on the map: clusters at low zoom, points at high zoom (GeoJSON)",
        description=(
            "Below the cluster zoom, features are cells counted on the server "
            "(`cluster: true`, `count`, `overdue`); from it on, individual incidents "
            f"(at most {selectors.MAX_POINTS}, `truncated` when more matched). No personal data."
        ),
        parameters=_parameters(*ALL),
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        return Response(selectors.incident_layer(request.user, self.query(request)))


class HeatMapView(_MapView):
    @extend_schema(
        summary="Weighted cells of the incidents in the period (GeoJSON)",
        parameters=_parameters("zoom", "period", "community", "category", "status"),
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        filters = self.query(request)
        if "zoom" not in request.query_params:
            filters = replace(filters, zoom=selectors.HEAT_ZOOM)
        return Response(selectors.heat_layer(request.user, filters))


class LayerMapView(_MapView):
    layer = ""  # a key of grids.map.LAYERS, given in the URL configuration

    @extend_schema(
        summary="Another layer: key places' sweeps, buildings, resident units or wishes",
        parameters=_parameters("bbox", "community", "grid", "category"),
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        return Response(selectors.LAYERS[self.layer](request.user, self.query(request)))


urlpatterns = [
    path("grids/", GridMapView.as_view(), name="grids"),
    path("incidents/", IncidentMapView.as_view(), name="incidents"),
    path("heat/", HeatMapView.as_view(), name="heat"),
    *[
        path(f"layers/{name}/", LayerMapView.as_view(layer=name), name=f"layer-{name}")
        for name in selectors.LAYERS
    ],
]
