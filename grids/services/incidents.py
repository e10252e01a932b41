"""Writes for six-small incidents (六小): reporting, the workflow, replies, the overdue
check."""

import datetime
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.db.models.signals import pre_save
from django.utils import timezone
from django.utils.translation import gettext as _

from grids import escalation
from grids.models import (
    DEFAULT_TIME_LIMIT_HOURS,
    Building,
    Grid,
    Incident,
    IncidentOverdueFlag,
    IncidentPhoto,
    IncidentReply,
    IncidentTimeLimit,
    ReplyTemplate,
    ResidentReport,
    works_on_incident,
)
from grids.selectors import eligible_assignees
from grids.services.places import _require_grid_access
from grids.services.placing import Placement, place_incident
from hive.access.authorization import (
    NotAuthorized,
    administers,
    community_staff,
    holds_role,
    require_administers,
)
from hive.access.roles import Role
from hive.dashboard import dashboard_invalidate
from hive.models import Community, ConsentRecord, TimelineEntry, User
from hive.notifications import notify
from hive.ops.page_cache import public_cache_prefix
from hive.personal_data.consent import RESIDENT_REPORT_NOTICE, consent_record
from hive.submissions import store_once, submission_fingerprint
from hive.workflow import TransitionNotAllowed, transition
from partycommittee.models import ResidentUnit

if TYPE_CHECKING:
    from disputes.models import DisputeCase, MediationRoom


def _time_limits_key(community_id: int) -> str:
    return f"{public_cache_prefix()}:time-limits:{community_id}"


def time_limits_of(community_id: int) -> dict[str, int]:
    """A community's time limit (hours) per category, from the cache: every report, from
    every door, reads it; time_limits_changed() forgets it when a limit is saved."""
    key = _time_limits_key(community_id)
    limits: dict[str, int] | None = cache.get(key)
    if limits is None:
        limits = dict(
            IncidentTimeLimit.objects.filter(community_id=community_id)
            .order_by()
            .values_list("category", "hours")
        )
        cache.set(key, limits, 3600)
    return limits


def time_limits_changed(sender: type, instance: Any, **kwargs: Any) -> None:
    """Forget the cached limits of the row's community, and (before a save) of the
    community it belonged to until now: the admin can move a limit to another one."""
    community_ids = {instance.community_id}
    if kwargs.get("signal") is pre_save and instance.pk is not None:
        community_ids.update(
            IncidentTimeLimit.objects.filter(pk=instance.pk).values_list("community_id", flat=True)
        )
    keys = [_time_limits_key(pk) for pk in community_ids if pk]
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


def incident_deadline_for(
    *, community_id: int, category: str, start: datetime.datetime
) -> datetime.datetime:
    hours = time_limits_of(community_id).get(category) or DEFAULT_TIME_LIMIT_HOURS
    return start + datetime.timedelta(hours=hours)


MAX_INCIDENT_PHOTOS = 6


def _attach_photos(incident: Incident, photos: Iterable["File[bytes]"], actor: User | None) -> None:
    photos = list(photos or [])
    if not photos:  # nothing to count or store: no query
        return
    if incident.photos.count() + len(photos) > MAX_INCIDENT_PHOTOS:
        raise ValidationError(
            {"photos": _("At most %(count)s photos.") % {"count": MAX_INCIDENT_PHOTOS}}
        )
    for photo in photos:
        IncidentPhoto.objects.create(
            incident=incident,
            image=photo,
            uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
        )


