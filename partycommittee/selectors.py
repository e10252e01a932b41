"""Reused reads of the bee colony."""

import datetime
from typing import Any

from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, When
from django.utils import timezone

from hive.models import Community, User
from hive.personal_data import mask_personal_text
from partycommittee.models import (
    Campaign,
    DemandItem,
    Nomination,
    Project,
    ResidentUnit,
    Vote,
)


def campaign_results(*, campaign: Campaign) -> QuerySet[Nomination]:
    """Nominations with their vote counts, most votes first."""
    results: QuerySet[Nomination] = (
        campaign.nominations.select_related("unit")
        .annotate(vote_count=Count("votes"))
        .order_by("-vote_count", "nominee_name")
    )
    return results


def campaign_standings(campaign: Campaign, nominations: Any = None) -> list[dict[str, Any]]:
    """Each nominee with their votes and whether they are selected: the top `seats` by
    votes. Where nominees tie for the last seats, all of them are marked `tied` and none
    selected, so the page says so honestly instead of picking by name; a nominee with no
    vote is never selected. `nominations`: rows already annotated with vote_count."""
    rows = list(campaign_results(campaign=campaign) if nominations is None else nominations)
    rows.sort(key=lambda row: (-row.vote_count, row.nominee_name))
    standings = []
    for row in rows:
        # Ranked as 1 + the number of nominees with more votes (ties share a rank).
        above = sum(1 for other in rows if other.vote_count > row.vote_count)
        level = sum(1 for other in rows if other.vote_count == row.vote_count)
        fits = row.vote_count > 0 and above < campaign.seats
        selected = fits and above + level <= campaign.seats
        standings.append(
            {
                "nomination": row,
                "name": row.nominee_name,
                "kind": row.get_nominee_kind_display(),
                "votes": row.vote_count,
                "rank": above + 1,
                "selected": selected,
                "tied": fits and not selected,
            }
        )
    return standings


def seated_community_ids(user: User) -> set[int]:
    """Communities whose big party committee the user sits on today."""
    from partycommittee.services import seated_members

    return set(seated_members(user).values_list("committee__community_id", flat=True))


# How long a campaign stays on the portal's list after its voting closed.
PORTAL_CAMPAIGN_DAYS = 60


def portal_campaigns(user: User) -> list[Campaign]:
    """The campaigns of the user's communities, current and recently closed, each with its
    nominations (and their votes once voting closed), what the user may do and why not,
    the votes the user cast and has left, the nominations they made and have left. Five
    queries whatever the number of campaigns and nominations."""
    from partycommittee.services import nominator_refusal, vote_refusal

    now = timezone.now()
    campaigns = list(
        Campaign.objects.visible_to(user)
        .filter(voting_end__gte=now - datetime.timedelta(days=PORTAL_CAMPAIGN_DAYS))
        .select_related("community")
        .prefetch_related(
            Prefetch(
                "nominations",
                queryset=Nomination.objects.select_related("unit")
                .annotate(vote_count=Count("votes"))
                .order_by("nominee_name"),
            )
        )
        .order_by("voting_end", "pk")
    )
    ids = [campaign.pk for campaign in campaigns]
    voted = set(
        Vote.objects.filter(voter=user, campaign_id__in=ids).values_list("nomination_id", flat=True)
    )
    nominated = dict(
        Nomination.objects.filter(campaign_id__in=ids, nominated_by=user)
        .values("campaign_id")
        .annotate(count=Count("pk", filter=Q(slot__isnull=False)))
        .values_list("campaign_id", "count")
    )
    seated = seated_community_ids(user)
    for campaign in campaigns:
        is_seated = campaign.community_id in seated
        nominations = list(campaign.nominations.all())
        for nomination in nominations:
            nomination.voted = nomination.pk in voted
        campaign.nominees = nominations
        campaign.my_votes = [n for n in nominations if n.voted]
        campaign.votes_left = max(campaign.seats - len(campaign.my_votes), 0)
        campaign.nominations_left = max(campaign.seats - nominated.get(campaign.pk, 0), 0)
        campaign.nominate_refusal = nominator_refusal(
            campaign=campaign, user=user, seated=is_seated
        )
        campaign.vote_refusal = vote_refusal(campaign=campaign, voter=user, seated=is_seated)
        campaign.is_closed = campaign.voting_closed(now)
        campaign.standings = campaign_standings(campaign, nominations) if campaign.is_closed else []
    return campaigns


