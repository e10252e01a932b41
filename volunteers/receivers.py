"""Signal receivers, connected in VolunteersConfig.ready()."""

from django.utils.translation import gettext as _

from volunteers.models import PointRule
from volunteers.services.points import (
    _in_site_language,
    meeting_points_award,
    points_award_for_event,
)


def award_points_for_confirmed_wish(sender, *, wish, actor=None, **kwargs):
    """Practical help for residents: the claimer's points, once per wish (the ledger's
    unique constraint stops a second award if the signal ever fires twice). Inside
    wish_confirm's transaction: a failure here rolls the confirmation back too."""
    points_award_for_event(
        trigger=PointRule.Trigger.WISH_CONFIRMED,
        community_id=wish.community_id,
        user=wish.claimed_by,
        source=wish,
        awarded_at=wish.confirmed_at,
        reason=_in_site_language(
            lambda: _("Micro-wish fulfilled: %(title)s") % {"title": wish.title}
        ),
    )


def award_meeting_points(sender, *, meeting, **kwargs):
    """The joint meeting's "award points" admin action (partycommittee)."""
    meeting_points_award(meeting=meeting)