@transaction.atomic
def incident_report(
    *,
    reporter: User,
    grid: Grid | None = None,
    community: Community | None = None,
    category: str,
    location: str,
    description: str,
    priority: str = Incident.Priority.NORMAL,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    on_behalf_of: str = "",
    photos: Sequence["File[bytes]"] = (),
    placement_note: str = "",
) -> Incident:
    """A grid member reports a six-small incident in their grid, or staff report one
    (also on a resident's behalf). The deadline follows the category's time limit.
    Without a grid, the point places it in `community` (grids.services.place_incident):
    the grid whose boundary holds it, else the community's holding grid with the reason.

    Authorization: checked here (_require_grid_access for a named grid; working in the
    community, as staff or grid member, for a report placed by its point).
    """
    if grid is not None:
        _require_grid_access(reporter, grid)
        placement = place_incident(
            community=grid.community, latitude=latitude, longitude=longitude, grid=grid
        )
        placement = Placement(placement.grid, placement_note)
    else:
        if community is None:
            raise ValidationError({"grid": _("Choose the grid, or set the point on the map.")})
        if not (
            administers(reporter, community.pk)
            or holds_role(reporter, Role.GRID_MEMBER, community.pk)
        ):
            raise NotAuthorized(_("You do not work in this community."))
        if latitude is None or longitude is None:
            raise ValidationError({"grid": _("Choose the grid, or set the point on the map.")})
        placement = place_incident(community=community, latitude=latitude, longitude=longitude)
    grid = placement.grid
    if on_behalf_of and not administers(reporter, grid.community_id):
        raise ValidationError(
            {"on_behalf_of": _("Only community staff report on a resident's behalf.")}
        )
    now = timezone.now()
    incident = Incident(
        community_id=grid.community_id,
        grid=grid,
        placement_note=placement.reason[:200],
        category=category,
        location=location,
        description=description,
        priority=priority,
        latitude=latitude,
        longitude=longitude,
        on_behalf_of=on_behalf_of,
        reporter=reporter,
        deadline=incident_deadline_for(
            community_id=grid.community_id, category=category, start=now
        ),
    )
    incident.full_clean()
    incident.save()
    _attach_photos(incident, photos, reporter)
    # The first timeline entry: the report itself (transition() moves existing rows only).
    TimelineEntry.objects.create(
        subject=incident,
        community_id=incident.community_id,
        actor=reporter,
        from_state="",
        to_state=Incident.Status.REPORTED,
        note=on_behalf_of and _("Reported on behalf of %(name)s") % {"name": on_behalf_of},
    )
    return incident


# --- A resident's own report (随手拍) ----------------------------------------------------

MAX_RESIDENT_REPORT_PHOTOS = 3


def resident_report_grid(
    *,
    community: Community,
    building: Building | None = None,
    grid: Grid | None = None,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
) -> Placement:
    """Where a resident's report goes: the grid of the building they picked, or the grid
    they picked; else by the map point (grids.services.place_incident: the grid whose
    boundary holds it, else the holding grid of unplaced reports, refused inside another
    community's grid); else the community's only grid. A ValidationError on "where" when
    none of these places it."""
    if building is not None:
        if building.community_id != community.pk:
            raise ValidationError({"where": _("Choose a building of this community.")})
        placed: Grid = building.grid
        return Placement(placed)
    if grid is not None:
        if grid.community_id != community.pk or grid.holds_unplaced:
            raise ValidationError({"where": _("Choose a grid of this community.")})
        return Placement(grid)
    if latitude is not None and longitude is not None:
        return place_incident(community=community, latitude=latitude, longitude=longitude)
    only: list[Grid] = list(Grid.objects.for_people().filter(community=community)[:2])
    if len(only) == 1:
        return Placement(only[0])
    raise ValidationError(
        {
            "where": _(
                "Choose the building or the grid where it is, so that it reaches the right "
                "grid member."
            )
        }
    )


def resident_report_fingerprint(
    *, community_id: int, phone: str, category: str, description: str
) -> str:
    """The same person reporting the same thing in the same community: one report."""
    return submission_fingerprint(community_id, phone, category, description)


