"""Writes for sweeps: a round of checks over a grid's key places."""

import datetime
from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from grids.models import Grid, Incident, KeyPlace, Sweep, SweepCheck
from grids.services.incidents import incident_report
from hive.access.authorization import NotAuthorized, administers, require_administers
from hive.models import Community, User


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
