"""The volunteers' part of the admin home (hive.workbench): wishes to review and point
awards to approve, and where the volunteering and points models sit."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hive import workbench
from volunteers.models import (
    Activity,
    MicroWish,
    PartyMember,
    PointAward,
    PointEntry,
    PointRule,
    PointsScheme,
    StarRating,
    Team,
)

workbench.register(
    workbench.counting_tray(
        name="volunteers.wishes",
        order=30,
        model=MicroWish,
        counted=[
            workbench.Counted(
                "wishes_to_review",
                _("Micro-wishes to review"),
                Q(status=MicroWish.Status.SUBMITTED),
                {"status__exact": MicroWish.Status.SUBMITTED},
            )
        ],
    )
)
workbench.register(
    workbench.counting_tray(
        name="volunteers.awards",
        order=40,
        model=PointAward,
        counted=[
            workbench.Counted(
                "awards_to_approve",
                _("Point awards to approve"),
                Q(status=PointAward.Status.PENDING),
                {"status__exact": PointAward.Status.PENDING},
            )
        ],
    )
)

workbench.group(
    workbench.Group(
        "volunteering",
        _("Micro-wishes and volunteering"),
        order=30,
        models=(MicroWish, Activity, Team),
    )
)
workbench.group(
    workbench.Group(
        "points",
        _("Party members and points"),
        order=35,
        models=(PartyMember, PointAward, PointEntry, StarRating, PointRule, PointsScheme),
    )
)