def incident_report_by_resident(
    *,
    community: Community,
    category: str,
    description: str,
    contact_name: str,
    contact_phone: str,
    building: Building | None = None,
    grid: Grid | None = None,
    location: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    photos: Sequence["File[bytes]"] = (),
    notice_version: str | None = None,
    now: datetime.datetime | None = None,
) -> tuple[Incident, bool]:
    """A resident reports a six-small incident from the public form (随手拍): the incident
    enters the grid's queue as REPORTED like any report (deadline by category), with the
    resident's contact, a tracking code, up to three photos and the consent to the
    personal-data notice (version `notice_version`, by default HIVE_REPORT_NOTICE_VERSION).
    Returns (incident, created).

    The same report sent again within the duplicate window returns the stored one; two
    copies racing each other are stopped by the unique (fingerprint, window) constraint.
    Any refusal stores nothing.

    Authorization: the caller's."""
    now = now or timezone.now()
    photos = list(photos or [])
    if len(photos) > MAX_RESIDENT_REPORT_PHOTOS:
        raise ValidationError(
            {"photos": _("At most %(count)s photos.") % {"count": MAX_RESIDENT_REPORT_PHOTOS}}
        )
    fingerprint = resident_report_fingerprint(
        community_id=community.pk, phone=contact_phone, category=category, description=description
    )
    placement = resident_report_grid(
        community=community, building=building, grid=grid, latitude=latitude, longitude=longitude
    )
    placed = placement.grid
    place = (location or "").strip() or (building.name if building is not None else placed.name)
    incident = Incident(
        community=community,
        grid=placed,
        placement_note=placement.reason[:200],
        category=category,
        location=place[:200],
        description=description,
        latitude=latitude,
        longitude=longitude,
        reporter=None,
        deadline=incident_deadline_for(community_id=community.pk, category=category, start=now),
    )
    # Field rules and the model's clean() only: the community and the grid were read in
    # this request, and the database enforces the constraints (checking them in Python
    # cost five queries per report, as store_once explains for the report row).
    incident.clean_fields(exclude=["reporter", "community", "grid"])
    incident.clean()
    report = ResidentReport(
        contact_name=contact_name,
        contact_phone=contact_phone,
        consent_at=now,
        fingerprint=fingerprint,
    )

    def attach(report: ResidentReport) -> None:
        incident.save()
        report.incident = incident

    def record(report: ResidentReport) -> None:
        _attach_photos(incident, photos, None)
        consent_record(
            notice=RESIDENT_REPORT_NOTICE,
            notice_version=notice_version or settings.HIVE_REPORT_NOTICE_VERSION,
            channel=ConsentRecord.Channel.WEB_FORM,
            phone=contact_phone,
            obj=report,
            community=community,
            accepted_at=now,
        )
        TimelineEntry.objects.create(
            subject=incident,
            community=community,
            actor=None,
            from_state="",
            to_state=Incident.Status.REPORTED,
            note=_("Reported by a resident"),
        )

    stored, created = store_once(
        report,
        now=now,
        since_field="consent_at",
        prepare=attach,
        record=record,
        exclude=["incident"],
    )
    return stored.incident, created


@transaction.atomic
def resident_report_rate(*, report: ResidentReport, rating: int, note: str = "") -> ResidentReport:
    """The resident's satisfaction (满意度回访), once the incident is verified or closed;
    stored once: a second rating is refused.

    Authorization: the caller's (whoever holds the tracking code)."""
    if not 1 <= int(rating) <= 5:
        raise ValidationError({"rating": _("Choose a rating from 1 to 5.")})
    # Lock the row: two presses at once must not both store a rating.
    report = ResidentReport.objects.select_related("incident").select_for_update().get(pk=report.pk)
    if report.rating is not None:
        raise ValidationError(_("You have already rated this report. Thank you."))
    if report.incident.status not in ResidentReport.RATEABLE_STATES:
        raise ValidationError(_("You can rate the handling once the report is dealt with."))
    report.rating = int(rating)
    report.rating_note = (note or "").strip()[:500]
    report.rated_at = timezone.now()
    report.save(update_fields=["rating", "rating_note", "rated_at", "updated_at"])
    # The dashboard counts ratings; the report carries no community of its own.
    dashboard_invalidate(community_id=report.incident.community_id)
    return report


