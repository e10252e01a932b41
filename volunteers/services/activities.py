"""Teams, activities, sign-ups and attendance."""

from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hive.access.authorization import NotAuthorized, holds_role, require_administers
from hive.access.roles import Role
from hive.models import User
from hive.workflow import transition
from volunteers.models import Activity, PointRule, SignUp, Team, TeamMembership
from volunteers.services.points import _in_site_language, points_award_for_event


def _lock(activity: Activity) -> Activity:
    locked: Activity = Activity.objects.select_for_update().get(pk=activity.pk)
    return locked


@transaction.atomic
def team_member_add(*, team: Team, user: User, actor: User) -> TeamMembership:
    """Authorization: checked here (require_administers)."""
    require_administers(actor, team.community)
    if not holds_role(user, Role.PARTY_MEMBER, team.community_id):
        raise ValidationError(
            {"user": _("Only a party member or volunteer of this community can join.")}
        )
    membership, _created = TeamMembership.objects.get_or_create(team=team, user=user)
    return membership


@transaction.atomic
def activity_sign_up(*, activity: Activity, user: User) -> SignUp:
    """Take a place. The activity row is locked while the places are counted, so two
    people taking the last place at once are served one after the other: one gets it,
    the other hears the activity is full.

    Authorization: checked here (the community's party members and volunteers).
    """
    if not holds_role(user, Role.PARTY_MEMBER, activity.community_id):
        raise NotAuthorized(_("Only party members and volunteers of this community can sign up."))
    activity = _lock(activity)
    if activity.status != Activity.Status.OPEN:
        raise ValidationError(_("This activity is no longer open for sign-up."), code="closed")
    if activity.starts_at <= timezone.now():
        raise ValidationError(_("This activity has already started."), code="started")
    existing: SignUp | None = SignUp.objects.filter(activity=activity, user=user).first()
    if existing is not None and existing.status == SignUp.Status.SIGNED_UP:
        raise ValidationError(_("You have already signed up."), code="already_signed_up")
    taken = SignUp.objects.active().filter(activity=activity).count()
    if taken >= activity.capacity:
        raise ValidationError(_("Sorry, this activity is full."), code="full")
    if existing is not None:
        existing.status = SignUp.Status.SIGNED_UP
        existing.cancelled_at = None
        existing.save(update_fields=["status", "cancelled_at", "updated_at"])
        return existing
    created: SignUp = SignUp.objects.create(activity=activity, user=user)
    return created


@transaction.atomic
def activity_cancel_sign_up(*, activity: Activity, user: User) -> SignUp:
    """Give the place back (until the activity starts).

    Authorization: the caller's.
    """
    activity = _lock(activity)
    signup: SignUp | None = SignUp.objects.filter(
        activity=activity, user=user, status=SignUp.Status.SIGNED_UP
    ).first()
    if signup is None:
        raise ValidationError(_("You are not signed up for this activity."), code="not_signed_up")
    if activity.status != Activity.Status.OPEN or activity.starts_at <= timezone.now():
        raise ValidationError(
            _("The activity has started or closed; tell the organisers instead."),
            code="closed",
        )
    signup.status = SignUp.Status.CANCELLED
    signup.cancelled_at = timezone.now()
    signup.save(update_fields=["status", "cancelled_at", "updated_at"])
    return signup


@transaction.atomic
def activity_cancel(*, activity: Activity, actor: User, note: str) -> Activity:
    """Authorization: checked here (require_administers)."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say why the activity is cancelled.")})
    require_administers(actor, activity.community)
    activity = _lock(activity)
    transition(activity, action="cancel", actor=actor, note=note)
    return activity


@transaction.atomic
def activity_record_attendance(
    *,
    activity: Activity,
    actor: User,
    attendee_ids: Iterable[int],
    hours: Decimal | None = None,
) -> Activity:
    """Staff record who of those signed up came. Each attendee gets `hours` of service
    (default: the activity's length) and, if they are a party member, the community's
    activity-attendance points; the others are marked absent. Once per activity: the
    workflow refuses a second recording.

    Authorization: checked here (require_administers).
    """
    require_administers(actor, activity.community)
    activity = _lock(activity)
    if activity.starts_at > timezone.now():
        raise ValidationError(
            _("Record attendance once the activity has taken place."), code="not_started"
        )
    hours = activity.duration_hours if hours is None else Decimal(hours)
    if hours <= 0 or hours > Decimal("24"):
        raise ValidationError({"hours": _("Give the service hours, more than 0 and at most 24.")})
    attendee_ids = {int(pk) for pk in attendee_ids}
    signups = list(SignUp.objects.active().filter(activity=activity).select_related("user"))
    unknown = attendee_ids - {signup.user_id for signup in signups}
    if unknown:
        raise ValidationError(
            {"attendees": _("Only people signed up for the activity can be recorded.")}
        )
    activity.attendance_recorded_at = timezone.now()
    transition(
        activity,
        action="complete",
        actor=actor,
        note=_("%(count)s of %(total)s attended.")
        % {"count": len(attendee_ids), "total": len(signups)},
        update_fields=["attendance_recorded_at"],
    )
    came = [s.pk for s in signups if s.user_id in attendee_ids]
    SignUp.objects.filter(pk__in=came).update(attended=True, hours=hours, updated_at=timezone.now())
    SignUp.objects.filter(activity=activity, status=SignUp.Status.SIGNED_UP).exclude(
        pk__in=came
    ).update(attended=False, hours=0, updated_at=timezone.now())
    reason = _in_site_language(lambda: _("Took part in “%(title)s”") % {"title": activity.title})
    for signup in signups:
        if signup.user_id in attendee_ids:
            points_award_for_event(
                trigger=PointRule.Trigger.ACTIVITY_ATTENDANCE,
                community_id=activity.community_id,
                user=signup.user,
                source=signup,
                awarded_at=activity.starts_at,
                reason=reason,
            )
    return activity
