"""The volunteers' part of the admin home (hive.workbench): wishes to review and point
awards to approve, and where the volunteering and points models sit."""

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from hive import workbench
from hive.dashboard import changelist_url
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


def _wish_counts(user):
    return MicroWish.objects.managed_by(user).aggregate(
        wishes_to_review=Count("pk", filter=Q(status=MicroWish.Status.SUBMITTED))
    )


def _award_counts(user):
    return PointAward.objects.managed_by(user).aggregate(
        awards_to_approve=Count("pk", filter=Q(status=PointAward.Status.PENDING))
    )


workbench.register(
    workbench.Tray(
        name="volunteers.wishes",
        order=30,
        permission="volunteers.view_microwish",
        todos=(
            workbench.ToDo(
                "wishes_to_review",
                _("Micro-wishes to review"),
                lambda: changelist_url(
                    "volunteers_microwish", None, status__exact=MicroWish.Status.SUBMITTED
                ),
            ),
        ),
        counts=_wish_counts,
    )
)
workbench.register(
    workbench.Tray(
        name="volunteers.awards",
        order=40,
        permission="volunteers.view_pointaward",
        todos=(
            workbench.ToDo(
                "awards_to_approve",
                _("Point awards to approve"),
                lambda: changelist_url(
                    "volunteers_pointaward", None, status__exact=PointAward.Status.PENDING
                ),
            ),
        ),
        counts=_award_counts,
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
