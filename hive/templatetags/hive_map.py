"""{% load hive_map %}{% map_settings_json %}: the tile settings of the map, as the
json_script "hive-map-settings" the map scripts read."""

from django import template
from django.conf import settings
from django.utils.html import json_script

register = template.Library()


@register.simple_tag
def map_settings_json():
    return json_script(
        {
            "url": settings.HIVE_MAP_TILE_URL,
            "attribution": settings.HIVE_MAP_TILE_ATTRIBUTION,
            "subdomains": settings.HIVE_MAP_TILE_SUBDOMAINS,
            "maxZoom": settings.HIVE_MAP_TILE_MAX_ZOOM,
            "datum": settings.HIVE_MAP_TILE_DATUM,
        },
        "hive-map-settings",
    )
