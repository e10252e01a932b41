"""Points (积分) and star ratings (星级): every write to the ledger goes through here.

Automatic awards (activity attendance, confirmed micro-wishes, joint-meeting attendance)
find the community's active rule for the event and write one entry per (rule, source,
member): the `point_entry_once_per_source` unique constraint makes a repeated event a
no-op even when two of them race. Manual awards are proposed by one staff member and
approved by another. Nothing is ever updated or deleted: corrections reverse.
"""

import datetime
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Model, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from hive import periods
from hive.access.authorization import require_administers
from hive.dashboard import dashboard_invalidate
from hive.models import User
from hive.workflow import transition
from volunteers.models import PartyMember, PointAward, PointEntry, PointRule, PointsScheme
from volunteers.models.points import StarRating

if TYPE_CHECKING:
    from partycommittee.models import JointMeeting


logger = logging.getLogger(__name__)


def period_range(
    scheme: PointsScheme, day: datetime.date
) -> tuple[datetime.date, datetime.date, datetime.datetime, datetime.datetime]:
    """The rating period containing `day`: its first day, the first day after it, and
    the same two as aware datetimes at local midnight (the ledger's `awarded_at` range)."""
    start, end = scheme.bounds(day)
    tz = timezone.get_default_timezone()
    return (
        start,
        end,
        timezone.make_aware(datetime.datetime.combine(start, datetime.time.min), tz),
        timezone.make_aware(datetime.datetime.combine(end, datetime.time.min), tz),
    )