@transaction.atomic
def incident_accept(*, incident: Incident, actor: User, note: str = "") -> Incident:
    """Authorization: checked here (require_administers)."""
    require_administers(actor, incident.community_id)
    incident = Incident.workflow.lock(incident, action="accept")
    transition(incident, action="accept", actor=actor, note=note)
    return incident


def _round(incident: Incident) -> str:
    """Names the incident's current round in notification keys: its deadline, which a
    reopening renews. A repeated call in one round notifies nobody twice; the next round
    is news again."""
    return f"{incident.deadline:%Y%m%d%H%M%S%f}" if incident.deadline else "-"


def _check_assignee(incident: Incident, assignee: User) -> None:
    # The picker's rule (selectors.assignee_candidates lists the same people).
    if not eligible_assignees(incident.community_id).filter(pk=assignee.pk).exists():
        raise ValidationError(
            {"assignee": _("Assign to a grid member or a staff member of this community.")}
        )


def _check_unit(incident: Incident, unit: ResidentUnit) -> None:
    if unit.community_id != incident.community_id or not unit.is_active:
        raise ValidationError({"unit": _("Assign to an active resident unit of this community.")})
    if not unit.representatives.filter(is_active=True).exists():
        raise ValidationError(
            {"unit": _("This unit has no representative in the portal to take the work on.")}
        )


@transaction.atomic
def incident_assign(
    *,
    incident: Incident,
    actor: User,
    assignee: User | None = None,
    unit: ResidentUnit | None = None,
    note: str = "",
) -> Incident:
    """Assign (or reassign) to a person or to a resident unit, never both: a unit's
    representatives then start and resolve the work in the portal.

    Authorization: checked here (require_administers).
    """
    require_administers(actor, incident.community_id)
    if (assignee is None) == (unit is None):
        raise ValidationError(
            {"assignee": _("Choose either a person or a resident unit to assign to.")}
        )
    recipients: list[User]
    name: User | ResidentUnit
    if assignee is not None:
        _check_assignee(incident, assignee)
        recipients, name = [assignee], assignee
    elif unit is not None:  # always, by the check above
        _check_unit(incident, unit)
        recipients, name = list(unit.representatives.filter(is_active=True)), unit
    incident = Incident.workflow.lock(incident, action="assign")
    incident.assignee = assignee
    incident.assigned_unit = unit
    transition(
        incident,
        action="assign",
        actor=actor,
        note=note or _("Assigned to %(name)s") % {"name": name},
        update_fields=["assignee", "assigned_unit"],
    )
    notify(
        recipients=recipients,
        title=_("Incident #%(id)s is assigned to you") % {"id": incident.pk},
        body=incident.description[:200],
        url=incident.get_absolute_url(),
        key=f"grids:incident-assigned:{incident.pk}:{_round(incident)}",
        community=incident.community,
    )
    return incident


@transaction.atomic
def incident_dispatch(
    *,
    incident: Incident,
    actor: User,
    assignee: User | None = None,
    unit: ResidentUnit | None = None,
    note: str = "",
) -> Incident:
    """Accept (a new report) and assign in one step, each with its timeline entry: the
    admin's dispatch panel. One transaction: a refused assignment leaves the report
    unaccepted. An accepted or assigned incident is (re)assigned only.

    Authorization: checked here (require_administers, as incident_accept/incident_assign do).
    """
    require_administers(actor, incident.community_id)
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if incident.status not in Incident.DISPATCH_STATES:
        raise TransitionNotAllowed(
            _(
                "Only a reported, accepted or assigned incident can be dispatched; "
                "this one is %(status)s."
            )
            % {"status": incident.get_status_display()},
            code="illegal",
        )
    if incident.status == Incident.Status.REPORTED:
        incident = incident_accept(incident=incident, actor=actor)
    return incident_assign(incident=incident, actor=actor, assignee=assignee, unit=unit, note=note)


