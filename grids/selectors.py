"""Reused reads of the grids app."""

import datetime
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import shapely
from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from grids.models import (
    Grid,
    Household,
    Incident,
    IncidentReply,
    Resident,
    ResidentReport,
    public_status,
)
from hive import geo
from hive.access.roles import Role
from hive.models import RoleAssignment, TimelineEntry, User
from hive.personal_data import mask_personal_text
from hive.submissions import normalise_tracking_code

_MASKED_PHONE = re.compile(r"^1\d{2}\*{4}\d{4}$")


# --- Where a point lies -------------------------------------------------------------------

# Shapely geometries of grid boundaries, read once per process and kept while the grid's
# updated_at stays the same: placing a point reads (pk, updated_at) of the grids and
# parses only the boundaries that changed.
_SHAPES: dict[int, tuple[datetime.datetime, Any]] = {}


def boundary_contains(
    boundary: dict[str, Any] | None, *, longitude: float, latitude: float
) -> bool:
    """Whether a GeoJSON Polygon/MultiPolygon (as hive.geo.clean_boundary stores it) holds
    the point; a point on an edge counts as inside."""
    return geo.contains(boundary, longitude=float(longitude), latitude=float(latitude))


def _shapes(grids: QuerySet[Grid]) -> list[tuple[int, int, Any]]:
    """(pk, community_id, prepared geometry) of the grids with a boundary, in code order."""
    rows = list(
        grids.filter(boundary__isnull=False, holds_unplaced=False)
        .order_by("code", "pk")
        .values_list("pk", "community_id", "updated_at")
    )
    stale = [pk for pk, _community, updated in rows if _SHAPES.get(pk, (None,))[0] != updated]
    if stale:
        for pk, boundary, updated in Grid.objects.filter(pk__in=stale).values_list(
            "pk", "boundary", "updated_at"
        ):
            shaped = geo.geometry(boundary)
            if shaped is not None:
                shapely.prepare(shaped)
            _SHAPES[pk] = (updated, shaped)
    found = []
    for pk, community_id, _updated in rows:
        shaped = _SHAPES.get(pk, (None, None))[1]
        if shaped is not None:
            found.append((pk, community_id, shaped))
    return found


def _first_holding(grids: QuerySet[Grid], latitude: float, longitude: float) -> int | None:
    for pk, _community, shaped in _shapes(grids):
        if shapely.intersects_xy(shaped, longitude, latitude):
            return pk
    return None


def grid_at(
    community_id: int, *, latitude: Decimal | float, longitude: Decimal | float
) -> Grid | None:
    """The grid of the community whose boundary holds the point (the first by code when
    boundaries overlap), or None: the one rule for every door that places a report
    (grids.services.place_incident)."""
    pk = _first_holding(
        Grid.objects.filter(community_id=community_id), float(latitude), float(longitude)
    )
    if pk is None:
        return None
    grid: Grid = Grid.objects.select_related("community").get(pk=pk)
    return grid


def grid_elsewhere(
    community_id: int, *, latitude: Decimal | float, longitude: Decimal | float
) -> Grid | None:
    """A grid of another community whose boundary holds the point, or None: a report
    there belongs to that community, not to this one."""
    pk = _first_holding(
        Grid.objects.exclude(community_id=community_id), float(latitude), float(longitude)
    )
    if pk is None:
        return None
    grid: Grid = Grid.objects.select_related("community").get(pk=pk)
    return grid


def grid_outlines(grids: QuerySet[Grid]) -> list[dict[str, Any]]:
    """Names and boundaries of the grids people choose from, for a map drawing them as
    outlines (no personal data). One query."""
    return [
        {"name": name, "boundary": boundary}
        for name, boundary in grids.filter(holds_unplaced=False, boundary__isnull=False)
        .order_by("code", "pk")
        .values_list("name", "boundary")[:500]
    ]


