"""Writes for the grid's work: visits to households, tasks done."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.models import GridTask, Household, Resident, Visit
from grids.services.places import _require_grid_access
from hive.access.authorization import require_administers
from hive.models import User


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