def _require_assignee_or_staff(actor: User, incident: Incident) -> None:
    if not works_on_incident(actor, incident):
        require_administers(actor, incident.community_id)


@transaction.atomic
def incident_start(*, incident: Incident, actor: User, note: str = "") -> Incident:
    """Authorization: checked here (require_administers)."""
    incident = Incident.workflow.lock(incident, action="start")
    _require_assignee_or_staff(actor, incident)
    transition(incident, action="start", actor=actor, note=note)
    return incident


@transaction.atomic
def incident_resolve(
    *, incident: Incident, actor: User, resolution: str, photos: Sequence["File[bytes]"] = ()
) -> Incident:
    """Authorization: checked here (require_administers)."""
    incident = Incident.workflow.lock(incident, action="resolve")
    _require_assignee_or_staff(actor, incident)
    if not resolution.strip():
        raise ValidationError({"resolution": _("Say what was done.")})
    incident.resolution = resolution
    transition(
        incident,
        action="resolve",
        actor=actor,
        note=resolution,
        update_fields=["resolution"],
    )
    _attach_photos(incident, photos, actor)
    return incident


@transaction.atomic
def incident_verify(*, incident: Incident, actor: User, note: str = "") -> Incident:
    """Authorization: checked here (require_administers)."""
    require_administers(actor, incident.community_id)
    incident = Incident.workflow.lock(incident, action="verify")
    transition(incident, action="verify", actor=actor, note=note)
    return incident


@transaction.atomic
def incident_send_back(*, incident: Incident, actor: User, reason: str) -> Incident:
    """Verification failed: the work goes back to the assignee.

    Authorization: checked here (require_administers).
    """
    require_administers(actor, incident.community_id)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the work is sent back.")})
    incident = Incident.workflow.lock(incident, action="send_back")
    transition(incident, action="send_back", actor=actor, note=reason)
    return incident


@transaction.atomic
def incident_close(*, incident: Incident, actor: User, note: str = "") -> Incident:
    """Authorization: checked here (require_administers)."""
    require_administers(actor, incident.community_id)
    incident = Incident.workflow.lock(incident, action="close")
    incident.closed_at = timezone.now()
    transition(incident, action="close", actor=actor, note=note, update_fields=["closed_at"])
    return incident


@transaction.atomic
def incident_close_not_fixed(*, incident: Incident, actor: User, reason: str) -> Incident:
    """A distinct outcome: the work stopped without a fix, and the reason is kept.

    Authorization: checked here (require_administers).
    """
    require_administers(actor, incident.community_id)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why it could not be fixed.")})
    incident = Incident.workflow.lock(incident, action="close_not_fixed")
    incident.closed_at = timezone.now()
    incident.resolution = reason
    transition(
        incident,
        action="close_not_fixed",
        actor=actor,
        note=reason,
        update_fields=["closed_at", "resolution"],
    )
    return incident


@transaction.atomic
def incident_reject(*, incident: Incident, actor: User, reason: str) -> Incident:
    """A rejection names who rejected the report and why.

    Authorization: checked here (require_administers).
    """
    require_administers(actor, incident.community_id)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the report is rejected.")})
    incident = Incident.workflow.lock(incident, action="reject")
    incident.rejected_by = actor
    incident.rejection_reason = reason
    transition(
        incident,
        action="reject",
        actor=actor,
        note=reason,
        update_fields=["rejected_by", "rejection_reason"],
    )
    notify(
        recipients=[incident.reporter],
        title=_("Your report #%(id)s was rejected") % {"id": incident.pk},
        body=reason,
        url=incident.get_absolute_url(),
        key=f"grids:incident-rejected:{incident.pk}:{_round(incident)}",
        community=incident.community,
    )
    return incident


