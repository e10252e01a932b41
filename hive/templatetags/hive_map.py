"""The map's settings for the pages' JavaScript: `{% load hive_map %}{% map_settings_json %}`
renders one json_script (id "hive-map-settings") that static/hive/map.js reads."""

from typing import Any

from django import template
from django.conf import settings
from django.utils.html import json_script
from django.utils.safestring import SafeString

register = template.Library()

SCRIPT_ID = "hive-map-settings"


def map_settings() -> dict[str, Any]:
    """The tile layer (an empty url: no tiles, a plain background) and its datum."""
    return {
        "url": settings.HIVE_MAP_TILE_URL,
        "attribution": settings.HIVE_MAP_TILE_ATTRIBUTION,
        "subdomains": settings.HIVE_MAP_TILE_SUBDOMAINS,
        "maxZoom": settings.HIVE_MAP_TILE_MAX_ZOOM,
        "datum": settings.HIVE_MAP_TILE_DATUM,
    }


@register.simple_tag
def map_settings_json() -> SafeString:
    return json_script(map_settings(), SCRIPT_ID)