def _local_day(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


def _in_site_language(text_fn: Callable[..., str]) -> str:
    """Ledger reasons are stored once, in the deployment's language, whoever triggered
    the award (a resident on an English page, a worker with no request)."""
    with translation.override(settings.LANGUAGE_CODE):
        return text_fn()


def _cap_room(rule: PointRule, member: PartyMember, awarded_at: datetime.datetime) -> int | None:
    """How many more points the rule may give the member in awarded_at's period."""
    if rule.cap_per_period is None:
        return None
    scheme = PointsScheme.for_community(member.community_id)
    _start, _end, start_at, end_at = period_range(scheme, _local_day(awarded_at))
    given = (
        PointEntry.objects.filter(
            member=member, rule=rule, awarded_at__gte=start_at, awarded_at__lt=end_at
        ).aggregate(total=Sum("points"))["total"]
        or 0
    )
    return max(rule.cap_per_period - given, 0)


@transaction.atomic
def points_award(
    *,
    rule: PointRule,
    member: PartyMember,
    reason: str,
    awarded_at: datetime.datetime,
    source: Model | None = None,
    points: int | None = None,
    recorded_by: User | None = None,
    approved_by: User | None = None,
    over_cap: str = "clip",
) -> PointEntry | None:
    """Write one ledger entry; return it, or None when nothing was due (already awarded
    for this source, or the rule's cap for the period is used up).

    `over_cap`: "clip" gives what room is left under the cap (automatic awards);
    "refuse" raises a ValidationError instead (a manual award staff can rethink).

    Authorization: the caller's.
    """
    if rule.community_id != member.community_id:
        raise ValidationError({"rule": _("The rule belongs to another community.")})
    points = rule.points if points is None else points
    # Serialise awards per member: the cap check below reads, then writes.
    PartyMember.objects.select_for_update().filter(pk=member.pk).values_list("pk").first()
    source_type = ContentType.objects.get_for_model(source) if source is not None else None
    source_id = source.pk if source is not None else None
    if (
        source is not None
        and PointEntry.objects.filter(
            rule=rule,
            member=member,
            source_type=source_type,
            source_id=source_id,
            reverses__isnull=True,
        ).exists()
    ):
        return None
    room = _cap_room(rule, member, awarded_at) if points > 0 else None
    if room is not None and points > room:
        if over_cap == "refuse":
            raise ValidationError(
                {
                    "points": _(
                        "This rule's cap allows only %(room)s more points for this member "
                        "in the period."
                    )
                    % {"room": room}
                },
                code="over_cap",
            )
        points = room
    if points == 0:
        return None
    entry = PointEntry(
        community_id=member.community_id,
        member=member,
        rule=rule,
        points=points,
        reason=reason[:300],
        source_type=source_type,
        source_id=source_id,
        awarded_at=awarded_at,
        recorded_by=recorded_by,
        approved_by=approved_by,
    )
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        # The same event awarded at the same moment by someone else: theirs stands.
        if source is None:
            raise
        return None
    return entry


def automatic_rule(community_id: int, trigger: str) -> PointRule | None:
    return PointRule.objects.filter(
        community_id=community_id, trigger=trigger, is_active=True
    ).first()


def points_award_for_event(
    *,
    trigger: str,
    community_id: int,
    user: User | None,
    source: Model,
    awarded_at: datetime.datetime,
    reason: str,
) -> PointEntry | None:
    """Apply the community's automatic rule for `trigger` to the user's party-member
    profile. No active rule, or no profile (a volunteer, not a party member): nothing.

    Authorization: the caller's.
    """
    if user is None:
        return None
    rule = automatic_rule(community_id, trigger)
    if rule is None:
        return None
    member = PartyMember.objects.filter(community_id=community_id, user=user).first()
    if member is None or not member.is_active:
        return None
    return points_award(
        rule=rule, member=member, source=source, awarded_at=awarded_at, reason=reason
    )


@transaction.atomic
def entry_reverse(*, entry: PointEntry, actor: User | None, reason: str) -> PointEntry:
    """Cancel an entry with a new one of the opposite sign (never an edit or a delete).
    `actor` None: the system corrects itself (an attendance changed after the award).

    Authorization: checked here (require_administers).
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the entry is reversed.")})
    if actor is not None:
        require_administers(actor, entry.community)
    if entry.reverses_id is not None:
        raise ValidationError(
            _("This entry is itself a correction; record a new award instead."),
            code="reverse_reversal",
        )
    if PointEntry.objects.filter(reverses=entry).exists():
        raise ValidationError(_("This entry has already been reversed."), code="already_reversed")
    correction = PointEntry(
        community_id=entry.community_id,
        member_id=entry.member_id,
        rule_id=entry.rule_id,
        points=-entry.points,
        reason=reason[:300],
        source_type_id=entry.source_type_id,
        source_id=entry.source_id,
        reverses=entry,
        # Same period as the entry it cancels, so that period's score is put right.
        awarded_at=entry.awarded_at,
        recorded_by=actor,
        approved_by=actor,
    )
    try:
        with transaction.atomic():
            correction.save()
    except IntegrityError:
        raise ValidationError(
            _("This entry has already been reversed."), code="already_reversed"
        ) from None
    return correction


# --- Manual awards: one proposes, another approves -------------------------------------


@transaction.atomic
def award_propose(
    *,
    member: PartyMember,
    rule: PointRule,
    reason: str,
    occurred_on: datetime.date,
    actor: User,
    points: int | None = None,
) -> PointAward:
    """Staff propose a manual award or deduction; nothing reaches the ledger until a
    second staff member approves it.

    Authorization: checked here (require_administers).
    """
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = _("Say what the points are for.")
    if rule.community_id != member.community_id:
        errors["rule"] = _("The rule belongs to another community.")
    elif rule.trigger != PointRule.Trigger.MANUAL:
        errors["rule"] = _("This rule is applied automatically; choose a manual rule.")
    elif not rule.is_active:
        errors["rule"] = _("This rule is switched off.")
    points = rule.points if points is None else points
    if points == 0 or (points > 0) != (rule.points > 0):
        errors["points"] = _("The points must have the rule's sign (negative for deductions).")
    if occurred_on is None or occurred_on > timezone.localdate():
        errors["occurred_on"] = _("Give the day it happened (not in the future).")
    if errors:
        raise ValidationError(errors)
    require_administers(actor, member.community)
    award = PointAward.objects.create(
        community_id=member.community_id,
        member=member,
        rule=rule,
        points=points,
        reason=reason,
        occurred_on=occurred_on,
        requested_by=actor,
    )
    from hive.models import TimelineEntry

    TimelineEntry.objects.create(
        subject=award,
        community_id=award.community_id,
        actor=actor,
        from_state="",
        to_state=PointAward.Status.PENDING,
    )
    return award


def _lock_award(award: PointAward) -> PointAward:
    return PointAward.objects.select_for_update().select_related("member", "rule").get(pk=award.pk)


def _second_person(award: PointAward, actor: User) -> None:
    if award.requested_by_id == actor.pk:
        raise ValidationError(
            _("A second staff member must decide: you proposed this award."),
            code="same_person",
        )


@transaction.atomic
def award_approve(*, award: PointAward, actor: User, note: str = "") -> PointAward:
    """The second staff member approves: the ledger entry is written now.

    Authorization: checked here (require_administers).
    """
    award = _lock_award(award)
    require_administers(actor, award.member.community)
    _second_person(award, actor)
    # transition() below would refuse too; say it before touching the ledger.
    PointAward.workflow.lock(award, action="approve")
    awarded_at = timezone.make_aware(
        datetime.datetime.combine(award.occurred_on, datetime.time(12)),
        timezone.get_default_timezone(),
    )
    entry = points_award(
        rule=award.rule,
        member=award.member,
        source=award,
        points=award.points,
        reason=award.reason,
        awarded_at=awarded_at,
        recorded_by=award.requested_by,
        approved_by=actor,
        over_cap="refuse",
    )
    if entry is None:  # pragma: no cover - pending awards have no entry yet
        raise ValidationError(_("This award is already in the ledger."))
    award.entry = entry
    award.decided_by = actor
    award.decided_at = timezone.now()
    award.decision_note = (note or "").strip()[:300]
    transition(
        award,
        action="approve",
        actor=actor,
        note=award.decision_note,
        update_fields=["entry", "decided_by", "decided_at", "decision_note"],
    )
    return award


@transaction.atomic
def award_reject(*, award: PointAward, actor: User, note: str) -> PointAward:
    """Authorization: checked here (require_administers)."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say why the award is rejected.")})
    award = _lock_award(award)
    require_administers(actor, award.member.community)
    _second_person(award, actor)
    award.decided_by = actor
    award.decided_at = timezone.now()
    award.decision_note = note[:300]
    transition(
        award,
        action="reject",
        actor=actor,
        note=note,
        update_fields=["decided_by", "decided_at", "decision_note"],
    )
    return award