def announced_campaigns(community: Community) -> QuerySet[Campaign]:
    """The community's campaigns whose results staff announced, the latest first."""
    campaigns: QuerySet[Campaign] = Campaign.objects.filter(
        community=community, announced_at__isnull=False
    ).order_by("-announced_at", "-pk")
    return campaigns


def public_announcement(campaign: Campaign) -> list[dict[str, Any]]:
    """What the public announcement shows of each nominee: name, kind, votes, rank and
    whether selected (or tied); the reason with any phone or ID number masked. Nothing
    about voters or nominators. One query."""
    return [
        {key: value for key, value in row.items() if key != "nomination"}
        | {"reason": mask_personal_text(row["nomination"].reason)}
        for row in campaign_standings(campaign)
    ]


# The steps a project goes through, in order, as its public page shows them (cancelled
# projects are not shown).
PROJECT_STEPS: list[str] = [
    status for status in Project.Status if status != Project.Status.CANCELLED
]


def public_projects(community: Community) -> QuerySet[Project]:
    """The community's projects staff published (Project.is_public), those being carried
    out first, each with the units taking part and the demands it answers. Three queries
    whatever the number of projects."""
    ordering = Case(
        *(When(status=status, then=index) for index, status in enumerate(PROJECT_STEPS)),
        output_field=IntegerField(),
    )
    projects: QuerySet[Project] = (
        Project.objects.filter(community=community, is_public=True)
        .exclude(status=Project.Status.CANCELLED)
        .annotate(
            step_index=ordering,
            carried_out=Case(
                When(status=Project.Status.IN_PROGRESS, then=0),
                When(status=Project.Status.COMPLETED, then=2),
                default=1,
                output_field=IntegerField(),
            ),
        )
        .prefetch_related(
            Prefetch("units", queryset=ResidentUnit.objects.order_by("name").only("id", "name")),
            Prefetch("demands", queryset=DemandItem.objects.order_by("id").only("id", "title")),
        )
        .order_by("carried_out", "-step_index", "-updated_at", "-id")
    )
    return projects


def project_progress(project: Project) -> list[dict[str, Any]]:
    """Each step of `project` with whether it is done, current or still ahead."""
    current = PROJECT_STEPS.index(project.status) if project.status in PROJECT_STEPS else -1
    return [
        {
            "label": Project.Status(status).label,
            "state": "done" if index < current else "current" if index == current else "ahead",
        }
        for index, status in enumerate(PROJECT_STEPS)
    ]


def public_progress(community: Community) -> list[dict[str, Any]]:
    """What the public progress page shows of each published project: its texts with any
    phone or ID number masked (the model refuses them; rows written around the model are
    masked here too), its steps, the units taking part and the demands it answers."""
    return [
        {
            "id": project.pk,
            "title": mask_personal_text(project.title),
            "description": mask_personal_text(project.description),
            "results": mask_personal_text(project.public_results),
            "status": project.get_status_display(),
            "is_completed": project.status == Project.Status.COMPLETED,
            "steps": project_progress(project),
            "step_number": PROJECT_STEPS.index(project.status) + 1,
            "step_count": len(PROJECT_STEPS),
            "units": [unit.name for unit in project.units.all()],
            "demands": [mask_personal_text(demand.title) for demand in project.demands.all()],
            "updated_at": project.updated_at,
        }
        for project in public_projects(community)
    ]