@transaction.atomic
def incident_reopen(*, incident: Incident, actor: User, reason: str) -> Incident:
    """Back to accepted with a fresh deadline; it is assigned again from there.

    Authorization: checked here (require_administers).
    """
    require_administers(actor, incident.community_id)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the report is reopened.")})
    incident = Incident.workflow.lock(incident, action="reopen")
    incident.assignee = None
    incident.closed_at = None
    incident.deadline = incident_deadline_for(
        community_id=incident.community_id, category=incident.category, start=timezone.now()
    )
    transition(
        incident,
        action="reopen",
        actor=actor,
        note=reason,
        update_fields=["assignee", "closed_at", "deadline"],
    )
    return incident


@transaction.atomic
def incident_mark_duplicate(
    *, incident: Incident, original: Incident, actor: User, note: str = ""
) -> Incident:
    """The report repeats another: its photos move to the original, and the original's
    timeline shows the duplicate's entries (see selectors.incident_timeline).

    Authorization: checked here (require_administers).
    """
    require_administers(actor, incident.community_id)
    while original.duplicate_of is not None:
        original = original.duplicate_of
    if original.pk == incident.pk:
        raise ValidationError({"original": _("A report cannot duplicate itself.")})
    if original.community_id != incident.community_id:
        raise ValidationError({"original": _("The original is in another community.")})
    incident = Incident.workflow.lock(incident, action="mark_duplicate")
    room = MAX_INCIDENT_PHOTOS - original.photos.count()
    incident.duplicate_of = original
    transition(
        incident,
        action="mark_duplicate",
        actor=actor,
        note=note or _("Duplicate of #%(id)s") % {"id": original.pk},
        update_fields=["duplicate_of"],
    )
    # The original keeps at most six photos; the rest stay on the duplicate.
    moving = list(incident.photos.values_list("pk", flat=True)[: max(room, 0)])
    IncidentPhoto.objects.filter(pk__in=moving).update(incident=original)
    # Duplicates of the duplicate now point at the original too.
    Incident.objects.filter(duplicate_of=incident).update(duplicate_of=original)
    return incident


@transaction.atomic
def incident_escalate(
    *,
    incident: Incident,
    actor: User,
    room: "MediationRoom",
    kind: str,
    parties: Sequence[dict[str, Any]],
    note: str = "",
) -> Incident:
    """Send a small dispute to the mediation room: the disputes app registers a case
    linked to the incident. A refused case (no applicant, a room of another community…)
    rolls the escalation back with it.

    Authorization: checked here (require_administers).
    """
    require_administers(actor, incident.community_id)
    incident = Incident.workflow.lock(incident, action="escalate")
    if incident.category != "dispute":
        raise TransitionNotAllowed(_("Only a small dispute goes to the mediation room."))
    if not escalation.mediation_available():
        raise TransitionNotAllowed(_("The mediation room is not available."))
    case = escalation.open_case(
        incident=incident, actor=actor, room=room, kind=kind, parties=parties, note=note
    )
    transition(
        incident,
        action="escalate",
        actor=actor,
        note=_("Mediation case %(number)s in %(room)s") % {"number": case.number, "room": room},
    )
    return incident