# --- Joint meetings (partycommittee) ------------------------------------------------------


def meeting_points_award(*, meeting: "JointMeeting", now: datetime.datetime | None = None) -> int:
    """Award the joint-meeting rule to the in-service party members registered from each
    unit recorded present (attendance is per unit, so every member the unit registered
    with the community shares it). Idempotent: run it again after attendance changes;
    a unit no longer recorded present has its members' awards reversed.

    Called by the daily `volunteers.award_meeting_points` task and by the staff's
    "award points" action on the joint meeting in the admin. Returns entries written.

    Authorization: the caller's.
    """
    from partycommittee.models import MeetingAttendance

    now = now or timezone.now()
    if meeting.held_at > now:
        raise ValidationError(
            _("The meeting has not been held yet: points follow the recorded attendance."),
            code="not_held",
        )
    rule = automatic_rule(meeting.community_id, PointRule.Trigger.MEETING_ATTENDANCE)
    if rule is None:
        return 0
    written = 0
    rows = list(MeetingAttendance.objects.filter(meeting=meeting).select_related("unit"))
    present_units = [row.unit_id for row in rows if row.status == MeetingAttendance.Status.PRESENT]
    members_by_unit: dict[int, list[PartyMember]] = {}
    for member in PartyMember.objects.filter(
        community_id=meeting.community_id,
        is_active=True,
        is_in_service=True,
        registered_unit_id__in=present_units,
    ):
        members_by_unit.setdefault(member.registered_unit_id, []).append(member)
    attendance_type = ContentType.objects.get_for_model(MeetingAttendance)
    for row in rows:
        if row.status == MeetingAttendance.Status.PRESENT:
            reason = _in_site_language(
                lambda row=row: (
                    _("Joint meeting “%(meeting)s”: %(unit)s present")
                    % {"meeting": meeting.title, "unit": row.unit.name}
                )
            )
            for member in members_by_unit.get(row.unit_id, []):
                with transaction.atomic():
                    if points_award(
                        rule=rule,
                        member=member,
                        source=row,
                        awarded_at=meeting.held_at,
                        reason=reason,
                    ):
                        written += 1
            continue
        # Recorded present before, not any more: reverse what it gave.
        stale = PointEntry.objects.filter(
            rule=rule,
            source_type=attendance_type,
            source_id=row.pk,
            reverses__isnull=True,
            reversed_by__isnull=True,
        )
        for entry in stale:
            reason = _in_site_language(
                lambda row=row: (
                    _("Attendance corrected: %(unit)s %(status)s")
                    % {"unit": row.unit.name, "status": row.get_status_display()}
                )
            )
            with transaction.atomic():
                entry_reverse(entry=entry, actor=None, reason=reason)
            written += 1
    return written


