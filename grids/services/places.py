"""Writes for grids and the four clears (四清): who may act in a grid, grids, households,
residents and their key-person tags, each change in the change log."""

import datetime
from collections.abc import Iterable, Sequence
from importlib import import_module
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.models import ChangeLogEntry, Grid, Household, KeyPersonTag, Resident, ResidentTag
from hive.access.authorization import NotAuthorized, administers, holds_role
from hive.access.roles import Role
from hive.models import Community, RoleAssignment, User

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
