"""Writes with rules in them for the bee colony: projects, responsibilities, meetings,
committee seats and the advanced-selection votes."""

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from hive.access.authorization import NotAuthorized, administers
from hive.access.roles import Role
from hive.access.scoping import access_scope
from hive.models import Community, User
from hive.workflow import transition
from partycommittee.models import (
    Agreement,
    Campaign,
    CommitteeMember,
    DemandItem,
    JointMeeting,
    Nomination,
    Objection,
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


def seated_members(user: User) -> QuerySet[CommitteeMember]:
    """The user's seats on big party committees whose term runs today."""
    today = timezone.localdate()
    return CommitteeMember.objects.filter(user=user, term_start__lte=today).filter(
        Q(term_end__isnull=True) | Q(term_end__gte=today)
    )


def _committee_seated(campaign: Campaign, user: User) -> bool:
    return bool(seated_members(user).filter(committee__community_id=campaign.community_id).exists())


# Who nominates with an account: the community's unit representatives and party members,
# its staff, and the members of its big party committee (whatever role they hold).
NOMINATING_ROLES = (Role.UNIT_REP, Role.PARTY_MEMBER)


def nominator_refusal(*, campaign: Campaign, user: User, seated: bool | None = None) -> str:
    """Why `user` may not nominate in `campaign` now, or "" when they may. `seated`:
    whether they sit on the community's big party committee, when the caller knows."""
    scope = access_scope(user)
    eligible = administers(user, campaign.community_id) or any(
        campaign.community_id in scope.community_ids_for(role) for role in NOMINATING_ROLES
    )
    if not eligible and not (_committee_seated(campaign, user) if seated is None else seated):
        return _(
            "Unit representatives, party members and committee members of the community nominate."
        )
    if not campaign.nominations_open():
        return _("Nominations are not open for this campaign.")
    return ""


def vote_refusal(*, campaign: Campaign, voter: User, seated: bool | None = None) -> str:
    """Why `voter` may not vote in `campaign` now, or "" when they may (vote_cast asks
    the same, under its lock). `seated` as for nominator_refusal."""
    if not (_committee_seated(campaign, voter) if seated is None else seated):
        return _("Only members of the big party committee vote.")
    if not campaign.voting_open():
        return _("Voting is not open for this campaign.")
    return ""


def _next_slot(taken: Iterable[int | None], seats: int) -> int | None:
    """The lowest of 1..seats not yet taken, or None when all are."""
    used = set(taken)
    return next((slot for slot in range(1, seats + 1) if slot not in used), None)


def _nomination_save(nomination: Nomination, *, taken: Iterable[int | None]) -> Nomination:
    campaign = nomination.campaign
    slot = _next_slot(taken, campaign.seats)
    if slot is None:
        raise ValidationError(
            {
                "campaign": _(
                    "You have made as many nominations as there are seats in this campaign."
                )
            },
            code="no_nominations",
        )
    nomination.slot, nomination.seats = slot, campaign.seats
    nomination.full_clean()
    try:
        with transaction.atomic():
            nomination.save()
    except IntegrityError:
        # Only a double submission racing past the lock gets here.
        raise ValidationError(
            {"nominee_name": _("This nominee has already been nominated.")}, code="duplicate"
        ) from None
    return nomination


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
    """A member of the community nominates a family, a person or a resident unit while
    nominations are open: at most `seats` nominations per person per campaign (the
    database holds the slot).

    Authorization: checked here (nominator_refusal)."""
    # Lock the campaign: two nominations from one person at once must not share a slot.
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    _check_window(campaign.nominations_open(), _("Nominations are not open for this campaign."))
    refusal = nominator_refusal(campaign=campaign, user=nominated_by)
    if refusal:
        raise NotAuthorized(refusal)
    nomination = Nomination(
        campaign=campaign,
        nominee_kind=nominee_kind,
        nominee_name=nominee_name.strip() or (unit.name if unit else ""),
        unit=unit,
        reason=reason,
        nominated_by=nominated_by,
    )
    taken = Nomination.objects.filter(campaign=campaign, nominated_by=nominated_by).values_list(
        "slot", flat=True
    )
    return _nomination_save(nomination, taken=taken)


@transaction.atomic
def nomination_create_public(
    *,
    campaign: Campaign,
    nominee_kind: str,
    nominee_name: str,
    reason: str,
    nominator_name: str,
    nominator_phone: str,
    unit: ResidentUnit | None = None,
) -> tuple[Nomination, bool]:
    """A resident without an account nominates through the public form, giving a name and
    mobile phone for the office's follow-up (never shown publicly): at most `seats`
    nominations per phone per campaign. The same nominee sent again from the same phone is
    the nomination already stored (created False), not an error.

    Authorization: none (public); the view rate-limits."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    _check_window(campaign.nominations_open(), _("Nominations are not open for this campaign."))
    nomination = Nomination(
        campaign=campaign,
        nominee_kind=nominee_kind,
        nominee_name=nominee_name.strip() or (unit.name if unit else ""),
        unit=unit,
        reason=reason.strip(),
        nominator_name=nominator_name.strip(),
        nominator_phone=nominator_phone.strip(),
        consent_at=timezone.now(),
    )
    # The office must be able to reach whoever nominates without an account.
    errors = {
        name: [_("This field is required.")]
        for name in ("nominator_name", "nominator_phone")
        if not getattr(nomination, name)
    }
    if errors:
        raise ValidationError(errors, code="required")
    mine = Nomination.objects.filter(
        campaign=campaign, nominated_by__isnull=True, nominator_phone=nomination.nominator_phone
    )
    again = mine.filter(nominee_name=nomination.nominee_name).first()
    if again is not None:
        return again, False
    return _nomination_save(nomination, taken=mine.values_list("slot", flat=True)), True


@transaction.atomic
def vote_cast(*, nomination: Nomination, voter: User) -> Vote:
    """A committee member backs a nominee: once per nominee, at most one vote per seat
    (the database holds both: the vote takes the voter's next free seat).

    Authorization: checked here (members of the big party committee).
    """
    # Lock the campaign: two votes from one member at once must not both fit the last seat.
    campaign = Campaign.objects.select_for_update().get(pk=nomination.campaign_id)
    _check_window(campaign.voting_open(), _("Voting is not open for this campaign."))
    if not _committee_seated(campaign, voter):
        raise NotAuthorized(_("Only members of the big party committee vote."))
    cast = Vote.objects.filter(campaign=campaign, voter=voter)
    if cast.filter(nomination=nomination).exists():
        raise ValidationError(
            {"nomination": _("You have already voted for this nominee.")}, code="duplicate"
        )
    seat = _next_slot(cast.values_list("seat", flat=True), campaign.seats)
    if seat is None:
        raise ValidationError(
            {"nomination": _("You have used all your votes in this campaign.")}, code="no_votes"
        )
    try:
        with transaction.atomic():
            return Vote.objects.create(
                campaign=campaign,
                nomination=nomination,
                voter=voter,
                seat=seat,
                seats=campaign.seats,
            )
    except IntegrityError:
        raise ValidationError(
            {"nomination": _("You have already voted for this nominee.")}, code="duplicate"
        ) from None


@transaction.atomic
def campaign_announce(*, campaign: Campaign) -> Campaign:
    """Publish the results of a campaign whose voting has closed (公示): the public page
    shows them from now until the objection period ends, and after.

    Authorization: the caller's (staff of the community)."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.announced_at is not None:
        raise ValidationError(
            {"campaign": _("The results of this campaign have already been announced.")},
            code="already_announced",
        )
    now = timezone.now()
    if not campaign.voting_closed(now):
        raise ValidationError(
            {"campaign": _("Results are announced once voting has closed.")}, code="too_early"
        )
    campaign.announced_at = now
    campaign.save(update_fields=["announced_at", "updated_at"])
    return campaign


@transaction.atomic
def objection_submit(
    *,
    campaign: Campaign,
    reason: str,
    name: str,
    phone: str,
    nomination: Nomination | None = None,
) -> Objection:
    """A resident objects to announced results during the objection period, leaving a
    name and mobile phone for the office (never shown publicly).

    Authorization: none (public); the view rate-limits."""
    if not campaign.objections_open():
        raise ValidationError(
            {"campaign": _("Objections to this campaign's results are not open.")},
            code="window_closed",
        )
    if nomination is not None and nomination.campaign_id != campaign.pk:
        raise ValidationError({"nomination": _("Choose a nominee of this campaign.")})
    objection = Objection(
        campaign=campaign,
        nomination=nomination,
        reason=reason.strip(),
        name=name.strip(),
        phone=phone.strip(),
        consent_at=timezone.now(),
    )
    objection.full_clean()
    objection.save()
    return objection
