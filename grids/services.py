"""Writes with rules in them for grids: the four clears and their change log, visits,
tasks, six-small incidents and their workflow, sweeps, the overdue check."""

import datetime
from collections.abc import Iterable, Sequence
from decimal import Decimal
from importlib import import_module
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from grids import escalation
from grids.models import (
    DEFAULT_TIME_LIMIT_HOURS,
    ChangeLogEntry,
    Grid,
    GridTask,
    Household,
    Incident,
    IncidentOverdueFlag,
    IncidentPhoto,
    IncidentReply,
    IncidentTimeLimit,
    KeyPersonTag,
    KeyPlace,
    ReplyTemplate,
    Resident,
    ResidentTag,
    Sweep,
    SweepCheck,
    Visit,
    works_on_incident,
)
from hive.access.authorization import (
    NotAuthorized,
    administers,
    community_staff,
    holds_role,
    require_administers,
)
from hive.access.roles import Role
from hive.models import Community, RoleAssignment, TimelineEntry, User
from hive.notifications import notify
from hive.workflow import TransitionNotAllowed, transition
from partycommittee.models import ResidentUnit

if TYPE_CHECKING:
    from disputes.models import DisputeCase, MediationRoom

# --- Who may act -----------------------------------------------------------------------


def works_in_grid(user: User | None, grid: Grid) -> bool:
    """The grid's exclusive member or one of its deputies, holding the grid-member role."""
    if user is None or not holds_role(user, Role.GRID_MEMBER, grid.community_id):
        return False
    return grid.member_id == user.pk or grid.deputies.filter(pk=user.pk).exists()


def _require_grid_access(user: User | None, grid: Grid) -> None:
    if not (administers(user, grid.community_id) or works_in_grid(user, grid)):
        raise NotAuthorized(_("You do not work in this grid."))


# --- Grids -----------------------------------------------------------------------------


