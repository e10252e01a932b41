"""The party committee's part of the staff dashboard: the four lists' projects and
responsibilities, and the latest three-double results (hive.dashboard)."""

from django.db.models import Count, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hive import dashboard
from hive.dashboard import Chart, Metric, Section, changelist_url, chart
from partycommittee.evaluations.models import EvaluationRound, UnitResult
from partycommittee.models import Project, Responsibility


def figures(community_ids, period, now):
    """Current state, whatever the period."""
    out = {
        cid: {"projects": {}, "responsibilities_overdue": 0, "evaluation": None}
        for cid in community_ids
    }
    # Four lists: every project by its current step, responsibilities past their deadline.
    projects = Project.objects.filter(community_id__in=community_ids).order_by()
    for row in projects.values("community_id", "status").annotate(n=Count("id")):
        out[row["community_id"]]["projects"][row["status"]] = row["n"]
    overdue = Responsibility.objects.filter(community_id__in=community_ids).overdue(
        timezone.localdate(now)
    )
    for row in overdue.order_by().values("community_id").annotate(n=Count("id")):
        out[row["community_id"]]["responsibilities_overdue"] = row["n"]

    # Three-double: the latest round with computed results, and its three best units.
    latest_round = (
        EvaluationRound.objects.filter(
            community_id=OuterRef("community_id"), results_computed_at__isnull=False
        )
        .order_by("-period_start", "-id")
        .values("id")[:1]
    )
    rounds = list(
        EvaluationRound.objects.filter(community_id__in=community_ids)
        .filter(id=Subquery(latest_round))
        .select_related("community_result")
    )
    top = {}
    for result in (
        UnitResult.objects.filter(round__in=[r.pk for r in rounds], rank__isnull=False)
        .select_related("unit")
        .order_by("round_id", "rank", "unit__name")
    ):
        units = top.setdefault(result.round_id, [])
        if len(units) < 3:
            units.append({"name": result.unit.name, "rank": result.rank, "score": result.score})
    for evaluation_round in rounds:
        community_result = getattr(evaluation_round, "community_result", None)
        out[evaluation_round.community_id]["evaluation"] = {
            "round": evaluation_round.pk,
            "label": evaluation_round.period_label,
            "status": evaluation_round.status,
            "score": community_result.score if community_result else None,
            "unit_mean_score": community_result.unit_mean_score if community_result else None,
            "change": community_result.change if community_result else None,
            "top_units": top.get(evaluation_round.pk, []),
        }
    return out


def sections(page):
    metrics = [
        Metric(
            f"project-{value}",
            label,
            lambda f, value=value: f["projects"].get(value, 0),
            lambda cid, value=value: changelist_url(
                "partycommittee_project", cid, status__exact=value
            ),
        )
        for value, label in Project.Status.choices
    ]
    not_done = [s for s in Responsibility.Status.values if s != Responsibility.Status.DONE]
    metrics.append(
        Metric(
            "responsibilities-overdue",
            _("Responsibilities past their deadline"),
            lambda f: f["responsibilities_overdue"],
            lambda cid: changelist_url(
                "partycommittee_responsibility",
                cid,
                deadline__lt=page.today.isoformat(),
                status__in=",".join(not_done),
            ),
        )
    )
    return [Section(50, "projects", _("Four lists: projects per step"), metrics)]


def charts(page):
    keys = [f"project-{value}" for value in Project.Status.values]
    return [Chart(50, "projects", _("Projects per step"), chart(page, "projects", keys))]


def block(page, community, figures):
    evaluation = figures["evaluation"]
    if evaluation is not None:
        url = reverse("admin:partycommittee_evaluationround_progress", args=[evaluation["round"]])
        evaluation = {**evaluation, "url": url}
    return {"evaluation": evaluation}


dashboard.register(
    dashboard.Part(
        name="partycommittee",
        figures=figures,
        sections=sections,
        charts=charts,
        models=(
            "partycommittee.Project",
            "partycommittee.Responsibility",
            "partycommittee.EvaluationRound",
        ),
        block=block,
        order=10,
    )
)