def community_overlaps(
    community_id: int, *, grids: Sequence[Grid] | None = None
) -> list[tuple[Grid, Grid]]:
    """Pairs of grids of one community whose boundaries overlap: a warning, not an error."""
    if grids is None:
        grids = list(
            Grid.objects.for_people()
            .filter(community_id=community_id, boundary__isnull=False)
            .order_by("code", "pk")
        )
    by_pk = {grid.pk: grid for grid in grids}
    return [
        (by_pk[a], by_pk[b]) for a, b in geo.overlaps((grid.pk, grid.boundary) for grid in grids)
    ]


def overdue_q(now: datetime.datetime | None = None) -> Q:
    """Open incidents whose deadline has passed: the admin's "overdue" filter and the
    dashboard count the same rows."""
    return Q(status__in=Incident.OPEN_STATES, deadline__lt=now or timezone.now())


def late_q(now: datetime.datetime | None = None) -> Q:
    """Incidents that ran past their deadline: still open after it, or closed after it.
    Rejected, duplicate and escalated reports left the community's hands and never count."""
    finished = [Incident.Status.CLOSED, Incident.Status.CLOSED_NOT_FIXED]
    return overdue_q(now) | Q(status__in=finished, closed_at__gt=F("deadline"))


def grids_of_member(user: User) -> QuerySet[Grid]:
    """The grids a user works in as exclusive member or deputy."""
    grids: QuerySet[Grid] = (
        Grid.objects.visible_to(user)
        .filter(
            Q(member_id=user.pk)
            | Q(pk__in=Grid.deputies.through.objects.filter(user_id=user.pk).values("grid_id"))
        )
        .select_related("community", "member")
    )
    return grids


def count_per_row(queryset: QuerySet[Any], field: str) -> Coalesce:
    """A correlated COUNT of `queryset` rows whose `field` points at the outer row. Unlike
    Count() through a join with GROUP BY, PostgreSQL evaluates it only for the rows a page
    shows, after ORDER BY and LIMIT."""
    counted = (
        queryset.filter(**{field: OuterRef("pk")}).order_by().values(field).annotate(n=Count("pk"))
    )
    return Coalesce(Subquery(counted.values("n"), output_field=IntegerField()), 0)


def _count_per_grid(queryset: QuerySet[Any]) -> Coalesce:
    return count_per_row(queryset, "grid_id")


def grids_with_counts(grids: QuerySet[Grid]) -> QuerySet[Grid]:
    """Each grid with its household and open-incident counts, one subquery each: counting
    both through joins multiplies households by incidents before DISTINCT (tens of
    seconds for a grid with a few thousand of each; found by scripts/load_test.py)."""
    return grids.annotate(
        household_count=_count_per_grid(Household.objects.all()),
        open_incidents=_count_per_grid(Incident.objects.filter(status__in=Incident.OPEN_STATES)),
    )


# Who can take an incident on: the people who work in the community's grids or office.
ASSIGNEE_ROLES = (Role.GRID_MEMBER, Role.COMMUNITY_STAFF)


def eligible_assignees(community_id: int) -> QuerySet[User]:
    """The rule for who may be assigned an incident of a community: an active user holding
    the grid-member or community-staff role there. The dispatch picker lists these people
    (assignee_candidates) and incident_assign refuses anyone else, so the two never drift."""
    users: QuerySet[User] = User.objects.filter(
        is_active=True,
        pk__in=RoleAssignment.objects.filter(
            community_id=community_id, role__in=ASSIGNEE_ROLES
        ).values("user_id"),
    )
    return users