def grid_validate_people(
    *, community_id: int, member: User | None, deputies: Iterable[User]
) -> None:
    """The member and deputies must hold the grid-member role in the grid's community."""
    people = [("member", member)] + [("deputies", deputy) for deputy in deputies]
    candidates = {person.pk for _field, person in people if person is not None}
    qualified = set(
        RoleAssignment.objects.filter(
            user_id__in=candidates, role=Role.GRID_MEMBER, community_id=community_id
        ).values_list("user_id", flat=True)
    )
    errors: dict[str, list[str]] = {}
    for field, person in people:
        if person is not None and person.pk not in qualified:
            errors.setdefault(field, []).append(
                _("%(name)s is not a grid member of this community.") % {"name": person}
            )
    if member is not None and any(d.pk == member.pk for d in deputies):
        errors.setdefault("deputies", []).append(
            _("The exclusive grid member cannot also be a deputy.")
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def grid_create(
    *,
    community: Community,
    code: str,
    name: str,
    boundary: dict[str, Any] | None = None,
    member: User | None = None,
    deputies: Sequence[User] = (),
) -> Grid:
    """Authorization: the caller's."""
    grid_validate_people(community_id=community.pk, member=member, deputies=deputies)
    grid = Grid(community=community, code=code, name=name, boundary=boundary, member=member)
    grid.full_clean()
    grid.save()
    grid.deputies.set(deputies)
    return grid


# --- The four clears and the change log ------------------------------------------------


def change_log_record(
    *,
    kind: str,
    household: Household,
    resident: Resident | None = None,
    actor: User | None = None,
    detail: str = "",
    occurred_on: datetime.date | None = None,
) -> ChangeLogEntry:
    """Authorization: the caller's."""
    return ChangeLogEntry.objects.create(
        community_id=household.community_id,
        grid_id=household.grid_id,
        household=household,
        resident=resident,
        kind=kind,
        detail=detail[:200],
        occurred_on=occurred_on or timezone.localdate(),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )


@transaction.atomic
def household_create(*, actor: User | None, grid: Grid, **fields: Any) -> Household:
    """Authorization: checked here (_require_grid_access)."""
    if actor is not None:
        _require_grid_access(actor, grid)
    household = Household(community_id=grid.community_id, grid=grid, **fields)
    household.full_clean()
    household.save()
    return household


@transaction.atomic
def resident_add(
    *,
    actor: User | None,
    household: Household,
    born_here: bool = False,
    tags: Iterable[KeyPersonTag] = (),
    **fields: Any,
) -> Resident:
    """A new resident of a household: logged as a birth or as a move-in.

    Authorization: checked here (_require_grid_access).
    """
    if actor is not None:
        _require_grid_access(actor, household.grid)
    resident = Resident(community_id=household.community_id, household=household, **fields)
    if born_here and not resident.birth_date:
        raise ValidationError({"birth_date": _("A birth needs the birth date.")})
    resident.full_clean()
    resident.save()
    if born_here:
        change_log_record(
            kind=ChangeLogEntry.Kind.BIRTH,
            household=household,
            resident=resident,
            actor=actor,
            occurred_on=resident.birth_date,
        )
    else:
        change_log_record(
            kind=ChangeLogEntry.Kind.MOVE_IN,
            household=household,
            resident=resident,
            actor=actor,
            occurred_on=resident.moved_in_on,
        )
    for tag in tags:
        resident_tag_add(actor=actor, resident=resident, tag=tag)
    return resident


# Fields a plain edit may change; moving out, death and tags go through their own services.
RESIDENT_EDITABLE_FIELDS = (
    "name",
    "gender",
    "birth_date",
    "id_number",
    "phone",
    "relation",
    "moved_in_on",
)


@transaction.atomic
def resident_update(*, actor: User | None, resident: Resident, **fields: Any) -> Resident:
    """Authorization: checked here (_require_grid_access)."""
    if actor is not None:
        _require_grid_access(actor, resident.household.grid)
    unknown = set(fields) - set(RESIDENT_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(
            _("These fields cannot be edited here: %(fields)s")
            % {"fields": ", ".join(sorted(unknown))}
        )
    for name, value in fields.items():
        setattr(resident, name, value)
    resident.full_clean()
    resident.save()
    return resident


def _resident_leave(
    *,
    actor: User | None,
    resident: Resident,
    status: str,
    kind: str,
    on: datetime.date | None,
    note: str,
) -> Resident:
    if actor is not None:
        _require_grid_access(actor, resident.household.grid)
    resident = Resident.objects.select_for_update().get(pk=resident.pk)
    if resident.status != Resident.Status.LIVING:
        raise ValidationError(
            _("%(name)s is already recorded as “%(status)s”.")
            % {"name": resident.name, "status": resident.get_status_display()}
        )
    if on and on > timezone.localdate():
        raise ValidationError({"on": _("The date cannot be in the future.")})
    resident.status = status
    resident.save(update_fields=["status", "updated_at"])
    change_log_record(
        kind=kind,
        household=resident.household,
        resident=resident,
        actor=actor,
        detail=note,
        occurred_on=on,
    )
    return resident


@transaction.atomic
def resident_move_out(
    *, actor: User | None, resident: Resident, on: datetime.date | None = None, note: str = ""
) -> Resident:
    """Authorization: the caller's."""
    return _resident_leave(
        actor=actor,
        resident=resident,
        status=Resident.Status.MOVED_OUT,
        kind=ChangeLogEntry.Kind.MOVE_OUT,
        on=on,
        note=note,
    )


@transaction.atomic
def resident_record_death(
    *, actor: User | None, resident: Resident, on: datetime.date | None = None, note: str = ""
) -> Resident:
    """Authorization: the caller's."""
    return _resident_leave(
        actor=actor,
        resident=resident,
        status=Resident.Status.DECEASED,
        kind=ChangeLogEntry.Kind.DEATH,
        on=on,
        note=note,
    )


def _check_tag(resident: Resident, tag: KeyPersonTag) -> None:
    if tag.community_id not in (None, resident.community_id):
        raise ValidationError({"tags": _("This tag belongs to another community.")})


@transaction.atomic
def key_person_tags_restore_builtin() -> None:
    """Create any missing built-in key-person tag. Data migration 0002 made them; this is
    its own function, run on the current models, so the list lives in one place.

    Authorization: the caller's.
    """
    migration = import_module("grids.migrations.0002_builtin_key_person_tags")
    migration.create_tags(apps, None)


def resident_tag_add(*, actor: User | None, resident: Resident, tag: KeyPersonTag) -> bool:
    """Tag a key person; returns False when the tag was already there (nothing logged).

    Authorization: the caller's.
    """
    _check_tag(resident, tag)
    _link, created = ResidentTag.objects.get_or_create(resident=resident, tag=tag)
    if created:
        change_log_record(
            kind=ChangeLogEntry.Kind.TAG_ADDED,
            household=resident.household,
            resident=resident,
            actor=actor,
            detail=tag.name,
        )
    return created


@transaction.atomic
def resident_tag_remove(*, actor: User | None, resident: Resident, tag: KeyPersonTag) -> bool:
    """Authorization: the caller's."""
    deleted, _rows = ResidentTag.objects.filter(resident=resident, tag=tag).delete()
    if deleted:
        change_log_record(
            kind=ChangeLogEntry.Kind.TAG_REMOVED,
            household=resident.household,
            resident=resident,
            actor=actor,
            detail=tag.name,
        )
    return bool(deleted)


@transaction.atomic
def resident_set_tags(
    *, actor: User | None, resident: Resident, tags: Iterable[KeyPersonTag]
) -> None:
    """Make the resident's tags exactly `tags`, logging each one added or removed.

    Authorization: the caller's.
    """
    wanted = {tag.pk: tag for tag in tags}
    for tag in wanted.values():
        _check_tag(resident, tag)
    current = {tag.pk: tag for tag in resident.tags.all()}
    for pk, tag in current.items():
        if pk not in wanted:
            resident_tag_remove(actor=actor, resident=resident, tag=tag)
    for pk, tag in wanted.items():
        if pk not in current:
            resident_tag_add(actor=actor, resident=resident, tag=tag)


# --- Visits and tasks ------------------------------------------------------------------


@transaction.atomic
def visit_log(
    *,
    visitor: User,
    household: Household,
    role: str,
    notes: str,
    resident: Resident | None = None,
    visited_at: datetime.datetime | None = None,
) -> Visit:
    """Authorization: checked here (_require_grid_access)."""
    _require_grid_access(visitor, household.grid)
    if resident is not None and resident.household_id != household.pk:
        raise ValidationError({"resident": _("This person does not live in that household.")})
    visit = Visit(
        community_id=household.community_id,
        grid_id=household.grid_id,
        household=household,
        resident=resident,
        visitor=visitor,
        role=role,
        notes=notes,
        visited_at=visited_at or timezone.now(),
    )
    if visit.visited_at > timezone.now() + datetime.timedelta(minutes=5):
        raise ValidationError({"visited_at": _("A visit cannot be in the future.")})
    visit.full_clean()
    visit.save()
    return visit


@transaction.atomic
def grid_task_complete(*, task: GridTask, actor: User, note: str = "") -> GridTask:
    """Authorization: checked here (require_administers)."""
    if task.responsible_id != actor.pk:
        require_administers(actor, task.community_id)
    # A conditional update: pressing "done" twice completes the task once.
    updated = GridTask.objects.filter(pk=task.pk, status=GridTask.Status.OPEN).update(
        status=GridTask.Status.DONE,
        done_at=timezone.now(),
        done_note=note,
        updated_at=timezone.now(),
    )
    if not updated:
        raise ValidationError(_("This task is already done."))
    task.refresh_from_db()
    return task


# --- Six-small incidents ----------------------------------------------------------------


def incident_deadline_for(
    *, community_id: int, category: str, start: datetime.datetime
) -> datetime.datetime:
    hours = (
        IncidentTimeLimit.objects.filter(community_id=community_id, category=category)
        .values_list("hours", flat=True)
        .first()
    ) or DEFAULT_TIME_LIMIT_HOURS
    return start + datetime.timedelta(hours=hours)


MAX_INCIDENT_PHOTOS = 6


def _attach_photos(incident: Incident, photos: Iterable["File[bytes]"], actor: User | None) -> None:
    photos = list(photos or [])
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
    grid: Grid,
    category: str,
    location: str,
    description: str,
    priority: str = Incident.Priority.NORMAL,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    on_behalf_of: str = "",
    photos: Sequence["File[bytes]"] = (),
) -> Incident:
    """A grid member reports a six-small incident in their grid, or staff report one
    (also on a resident's behalf). The deadline follows the category's time limit.

    Authorization: checked here (_require_grid_access).
    """
    _require_grid_access(reporter, grid)
    if on_behalf_of and not administers(reporter, grid.community_id):
        raise ValidationError(
            {"on_behalf_of": _("Only community staff report on a resident's behalf.")}
        )
    now = timezone.now()
    incident = Incident(
        community_id=grid.community_id,
        grid=grid,
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
    if (
        not assignee.is_active
        or not RoleAssignment.objects.filter(
            user=assignee, community_id=incident.community_id
        ).exists()
    ):
        raise ValidationError({"assignee": _("Assign to a person who works in this community.")})


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


# --- Sweeps ----------------------------------------------------------------------------


def sweep_check(
    *, community: Community, grid: Grid | None = None, places: Iterable[KeyPlace] = ()
) -> None:
    """A sweep's grid and places belong to its community (`sweep_create` and the admin's
    sweep form ask here)."""
    errors = {}
    if grid is not None and grid.community_id != community.pk:
        errors["grid"] = [_("The grid belongs to another community.")]
    if any(place.community_id != community.pk for place in places):
        errors["places"] = [_("A place belongs to another community.")]
    if errors:
        raise ValidationError(errors)


def sweep_default_places(
    *, community: Community, grid: Grid | None = None, place_kind: str = ""
) -> QuerySet[KeyPlace]:
    """The places of a sweep for which none were picked: the key places of the grid (or
    the community) of the chosen kind."""
    places = KeyPlace.objects.filter(community=community)
    if grid is not None:
        places = places.filter(grid=grid)
    if place_kind:
        places = places.filter(kind=place_kind)
    return places


@transaction.atomic
def sweep_create(
    *,
    actor: User,
    community: Community,
    title: str,
    scope: str,
    scheduled_on: datetime.date,
    checklist: str,
    inspectors: Sequence[User],
    grid: Grid | None = None,
    place_kind: str = "",
    places: Iterable[KeyPlace] | None = None,
) -> Sweep:
    """Schedule a sweep. Without an explicit list, the places are the key places of the
    grid (or community) of the chosen kind.

    Authorization: checked here (require_administers).
    """
    require_administers(actor, community.pk)
    if not inspectors:
        raise ValidationError({"inspectors": _("Name at least one inspector.")})
    sweep = Sweep(
        community=community,
        grid=grid,
        title=title,
        scope=scope,
        place_kind=place_kind,
        scheduled_on=scheduled_on,
        checklist=checklist,
    )
    sweep.full_clean()
    if places is None:
        places = sweep_default_places(community=community, grid=grid, place_kind=place_kind)
    places = list(places)
    sweep_check(community=community, grid=grid, places=places)
    sweep.save()
    sweep.inspectors.set(inspectors)
    sweep.places.set(places)
    return sweep


@transaction.atomic
def sweep_record_check(
    *,
    sweep: Sweep,
    place: KeyPlace,
    actor: User,
    failed_items: Iterable[str] = (),
    result: str | None = None,
    notes: str = "",
    category: str = "hidden_danger",
    priority: str = Incident.Priority.NORMAL,
    photos: Sequence["File[bytes]"] = (),
) -> SweepCheck:
    """Record one place's checklist result. A finding (any failed item) becomes a
    six-small incident in the place's grid, linked to the check.

    Authorization: checked here (an inspector of the sweep, or administers).
    """
    sweep = Sweep.objects.select_for_update().get(pk=sweep.pk)
    if not (
        sweep.inspectors.filter(pk=actor.pk).exists() or administers(actor, sweep.community_id)
    ):
        raise NotAuthorized(_("You are not an inspector of this sweep."))
    if sweep.status == Sweep.Status.DONE:
        raise ValidationError(_("This sweep is finished."))
    if not sweep.places.filter(pk=place.pk).exists():
        raise ValidationError({"place": _("This place is not part of the sweep.")})
    if SweepCheck.objects.filter(sweep=sweep, place=place).exists():
        raise ValidationError({"place": _("This place has already been checked.")})
    items = sweep.checklist_items
    failed = set(failed_items)
    unknown = failed - set(items)
    if unknown:
        raise ValidationError({"failed_items": _("Unknown checklist item.")})
    if result is None:
        result = SweepCheck.Result.FINDING if failed else SweepCheck.Result.PASSED
    if result == SweepCheck.Result.FINDING and not (failed or notes.strip()):
        raise ValidationError({"notes": _("Describe the finding.")})
    incident = None
    if result == SweepCheck.Result.FINDING:
        lines = [_("Sweep “%(title)s”") % {"title": sweep.title}]
        lines += [_("Failed: %(item)s") % {"item": item} for item in items if item in failed]
        if notes.strip():
            lines.append(notes.strip())
        incident = incident_report(
            reporter=actor,
            grid=place.grid,
            category=category,
            location=f"{place.name} {place.address}".strip(),
            description="\n".join(lines),
            priority=priority,
            photos=photos,
        )
    check = SweepCheck.objects.create(
        sweep=sweep,
        place=place,
        result=result,
        items={item: item not in failed for item in items},
        notes=notes,
        checked_by=actor,
        incident=incident,
    )
    if not sweep.places.exclude(checks__sweep=sweep).exists():
        sweep.status = Sweep.Status.DONE
        sweep.save(update_fields=["status", "updated_at"])
    return check
