"""WSGI entry for scripts/bench_grids.py: the real site plus one hand-written comparison
view, served by the same gunicorn (never used outside the benchmark)."""

import os

import django
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
settings.ROOT_URLCONF = "scripts.bench_grids_urls"

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