def meetings_award_recent(*, days: int = 30, now: datetime.datetime | None = None) -> int:
    """Apply meeting_points_award to the meetings held in the last `days` days.

    Authorization: the caller's.
    """
    from partycommittee.models import JointMeeting

    now = now or timezone.now()
    meetings = JointMeeting.objects.filter(
        held_at__lte=now, held_at__gte=now - datetime.timedelta(days=days)
    )
    return sum(meeting_points_award(meeting=meeting, now=now) for meeting in meetings)


# --- Star ratings ------------------------------------------------------------------------

_RATING_SQL = """
INSERT INTO {rating} (created_at, updated_at, community_id, member_id,
                      period_start, period_end, period_label, score, stars)
SELECT %(now)s, %(now)s, m.community_id, m.id, %(start)s, %(end)s, %(label)s,
       %(initial)s + COALESCE(t.total, 0),
       CASE
           WHEN %(initial)s + COALESCE(t.total, 0) >= %(star5)s THEN 5
           WHEN %(initial)s + COALESCE(t.total, 0) >= %(star4)s THEN 4
           WHEN %(initial)s + COALESCE(t.total, 0) >= %(star3)s THEN 3
           WHEN %(initial)s + COALESCE(t.total, 0) >= %(star2)s THEN 2
           ELSE 1
       END
FROM {member} m
LEFT JOIN (
    SELECT member_id, SUM(points) AS total
    FROM {entry}
    WHERE community_id = %(community)s
      AND awarded_at >= %(start_at)s AND awarded_at < %(end_at)s
    GROUP BY member_id
) t ON t.member_id = m.id
WHERE m.community_id = %(community)s AND m.is_active = %(true)s
ON CONFLICT (member_id, period_start) DO UPDATE
SET score = excluded.score,
    stars = excluded.stars,
    period_end = excluded.period_end,
    period_label = excluded.period_label,
    updated_at = excluded.updated_at
WHERE {rating}.score <> excluded.score
   OR {rating}.stars <> excluded.stars
   OR {rating}.period_end <> excluded.period_end
"""


def ratings_compute(
    *, community_id: int, day: datetime.date | None = None, now: datetime.datetime | None = None
) -> int:
    """Compute every active member's score and stars for the period containing `day`
    (default today) and store them; return the rows inserted or changed.

    Score = the scheme's initial score + the sum of the period's ledger entries; stars
    from the scheme's thresholds (1 below the two-star threshold). One statement does
    it all: a GROUP BY over the ledger joined to the members, upserted into the ratings
    (unique per member and period). A row whose score and stars did not change is not
    touched, so a second run changes nothing. Query count: 2, whatever the community's
    size (the scheme, then the statement).

    Authorization: the caller's.
    """
    now = now or timezone.now()
    day = day or _local_day(now)
    scheme = PointsScheme.for_community(community_id)
    start, end, start_at, end_at = period_range(scheme, day)
    ops = connection.ops
    sql = _RATING_SQL.format(
        rating=connection.ops.quote_name(StarRating._meta.db_table),
        member=connection.ops.quote_name(PartyMember._meta.db_table),
        entry=connection.ops.quote_name(PointEntry._meta.db_table),
    )
    params = {
        "now": ops.adapt_datetimefield_value(now),
        "start": ops.adapt_datefield_value(start),
        "end": ops.adapt_datefield_value(end),
        "label": periods.code(scheme.period, start),
        "initial": scheme.initial_score,
        "star2": scheme.star2_from,
        "star3": scheme.star3_from,
        "star4": scheme.star4_from,
        "star5": scheme.star5_from,
        "community": community_id,
        "start_at": ops.adapt_datetimefield_value(start_at),
        "end_at": ops.adapt_datetimefield_value(end_at),
        "true": True,
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        changed: int = max(cursor.rowcount, 0)
    if changed:
        # One statement, no post_save: the dashboard's star figures are told here.
        dashboard_invalidate(community_id=community_id)
    return changed


def ratings_compute_all(*, day: datetime.date | None = None) -> int:
    """Every community's ratings for the period containing `day`, and for the previous
    period too during its first week (late approvals and corrections land there).

    Authorization: the caller's.
    """
    from hive.models import Community

    day = day or timezone.localdate()
    changed = 0
    for community_id in Community.objects.values_list("pk", flat=True):
        changed += ratings_compute(community_id=community_id, day=day)
        scheme = PointsScheme.for_community(community_id)
        start, _end = scheme.bounds(day)
        if (day - start).days < 7:
            changed += ratings_compute(
                community_id=community_id, day=start - datetime.timedelta(days=1)
            )
    return changed
