"""The party committee's part of the admin home (hive.workbench): sheets still owed in an
open evaluation round, and where the co-construction and evaluation models sit."""

from django.utils.translation import gettext_lazy as _

from hive import workbench
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

workbench.register(
    workbench.counting_tray(
        name="partycommittee.sheets",
        order=50,
        model=EvaluationSheet,
        counted=[
            workbench.Counted(
                "sheets_owed",
                _("Score sheets missing in an open round"),
                owed_in_open_round_q(),
                {"owed": "open_round"},
            )
        ],
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
