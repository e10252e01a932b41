"""The volunteers app's admin, one module per concern; Django's autodiscovery imports
this package, which registers every ModelAdmin by importing its modules."""

from volunteers.admin import activities, points, wishes

__all__ = ["activities", "points", "wishes"]
