"""Models of the partycommittee app, one module per concept, and the three-double
evaluations' (partycommittee/evaluations/models.py, app label "partycommittee" too);
import them from here (`from partycommittee.models import ResidentUnit`)."""

from partycommittee.evaluations.models import (
    CommunityResult,
    DutyReport,
    EvaluationPolicy,
    EvaluationRound,
    EvaluationSheet,
    UnitResult,
)
from partycommittee.models.campaigns import (
    Campaign,
    CampaignScopedQuerySet,
    CommunityMembersQuerySet,
    Nomination,
    Objection,
    ObjectionQuerySet,
    Vote,
    VoteQuerySet,
)
from partycommittee.models.committee import (
    BigPartyCommittee,
    CommitteeDocument,
    CommitteeMember,
    CommitteeScopedQuerySet,
)
from partycommittee.models.meetings import JointMeeting, MeetingAttendance
from partycommittee.models.projects import (
    Agreement,
    AgreementQuerySet,
    DemandItem,
    Project,
    ResourceItem,
    ResourceItemQuerySet,
    Responsibility,
    ResponsibilityQuerySet,
)
from partycommittee.models.units import (
    ResidentUnit,
    ResidentUnitQuerySet,
    UnitParticipationQuerySet,
    units_represented_by,
)

__all__ = [
    "Agreement",
    "AgreementQuerySet",
    "BigPartyCommittee",
    "Campaign",
    "CampaignScopedQuerySet",
    "CommitteeDocument",
    "CommitteeMember",
    "CommitteeScopedQuerySet",
    "CommunityMembersQuerySet",
    "CommunityResult",
    "DemandItem",
    "DutyReport",
    "EvaluationPolicy",
    "EvaluationRound",
    "EvaluationSheet",
    "JointMeeting",
    "MeetingAttendance",
    "Nomination",
    "Objection",
    "ObjectionQuerySet",
    "Project",
    "ResidentUnit",
    "ResidentUnitQuerySet",
    "ResourceItem",
    "ResourceItemQuerySet",
    "Responsibility",
    "ResponsibilityQuerySet",
    "UnitParticipationQuerySet",
    "UnitResult",
    "Vote",
    "VoteQuerySet",
    "units_represented_by",
]
