"""Pages of the volunteers app, one module per concern; volunteers/urls.py routes to
them."""

from volunteers.views import activities, points, wishes

__all__ = ["activities", "points", "wishes"]