@transaction.atomic
def incident_return_from_mediation(
    *, incident: Incident, case: "DisputeCase", actor: User | None, withdrawn: bool
) -> Incident:
    """The mediation room's outcome: a closed case resolves the incident (staff verify and
    close it as usual); a withdrawn case closes it, not fixed, with the applicant's reason.
    Runs inside the case's transaction, so case and incident never disagree.

    Authorization: the caller's.
    """
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if incident.status != Incident.Status.ESCALATED:
        return incident  # reopened or handled by hand meanwhile: nothing to bring back
    fields = ["resolution"]
    if withdrawn:
        action = "mediation_withdrawn"
        incident.resolution = _("Mediation case %(number)s was withdrawn: %(reason)s") % {
            "number": case.number,
            "reason": case.withdrawal_reason,
        }
        incident.closed_at = timezone.now()
        fields.append("closed_at")
    else:
        action = "mediation_closed"
        outcome = case.get_referred_to_display() if case.referred_to else ""
        incident.resolution = (
            _("Mediation case %(number)s closed (referred: %(where)s).")
            % {"number": case.number, "where": outcome}
            if outcome
            else _("Mediation case %(number)s closed.") % {"number": case.number}
        )
    transition(incident, action=action, actor=actor, note=incident.resolution, update_fields=fields)
    notify(
        recipients=community_staff(incident.community_id),
        title=_("Report #%(id)s is back from the mediation room") % {"id": incident.pk},
        body=incident.resolution,
        url=incident.get_absolute_url(),
        key=f"grids:incident-mediation-back:{incident.pk}:{case.pk}",
        community=incident.community,
    )
    return incident


# The service behind each action of Incident.workflow a person takes (the portal's and
# the API's buttons); the mediation room's outcome comes back through
# incident_return_from_mediation.
INCIDENT_SERVICES = {
    "accept": incident_accept,
    "assign": incident_assign,
    "start": incident_start,
    "resolve": incident_resolve,
    "verify": incident_verify,
    "send_back": incident_send_back,
    "close": incident_close,
    "close_not_fixed": incident_close_not_fixed,
    "reject": incident_reject,
    "reopen": incident_reopen,
    "mark_duplicate": incident_mark_duplicate,
    "escalate": incident_escalate,
}


@transaction.atomic
def incident_reply(
    *, incident: Incident, author: User, body: str = "", template: ReplyTemplate | None = None
) -> IncidentReply:
    """Authorization: checked here (require_administers)."""
    require_administers(author, incident.community_id)
    if template is not None:
        if template.community_id != incident.community_id:
            raise ValidationError({"template": _("This template belongs to another community.")})
        body = body.strip() or template.body
    if not body.strip():
        raise ValidationError({"body": _("Write a reply or pick a template.")})
    reply = IncidentReply.objects.create(
        incident=incident, author=author, body=body, template=template
    )
    notify(
        recipients=[incident.reporter],
        title=_("Reply to your report #%(id)s") % {"id": incident.pk},
        body=body,
        url=incident.get_absolute_url(),
        key=f"grids:incident-reply:{reply.pk}",
        community=incident.community,
    )
    return reply


def incident_flag_overdue(*, now: datetime.datetime | None = None) -> int:
    """Flag open incidents past their deadline and tell the assignee and community staff,
    once per incident per deadline (a reopened incident with a new deadline can breach
    again). Returns how many breaches were new.

    Authorization: the caller's.
    """
    now = now or timezone.now()
    flagged = 0
    already = IncidentOverdueFlag.objects.filter(
        incident=OuterRef("pk"), deadline=OuterRef("deadline")
    )
    overdue = (
        Incident.objects.overdue(now)
        .filter(~Exists(already))
        .select_related("assignee", "community")
    )
    staff_cache: dict[int, list[User]] = {}
    for incident in overdue.iterator(chunk_size=500):
        try:
            with transaction.atomic():
                IncidentOverdueFlag.objects.create(incident=incident, deadline=incident.deadline)
                if incident.community_id not in staff_cache:
                    staff_cache[incident.community_id] = list(
                        community_staff(incident.community_id)
                    )
                recipients = [*staff_cache[incident.community_id], incident.assignee]
                notify(
                    recipients=[user for user in recipients if user is not None],
                    title=_("Incident #%(id)s is past its deadline") % {"id": incident.pk},
                    body=str(incident),
                    url=incident.get_absolute_url(),
                    key=f"grids:incident-overdue:{incident.pk}:{incident.deadline:%Y%m%d%H%M%S}",
                    community=incident.community,
                )
        except IntegrityError:
            # Another run flagged this breach first: it notified, we do nothing.
            continue
        flagged += 1
    return flagged