def assignee_candidates(incident: Incident) -> QuerySet[User]:
    """The people an incident can be assigned to (eligible_assignees), each with:
    `load` (incidents assigned to them now, ASSIGNED or IN_PROGRESS, anywhere),
    `is_community_staff` and `is_grid_member` (their roles in this community),
    `in_incident_grid` (they are the member or a deputy of the incident's grid), and
    the grids they work in here as `member_grids` and `deputy_grids` (prefetched).

    The incident's own grid's people come first, then the least loaded, then by name:
    three queries whatever the number of people.
    """
    community_id = incident.community_id
    roles_here = RoleAssignment.objects.filter(user_id=OuterRef("pk"), community_id=community_id)
    own_grid = Grid.objects.filter(pk=incident.grid_id).filter(
        Q(member_id=OuterRef("pk")) | Q(deputies__id=OuterRef("pk"))
    )
    grids_here = Grid.objects.filter(community_id=community_id).order_by("code")
    candidates: QuerySet[User] = (
        eligible_assignees(community_id)
        .annotate(
            load=count_per_row(
                Incident.objects.filter(status__in=Incident.WORKING_STATES), "assignee_id"
            ),
            is_community_staff=Exists(roles_here.filter(role=Role.COMMUNITY_STAFF)),
            is_grid_member=Exists(roles_here.filter(role=Role.GRID_MEMBER)),
            in_incident_grid=Exists(own_grid),
        )
        .prefetch_related(
            Prefetch("grids_as_member", queryset=grids_here, to_attr="member_grids"),
            Prefetch("grids_as_deputy", queryset=grids_here, to_attr="deputy_grids"),
        )
        .order_by("-in_incident_grid", "load", "name", "username")
    )
    return candidates


def household_search(queryset: QuerySet[Household], query: str) -> QuerySet[Household]:
    """By the name of the head or of any resident (prefix), by masked phone (138****5678,
    as shown on screen), or by the last four digits of a phone.

    Matching households are found with index lookups first (a prefix index on names, an
    index on the masked phone), then the caller's scoped queryset is narrowed to them:
    an OR across two tables would make PostgreSQL scan every household.
    """
    query = (query or "").strip()
    if not query:
        return queryset
    limit = 2000
    if _MASKED_PHONE.match(query):
        own = Household.objects.filter(phone_mask=query)
        members = Resident.objects.filter(phone_mask=query)
    elif query.isdigit() and len(query) == 4:
        own = Household.objects.filter(phone__endswith=query)
        members = Resident.objects.filter(phone__endswith=query)
    else:
        own = Household.objects.filter(Q(head_name__startswith=query) | Q(number=query))
        members = Resident.objects.filter(name__startswith=query)
    # order_by(): the models' default ordering would join grid, community and street.
    ids = set(own.order_by().values_list("pk", flat=True)[:limit])
    ids |= set(members.order_by().values_list("household_id", flat=True)[:limit])
    return queryset.filter(pk__in=ids)


def incident_timeline(incident: Incident) -> QuerySet[TimelineEntry]:
    """The incident's transitions, joined by those of the reports marked as its duplicates."""
    ids = [incident.pk, *incident.duplicates.values_list("pk", flat=True)]
    return (
        TimelineEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Incident), object_id__in=ids
        )
        .select_related("actor", "content_type")
        .order_by("created_at", "id")
    )


# --- A resident's own report (随手拍), public ------------------------------------------------


def resident_report_by_code(code: str) -> ResidentReport | None:
    """The report with this tracking code, or None. A malformed code and an unknown one
    get the same answer, so the tracking page tells a guesser nothing."""
    code = normalise_tracking_code(code)
    if not code or len(code) > 20:
        return None
    report: ResidentReport | None = (
        ResidentReport.objects.select_related("incident__community", "incident__grid")
        .filter(tracking_code=code)
        .first()
    )
    return report


def public_progress(incident: Incident) -> list[dict[str, Any]]:
    """The steps of a report as its resident sees them: when, and the plain-words state;
    no actor and no staff note (notes name people: "assigned to …"). Repeated states
    (assigned, then in progress: both "being handled") show once."""
    steps: list[dict[str, Any]] = []
    entries = TimelineEntry.objects.for_object(incident).order_by("created_at", "pk")
    for to_state, created_at in entries.values_list("to_state", "created_at"):
        label = public_status(to_state)
        if steps and steps[-1]["label"] == label:
            continue
        steps.append({"label": label, "at": created_at, "state": to_state})
    return steps


def public_replies(incident: Incident) -> list[dict[str, Any]]:
    """The community's replies to the report, without their authors, any phone or ID
    number in them masked (whoever holds the tracking code reads them)."""
    replies = IncidentReply.objects.filter(incident=incident).order_by("created_at", "pk")
    return [
        {"created_at": created_at, "body": mask_personal_text(body)}
        for body, created_at in replies.values_list("body", "created_at")
    ]
