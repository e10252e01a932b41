"""Models of the volunteers app, one module per concern; import them from here
(`from volunteers.models import MicroWish`)."""

from volunteers.models.activities import Activity, SignUp, Team, TeamMembership
from volunteers.models.points import (
    PartyMember,
    PointAward,
    PointEntry,
    PointRule,
    PointsScheme,
    StarRating,
)
from volunteers.models.wishes import (
    TRACKING_CODE_ALPHABET,
    TRACKING_CODE_LENGTH,
    MicroWish,
    WishPhoto,
    new_tracking_code,
    normalise_tracking_code,
    wish_photo_path,
)

__all__ = [
    "TRACKING_CODE_ALPHABET",
    "TRACKING_CODE_LENGTH",
    "Activity",
    "MicroWish",
    "PartyMember",
    "PointAward",
    "PointEntry",
    "PointRule",
    "PointsScheme",
    "SignUp",
    "StarRating",
    "Team",
    "TeamMembership",
    "WishPhoto",
    "new_tracking_code",
    "normalise_tracking_code",
    "wish_photo_path",
]
