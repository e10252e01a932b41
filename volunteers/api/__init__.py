"""API of the volunteers app, one module per concern; its viewsets register here on the
shared router (hive.api.router), which config/urls.py serves."""

from hive.api import router
from volunteers.api.activities import ActivityViewSet, SignUpViewSet, TeamViewSet
from volunteers.api.points import (
    PartyMemberViewSet,
    PointAwardViewSet,
    PointEntryViewSet,
    StarRatingViewSet,
)
from volunteers.api.wishes import MicroWishViewSet

router.register("wishes", MicroWishViewSet)
router.register("teams", TeamViewSet)
router.register("activities", ActivityViewSet)
router.register("activity-signups", SignUpViewSet)
router.register("party-members", PartyMemberViewSet)
router.register("point-entries", PointEntryViewSet)
router.register("point-awards", PointAwardViewSet)
router.register("star-ratings", StarRatingViewSet)
