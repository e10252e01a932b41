"""The site's URLs plus the hand-written baseline: the same 50 rows as JSON via .values()."""

from django.http import JsonResponse
from django.urls import path

from config.urls import urlpatterns as site_patterns
from grids.api import INCIDENT_LIST_FIELDS
from grids.models import Incident


def baseline(request):
    rows = list(
        Incident.objects.filter(
            status=request.GET["status"],
            category=request.GET["category"],
            grid_id=int(request.GET["grid"]),
        )
        .order_by("-id")
        .values(*INCIDENT_LIST_FIELDS)[:50]
    )
    return JsonResponse({"results": rows})


urlpatterns = [path("bench/baseline/", baseline), *site_patterns]
