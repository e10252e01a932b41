"""Placing a report by its point: the one rule every door uses (the portal and API report,
Open311, the resident's report form), and moving a report to another grid."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from grids.models import Grid, Incident
from grids.selectors import grid_at, grid_elsewhere
from hive.access.authorization import NotAuthorized, administers
from hive.dashboard import dashboard_invalidate
from hive.models import Community, TimelineEntry, User

UNPLACED_CODE = "UNPLACED"


@dataclass(frozen=True)
class Placement:
    """Where a report goes, and why it waits for staff when no grid holds its point."""

    grid: Grid
    reason: str = ""


def unplaced_grid(community: Community) -> Grid:
    """The community's holding grid of reports that lie in no grid, created on first use.
    People never choose it (Grid.objects.for_people()); community staff see it."""
    found: Grid | None = Grid.objects.filter(community=community, holds_unplaced=True).first()
    if found is not None:
        return found
    code = UNPLACED_CODE
    if Grid.objects.filter(community=community, code=code).exists():
        code = f"{UNPLACED_CODE}-{community.pk}"[:20]
    try:
        with transaction.atomic():
            grid = Grid.objects.create(
                community=community,
                code=code,
                name=_("Unplaced reports"),
                holds_unplaced=True,
            )
    except IntegrityError:  # created by a report racing this one
        grid = Grid.objects.get(community=community, holds_unplaced=True)
    created: Grid = grid
    return created


def _not_here(latitude: Decimal, longitude: Decimal, community: Community) -> None:
    """A point inside another community's grid belongs to that community: refused."""
    elsewhere = grid_elsewhere(community.pk, latitude=latitude, longitude=longitude)
    if elsewhere is not None:
        raise ValidationError(
            {
                "latitude": _("This point lies in %(community)s, not in %(here)s: report it there.")
                % {"community": elsewhere.community.name, "here": community.name}
            },
            code="other_community",
        )


def place_incident(
    *,
    community: Community,
    latitude: Decimal | None,
    longitude: Decimal | None,
    grid: Grid | None = None,
    fallback: Grid | None = None,
) -> Placement:
    """Where a report goes. A grid the reporter named wins (it must be of this community);
    else the grid of this community whose boundary holds the point (grids.selectors.grid_at);
    else `fallback` when the door has one (an Open311 key's default grid); else the
    community's holding grid, with the reason staff read. A point inside another
    community's grid is refused, whichever grid was named: nothing is stored.
    The point is WGS-84 as hive.geo.clean_point returns it."""
    located = latitude is not None and longitude is not None
    if grid is not None:
        if grid.community_id != community.pk:
            raise ValidationError({"grid": _("Choose a grid of this community.")})
        if (
            latitude is not None
            and longitude is not None
            and grid_at(community.pk, latitude=latitude, longitude=longitude) is None
        ):
            _not_here(latitude, longitude, community)
        return Placement(grid)
    if latitude is not None and longitude is not None:
        found = grid_at(community.pk, latitude=latitude, longitude=longitude)
        if found is not None:
            return Placement(found)
        _not_here(latitude, longitude, community)
    if fallback is not None:
        return Placement(fallback)
    if located:
        reason = _("The point %(latitude)s, %(longitude)s lies in no grid of this community.") % {
            "latitude": latitude,
            "longitude": longitude,
        }
    else:
        reason = _("No grid was named and no point was given.")
    return Placement(unplaced_grid(community), reason)


def reporter_community(
    *, grids: Sequence[Grid], latitude: Decimal | None, longitude: Decimal | None
) -> Community:
    """The community a portal or API report without a grid is meant for: the reporter's one
    community, or among several the one whose grid holds the point."""
    communities = {grid.community_id: grid.community for grid in grids}
    if len(communities) == 1:
        return next(iter(communities.values()))
    if latitude is not None and longitude is not None:
        for community_id, community in communities.items():
            if grid_at(community_id, latitude=latitude, longitude=longitude) is not None:
                return community
    raise ValidationError(
        {"grid": _("Choose the grid: you work in more than one community.")}, code="required"
    )


@transaction.atomic
def incident_move_grid(*, incident: Incident, grid: Grid, actor: User, note: str = "") -> Incident:
    """Community staff move a report to another grid of its community (typically out of
    the holding grid of unplaced reports); the timeline says from where to where.

    Authorization: checked here (community staff of the incident's community)."""
    if not administers(actor, incident.community_id):
        raise NotAuthorized(_("Only community staff move a report to another grid."))
    if grid.community_id != incident.community_id or grid.holds_unplaced:
        raise ValidationError({"grid": _("Choose a grid of this community.")})
    if grid.pk == incident.grid_id:
        return incident
    previous = incident.grid
    incident.grid = grid
    incident.placement_note = ""
    incident.save(update_fields=["grid", "placement_note", "updated_at"])
    TimelineEntry.objects.create(
        subject=incident,
        community_id=incident.community_id,
        actor=actor,
        from_state=incident.status,
        to_state=incident.status,
        note=(
            _("Moved from grid %(old)s to grid %(new)s") % {"old": previous.name, "new": grid.name}
            + (f": {note}" if note else "")
        ),
    )
    dashboard_invalidate(community_id=incident.community_id)
    return incident
