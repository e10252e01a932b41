"""Reused reads of the grids app."""

import datetime
import re
from typing import Any

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

from grids.models import Grid, Household, Incident, Resident
from hive.access.roles import Role
from hive.models import RoleAssignment, TimelineEntry, User

_MASKED_PHONE = re.compile(r"^1\d{2}\*{4}\d{4}$")


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
