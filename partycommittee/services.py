"""Writes with rules in them for the bee colony: projects, responsibilities, meetings,
committee seats and the advanced-selection votes."""

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hive.access.authorization import NotAuthorized
from hive.models import Community, User
from hive.workflow import transition
from partycommittee.models import (
    Agreement,
    Campaign,
    CommitteeMember,
    DemandItem,
    JointMeeting,
    Nomination,
    Project,
    ResidentUnit,
    ResourceItem,
    Responsibility,
    Vote,
)


@transaction.atomic
def project_transition(*, project: Project, to: str, actor: User, note: str = "") -> Project:
    """Move a project one step (the step leading to `to`). Signing needs the agreement
    record first.

    Authorization: the caller's.
    """
    # Rule checks apply to a legal move only: an illegal one gets the workflow's message.
    step = Project.workflow.action_to(to, project.status).name
    if step == "sign_agreement" and not Agreement.objects.filter(project=project).exists():
        raise ValidationError(
            {"agreement": _("Record the co-construction agreement before signing.")},
            code="agreement_missing",
        )
    if step == "cancel" and not note.strip():
        raise ValidationError({"note": _("Say why the project is cancelled.")}, code="reason")
    transition(project, action=step, actor=actor, note=note)
    return project


def project_links_check(
    *,
    community: Community,
    demands: Iterable[DemandItem] = (),
    resources: Iterable[ResourceItem] = (),
    units: Iterable[ResidentUnit] = (),
    meeting: JointMeeting | None = None,
) -> None:
    """A project answers demands, uses resources, involves units and is decided at a
    meeting of its own community only. The API, the admin and the services that open
    projects all ask here."""
    errors: dict[str, list[str]] = {}
    if meeting is not None and meeting.community_id != community.pk:
        errors["meeting"] = [_("Everything linked must belong to the project's community.")]
    for name, rows in (("demands", demands), ("resources", resources), ("units", units)):
        if any(row.community_id != community.pk for row in rows):
            errors[name] = [_("Everything linked must belong to the project's community.")]
    if errors:
        raise ValidationError(errors, code="other_community")


def agreement_check(*, project: Project) -> None:
    """An agreement is recorded, or changed, once the project has been decided and until
    it is signed (`agreement_record` and the admin's agreement inline ask here)."""
    if project.status not in (Project.Status.DECIDED, Project.Status.AGREEMENT_SIGNED):
        raise ValidationError(
            {"project": _("An agreement is recorded once the project has been decided.")},
            code="too_early",
        )


@transaction.atomic
def agreement_record(
    *, project: Project, parties: str, signed_on: date, file: "File[bytes] | None" = None
) -> Agreement:
    """Authorization: the caller's."""
    agreement_check(project=project)
    if not parties.strip():
        raise ValidationError({"parties": _("Name the parties that sign.")}, code="required")
    agreement, _created = Agreement.objects.update_or_create(
        project=project, defaults={"parties": parties.strip(), "signed_on": signed_on}
    )
    if file is not None:
        agreement.file = file
        agreement.full_clean()
        agreement.save(update_fields=["file", "updated_at"])
    return agreement


@transaction.atomic
def responsibility_update(
    *, responsibility: Responsibility, status: str, progress_note: str = ""
) -> Responsibility:
    """A unit reports progress on what it is responsible for.

    Authorization: the caller's.
    """
    if status not in Responsibility.Status.values:
        raise ValidationError({"status": _("Unknown status.")}, code="invalid")
    responsibility.status = status
    responsibility.progress_note = progress_note
    responsibility.save(update_fields=["status", "progress_note", "updated_at"])
    return responsibility


@transaction.atomic
def meeting_decision_to_demand(
    *, meeting: JointMeeting, title: str, category: str, description: str = "", priority: int = 2
) -> DemandItem:
    """A joint meeting's decision becomes an item on the demand list.

    Authorization: the caller's.
    """
    demand = DemandItem(
        community=meeting.community,
        meeting=meeting,
        title=title,
        description=description,
        category=category,
        priority=priority,
        source=DemandItem.Source.MEETING,
        raised_by=meeting.title[:100],
    )
    demand.full_clean()
    demand.save()
    return demand


@transaction.atomic
def meeting_decision_to_project(
    *, meeting: JointMeeting, title: str, description: str = "", demands: Iterable[DemandItem] = ()
) -> Project:
    """A joint meeting's decision opens a project at its first step.

    Authorization: the caller's.
    """
    project = Project(
        community=meeting.community, meeting=meeting, title=title, description=description
    )
    project_links_check(community=meeting.community, demands=demands)
    project.full_clean()
    project.save()
    if demands:
        project.demands.set(demands)
    return project


def _check_window(opened: bool, message: str) -> None:
    if not opened:
        raise ValidationError({"campaign": message}, code="window_closed")


@transaction.atomic
def nomination_create(
    *,
    campaign: Campaign,
    nominee_kind: str,
    nominated_by: User,
    nominee_name: str = "",
    unit: ResidentUnit | None = None,
    reason: str = "",
) -> Nomination:
    """Authorization: the caller's."""
    _check_window(campaign.nominations_open(), _("Nominations are not open for this campaign."))
    nomination = Nomination(
        campaign=campaign,
        nominee_kind=nominee_kind,
        nominee_name=nominee_name.strip() or (unit.name if unit else ""),
        unit=unit,
        reason=reason,
        nominated_by=nominated_by,
    )
    nomination.full_clean()
    nomination.save()
    return nomination


@transaction.atomic
def vote_cast(*, nomination: Nomination, voter: User) -> Vote:
    """A committee member backs a nominee: once per nominee, at most one vote per seat.

    Authorization: checked here (members of the big party committee).
    """
    # Lock the campaign: two votes from one member at once must not both fit the last seat.
    campaign = Campaign.objects.select_for_update().get(pk=nomination.campaign_id)
    _check_window(campaign.voting_open(), _("Voting is not open for this campaign."))
    today = timezone.localdate()
    seated = CommitteeMember.objects.filter(
        committee__community_id=campaign.community_id, user=voter, term_start__lte=today
    ).filter(Q(term_end__isnull=True) | Q(term_end__gte=today))
    if not seated.exists():
        raise NotAuthorized(_("Only members of the big party committee vote."))
    cast = Vote.objects.filter(campaign=campaign, voter=voter)
    if cast.filter(nomination=nomination).exists():
        raise ValidationError(
            {"nomination": _("You have already voted for this nominee.")}, code="duplicate"
        )
    if cast.count() >= campaign.seats:
        raise ValidationError(
            {"nomination": _("You have used all your votes in this campaign.")}, code="no_votes"
        )
    try:
        with transaction.atomic():
            return Vote.objects.create(campaign=campaign, nomination=nomination, voter=voter)
    except IntegrityError:
        raise ValidationError(
            {"nomination": _("You have already voted for this nominee.")}, code="duplicate"
        ) from None
