"""Open311 speaks GeoReport v2 (open311/views.py), not the DRF API: nothing registers on
the shared router. The module exists because config.urls imports every app's api."""
