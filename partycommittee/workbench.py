"""The party committee's part of the admin home (hive.workbench): sheets still owed in an
open evaluation round, and where the co-construction and evaluation models sit."""

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from hive import workbench
from hive.dashboard import changelist_url
from partycommittee.evaluations.models import (
    DutyReport,
    EvaluationPolicy,
    EvaluationRound,
    EvaluationSheet,
    UnitResult,
)
from partycommittee.evaluations.selectors import owed_in_open_round_q
from partycommittee.models import (
    BigPartyCommittee,
    Campaign,
    DemandItem,
    JointMeeting,
    Project,
    ResidentUnit,
    ResourceItem,
    Responsibility,
)


def _sheet_counts(user):
    return EvaluationSheet.objects.managed_by(user).aggregate(
        sheets_owed=Count("pk", filter=owed_in_open_round_q())
    )


workbench.register(
    workbench.Tray(
        name="partycommittee.sheets",
        order=50,
        permission="partycommittee.view_evaluationsheet",
        todos=(
            workbench.ToDo(
                "sheets_owed",
                _("Score sheets missing in an open round"),
                lambda: changelist_url("partycommittee_evaluationsheet", None, owed="open_round"),
            ),
        ),
        counts=_sheet_counts,
    )
)

workbench.group(
    workbench.Group(
        "coconstruction",
        _("Co-construction with resident units"),
        order=40,
        models=(
            ResidentUnit,
            DemandItem,
            ResourceItem,
            Project,
            Responsibility,
            JointMeeting,
            BigPartyCommittee,
        ),
    )
)
workbench.group(
    workbench.Group(
        "evaluations",
        _("Evaluations and awards"),
        order=50,
        models=(
            EvaluationRound,
            EvaluationSheet,
            DutyReport,
            UnitResult,
            EvaluationPolicy,
            Campaign,
        ),
    )
)
