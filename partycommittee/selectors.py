"""Reused reads of the bee colony."""

from typing import Any

from django.db.models import Case, Count, IntegerField, Prefetch, QuerySet, When

from hive.models import Community
from hive.personal_data import mask_personal_text
from partycommittee.models import Campaign, DemandItem, Nomination, Project, ResidentUnit


def campaign_results(*, campaign: Campaign) -> QuerySet[Nomination]:
    """Nominations with their vote counts, most votes first."""
    results: QuerySet[Nomination] = (
        campaign.nominations.select_related("unit")
        .annotate(vote_count=Count("votes"))
        .order_by("-vote_count", "nominee_name")
    )
    return results


# The steps a project goes through, in order, as its public page shows them (cancelled
# projects are not shown).
PROJECT_STEPS = [status for status in Project.Status if status != Project.Status.CANCELLED]


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
    steps = [str(step) for step in PROJECT_STEPS]
    current = steps.index(project.status) if project.status in steps else -1
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
            "step_number": project.step_index + 1,  # type: ignore[attr-defined]  # annotated
            "step_count": len(PROJECT_STEPS),
            "units": [unit.name for unit in project.units.all()],
            "demands": [mask_personal_text(demand.title) for demand in project.demands.all()],
            "updated_at": project.updated_at,
        }
        for project in public_projects(community)
    ]
