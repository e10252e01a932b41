from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hive.access.roles import Role
from hive.access.scoping import NOTHING, ScopedQuerySet, scoped_through
from hive.models import Community, TimeStampedModel
from hive.uploads import DocumentField
from hive.workflow import Action, Workflow


def units_represented_by(user: Any) -> QuerySet[Any, Any]:
    """Ids of the resident units `user` represents, as a subquery."""
    return ResidentUnit.representatives.through.objects.filter(user_id=user.pk).values(
        "residentunit_id"
    )


class ResidentUnitQuerySet(ScopedQuerySet):
    def role_condition(self, user, scope):
        if Role.UNIT_REP not in scope.roles:
            return NOTHING
        return Q(id__in=units_represented_by(user))

    def active(self):
        return self.filter(is_active=True)


class ResidentUnit(TimeStampedModel):
    """A resident unit (驻区单位): an organisation located in the community."""

    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", _("Enterprise")
        BANK = "bank", _("Bank branch")
        COURT = "court", _("Court")
        POLICE = "police", _("Police branch")
        PROPERTY = "property", _("Property company")
        SCHOOL = "school", _("School")
        HOSPITAL = "hospital", _("Hospital")
        AGENCY = "agency", _("Government agency")
        SOCIAL = "social", _("Social organisation")
        OTHER = "other", _("Other")

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="units", verbose_name=_("community")
    )
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    address = models.CharField(_("address"), max_length=200, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=60, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    party_org_name = models.CharField(_("party organisation"), max_length=120, blank=True)
    party_org_head = models.CharField(_("party organisation head"), max_length=60, blank=True)
    party_member_count = models.PositiveIntegerField(_("number of party members"), default=0)
    joined_on = models.DateField(_("joined on"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    representatives = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="represented_units",
        verbose_name=_("representatives"),
        help_text=_("Portal users who act for this unit (unit-representative role)."),
    )

    objects = ResidentUnitQuerySet.as_manager()

    class Meta:
        ordering = ["community", "name"]
        verbose_name = _("resident unit")
        verbose_name_plural = _("resident units")
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="unit_name_per_community")
        ]

    def __str__(self):
        return self.name


class BigPartyCommittee(TimeStampedModel):
    """The community's big party committee (大党委): one per community."""

    community = models.OneToOneField(
        Community, on_delete=models.PROTECT, related_name="committee", verbose_name=_("community")
    )
    name = models.CharField(_("name"), max_length=120)
    established_on = models.DateField(_("established on"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["community"]
        verbose_name = _("big party committee")
        verbose_name_plural = _("big party committees")

    def __str__(self):
        return self.name


class CommitteeScopedQuerySet(ScopedQuerySet):
    community_path = "committee__community"


class CommitteeMember(TimeStampedModel):
    class Position(models.TextChoices):
        SECRETARY = "secretary", _("Secretary")
        DEPUTY = "deputy", _("Deputy secretary")
        MEMBER = "member", _("Member")
        CONCURRENT = "concurrent", _("Concurrent member")

    committee = models.ForeignKey(
        BigPartyCommittee,
        on_delete=models.CASCADE,
        related_name="members",
        verbose_name=_("committee"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="committee_seats",
        verbose_name=_("person"),
    )
    unit = models.ForeignKey(
        ResidentUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="committee_seats",
        verbose_name=_("resident unit"),
        help_text=_("Set for concurrent members (兼职委员) from resident units."),
    )
    position = models.CharField(_("position"), max_length=20, choices=Position.choices)
    term_start = models.DateField(_("term starts"))
    term_end = models.DateField(_("term ends"), null=True, blank=True)

    objects = CommitteeScopedQuerySet.as_manager()

    class Meta:
        ordering = ["committee", "position", "term_start"]
        verbose_name = _("committee member")
        verbose_name_plural = _("committee members")
        constraints = [
            models.UniqueConstraint(fields=["committee", "user"], name="one_seat_per_person"),
            models.CheckConstraint(
                condition=Q(term_end__isnull=True) | Q(term_end__gte=F("term_start")),
                name="committee_term_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_position_display()}"

    def clean(self):
        if self.term_start and self.term_end and self.term_end < self.term_start:
            raise ValidationError({"term_end": _("The term cannot end before it starts.")})
        if (
            self.unit_id
            and self.committee_id
            and (self.unit.community_id != self.committee.community_id)
        ):
            raise ValidationError({"unit": _("The unit belongs to another community.")})


class CommitteeDocument(TimeStampedModel):
    class Kind(models.TextChoices):
        CHARTER = "charter", _("Charter (implementation measures)")
        OTHER = "other", _("Other document")

    committee = models.ForeignKey(
        BigPartyCommittee,
        on_delete=models.CASCADE,
        related_name="documents",
        verbose_name=_("committee"),
    )
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    file = DocumentField(
        _("file"),
        upload_to="committee/%Y/",
        help_text=_("PDF, Word or an image."),
    )

    objects = CommitteeScopedQuerySet.as_manager()

    class Meta:
        ordering = ["committee", "-created_at"]
        verbose_name = _("committee document")
        verbose_name_plural = _("committee documents")

    def __str__(self):
        return self.title


class UnitParticipationQuerySet(ScopedQuerySet):
    """Rows with a `units` many-to-many: unit representatives see those of their units."""

    def role_condition(self, user, scope):
        if Role.UNIT_REP not in scope.roles:
            return NOTHING
        taking_part = self.model._default_manager.filter(units__in=units_represented_by(user))
        return Q(id__in=taking_part.values("id"))


class JointMeeting(TimeStampedModel):
    """A joint meeting (联席会议) of the big party committee."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="meetings", verbose_name=_("community")
    )
    title = models.CharField(_("title"), max_length=200)
    held_at = models.DateTimeField(_("held at"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    agenda = models.TextField(_("agenda"), blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    units: "models.ManyToManyField[ResidentUnit, MeetingAttendance]" = models.ManyToManyField(
        ResidentUnit,
        through="MeetingAttendance",
        related_name="meetings",
        verbose_name=_("units invited"),
    )

    objects = UnitParticipationQuerySet.as_manager()

    class Meta:
        ordering = ["-held_at"]
        verbose_name = _("joint meeting")
        verbose_name_plural = _("joint meetings")

    def __str__(self):
        return self.title


class MeetingAttendance(TimeStampedModel):
    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        ABSENT = "absent", _("Absent")
        EXCUSED = "excused", _("Excused")

    meeting = models.ForeignKey(
        JointMeeting, on_delete=models.CASCADE, related_name="attendance", verbose_name=_("meeting")
    )
    unit = models.ForeignKey(
        ResidentUnit, on_delete=models.PROTECT, related_name="attendance", verbose_name=_("unit")
    )
    status = models.CharField(
        _("attendance"), max_length=10, choices=Status.choices, default=Status.PRESENT
    )
    attendee = models.CharField(_("attendee"), max_length=60, blank=True)

    objects = scoped_through("meeting").as_manager()

    class Meta:
        ordering = ["meeting", "unit"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "unit"], name="attendance_once_per_unit")
        ]

    def __str__(self):
        return f"{self.unit} · {self.get_status_display()}"


class DemandItem(TimeStampedModel):
    """An item of the demand list (需求清单): what residents need."""

    class Source(models.TextChoices):
        RESIDENTS = "residents", _("Residents")
        GRID = "grid", _("Grid visit")
        UNIT = "unit", _("Resident unit")
        MEETING = "meeting", _("Joint meeting")
        OTHER = "other", _("Other")

    class Category(models.TextChoices):
        ELDERLY = "elderly", _("Elderly care")
        CHILDREN = "children", _("Children and youth")
        ENVIRONMENT = "environment", _("Environment and sanitation")
        FACILITIES = "facilities", _("Facilities and repairs")
        CULTURE = "culture", _("Culture and sports")
        SAFETY = "safety", _("Safety")
        EMPLOYMENT = "employment", _("Employment and skills")
        OTHER = "other", _("Other")

    class Priority(models.IntegerChoices):
        LOW = 1, _("Low")
        NORMAL = 2, _("Normal")
        HIGH = 3, _("High")
        URGENT = 4, _("Urgent")

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="demands", verbose_name=_("community")
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    raised_by = models.CharField(_("raised by"), max_length=100, blank=True)
    meeting = models.ForeignKey(
        JointMeeting,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="demands",
        verbose_name=_("decided at meeting"),
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-priority", "-created_at"]
        verbose_name = _("demand")
        verbose_name_plural = _("demand list")

    def __str__(self):
        return self.title

    def clean(self):
        if self.meeting_id and self.community_id and self.meeting.community_id != self.community_id:
            raise ValidationError(
                {"meeting": _("Everything linked must belong to the same community.")}
            )


class ResourceItemQuerySet(ScopedQuerySet):
    def role_condition(self, user, scope):
        if Role.UNIT_REP not in scope.roles:
            return NOTHING
        return Q(unit_id__in=units_represented_by(user))


class ResourceItem(TimeStampedModel):
    """An item of the resource list (资源清单): what a unit can offer."""

    class Kind(models.TextChoices):
        VENUE = "venue", _("Venue")
        FUNDS = "funds", _("Funds")
        PEOPLE = "people", _("People")
        SKILLS = "skills", _("Skills")
        EQUIPMENT = "equipment", _("Equipment")
        OTHER = "other", _("Other")

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="resources", verbose_name=_("community")
    )
    unit = models.ForeignKey(
        ResidentUnit, on_delete=models.CASCADE, related_name="resources", verbose_name=_("unit")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    capacity = models.CharField(
        _("capacity"), max_length=100, blank=True, help_text=_("e.g. 50 seats, 20,000 yuan")
    )
    availability = models.CharField(
        _("availability"), max_length=200, blank=True, help_text=_("e.g. weekday evenings")
    )
    is_available = models.BooleanField(_("available"), default=True)

    objects = ResourceItemQuerySet.as_manager()

    class Meta:
        ordering = ["unit", "kind", "title"]
        verbose_name = _("resource")
        verbose_name_plural = _("resource list")

    def __str__(self):
        return self.title

    def clean(self):
        if self.unit_id and self.community_id and self.unit.community_id != self.community_id:
            raise ValidationError({"unit": _("The unit belongs to another community.")})


class Project(TimeStampedModel):
    """An item of the project list (项目清单), moved through the report's six steps."""

    class Status(models.TextChoices):
        SOLICITED = "solicited", _("Demand solicited")
        RESOURCES_COMBED = "resources_combed", _("Resources combed")
        TOPIC_FORMED = "topic_formed", _("Topic formed")
        NEGOTIATING = "negotiating", _("Under negotiation")
        DECIDED = "decided", _("Project decided")
        AGREEMENT_SIGNED = "agreement_signed", _("Agreement signed")
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    OPEN_STATUSES = [
        Status.SOLICITED,
        Status.RESOURCES_COMBED,
        Status.TOPIC_FORMED,
        Status.NEGOTIATING,
        Status.DECIDED,
        Status.AGREEMENT_SIGNED,
        Status.IN_PROGRESS,
    ]

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="projects", verbose_name=_("community")
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SOLICITED
    )
    demands = models.ManyToManyField(
        DemandItem, blank=True, related_name="projects", verbose_name=_("demands answered")
    )
    resources = models.ManyToManyField(
        ResourceItem, blank=True, related_name="projects", verbose_name=_("resources used")
    )
    units = models.ManyToManyField(
        ResidentUnit, blank=True, related_name="projects", verbose_name=_("participating units")
    )
    meeting = models.ForeignKey(
        JointMeeting,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="projects",
        verbose_name=_("decided at meeting"),
    )

    objects = UnitParticipationQuerySet.as_manager()

    # The report's six steps, then carrying out; cancelling is possible from any open step.
    workflow = Workflow(
        actions=[
            Action(
                "comb_resources",
                [Status.SOLICITED],
                Status.RESOURCES_COMBED,
                _("Step: resources combed"),
            ),
            Action(
                "form_topic",
                [Status.RESOURCES_COMBED],
                Status.TOPIC_FORMED,
                _("Step: topic formed"),
            ),
            Action(
                "negotiate", [Status.TOPIC_FORMED], Status.NEGOTIATING, _("Step: open negotiation")
            ),
            Action("decide", [Status.NEGOTIATING], Status.DECIDED, _("Step: decide the project")),
            Action(
                "sign_agreement",
                [Status.DECIDED],
                Status.AGREEMENT_SIGNED,
                _("Step: agreement signed"),
            ),
            Action("start", [Status.AGREEMENT_SIGNED], Status.IN_PROGRESS, _("Start carrying out")),
            Action("complete", [Status.IN_PROGRESS], Status.COMPLETED, _("Mark completed")),
            Action("cancel", OPEN_STATUSES, Status.CANCELLED, _("Cancel")),
        ]
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("project")
        verbose_name_plural = _("project list")

    def __str__(self):
        return self.title


class AgreementQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(project__in=Project.objects.visible_to(user).values("pk"))


class Agreement(TimeStampedModel):
    """The co-construction agreement (共建协议) a project is signed with."""

    project = models.OneToOneField(
        Project, on_delete=models.CASCADE, related_name="agreement", verbose_name=_("project")
    )
    parties = models.TextField(_("parties"), help_text=_("Who signs, one per line."))
    signed_on = models.DateField(_("signed on"))
    file = DocumentField(
        _("agreement file"),
        upload_to="agreements/%Y/",
        blank=True,
    )

    objects = AgreementQuerySet.as_manager()

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")

    def __str__(self):
        return f"{self.project} · {self.signed_on}"


class ResponsibilityQuerySet(ScopedQuerySet):
    def role_condition(self, user, scope):
        if Role.UNIT_REP not in scope.roles:
            return NOTHING
        return Q(unit_id__in=units_represented_by(user))

    def overdue(self, today=None):
        today = today or timezone.localdate()
        return self.filter(deadline__lt=today).exclude(status=Responsibility.Status.DONE)


class Responsibility(TimeStampedModel):
    """An item of the responsibility list (责任清单): which unit does what by when."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")

    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        related_name="responsibilities",
        verbose_name=_("community"),
    )
    project = models.ForeignKey(
        Project,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="responsibilities",
        verbose_name=_("project"),
    )
    unit = models.ForeignKey(
        ResidentUnit,
        on_delete=models.PROTECT,
        related_name="responsibilities",
        verbose_name=_("unit"),
    )
    task = models.CharField(_("task"), max_length=300)
    deadline = models.DateField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    progress_note = models.TextField(_("progress note"), blank=True)

    objects = ResponsibilityQuerySet.as_manager()

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = _("responsibility")
        verbose_name_plural = _("responsibility list")

    def __str__(self):
        return self.task

    def clean(self):
        if self.unit_id and self.community_id and self.unit.community_id != self.community_id:
            raise ValidationError({"unit": _("The unit belongs to another community.")})
        if self.project_id and self.community_id and self.project.community_id != self.community_id:
            raise ValidationError({"project": _("The project belongs to another community.")})

    @property
    def is_overdue(self) -> bool:
        return self.status != self.Status.DONE and self.deadline < timezone.localdate()


class CommunityMembersQuerySet(ScopedQuerySet):
    """Rows every person acting in the community may read (campaigns are public there)."""

    def role_condition(self, user, scope):
        return Q(community_id__in=scope.member_community_ids)


class Campaign(TimeStampedModel):
    """An advanced-selection campaign (评先选优) with nomination and voting windows."""

    class Kind(models.TextChoices):
        CIVILISED_UNIT = "civilised_unit", _("Civilised unit")
        BEAUTIFUL_FAMILY = "beautiful_family", _("Most beautiful family")
        THREE_GOOD = "three_good", _("“Three good” representative")
        OTHER = "other", _("Other")

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("community")
    )
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    other_kind = models.CharField(
        _("other kind"), max_length=60, blank=True, help_text=_("Name the kind when it is other.")
    )
    seats = models.PositiveSmallIntegerField(
        _("seats"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("How many will be selected; each voter has one vote per seat."),
    )
    nomination_start = models.DateTimeField(_("nominations open"))
    nomination_end = models.DateTimeField(_("nominations close"))
    voting_start = models.DateTimeField(_("voting opens"))
    voting_end = models.DateTimeField(_("voting closes"))

    objects = CommunityMembersQuerySet.as_manager()

    class Meta:
        ordering = ["-voting_end"]
        verbose_name = _("selection campaign")
        verbose_name_plural = _("selection campaigns")
        constraints = [
            models.CheckConstraint(
                condition=Q(nomination_end__gt=F("nomination_start"))
                & Q(voting_start__gte=F("nomination_end"))
                & Q(voting_end__gt=F("voting_start")),
                name="campaign_windows_in_order",
            ),
            models.CheckConstraint(condition=Q(seats__gte=1), name="campaign_has_a_seat"),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        errors = {}
        if (
            self.nomination_start
            and self.nomination_end
            and (self.nomination_end <= self.nomination_start)
        ):
            errors["nomination_end"] = _("Nominations must close after they open.")
        if self.voting_start and self.nomination_end and self.voting_start < self.nomination_end:
            errors["voting_start"] = _("Voting opens after nominations close.")
        if self.voting_end and self.voting_start and self.voting_end <= self.voting_start:
            errors["voting_end"] = _("Voting must close after it opens.")
        if self.kind == self.Kind.OTHER and not self.other_kind:
            errors["other_kind"] = _("Name the kind of selection.")
        if errors:
            raise ValidationError(errors)

    def nominations_open(self, at=None) -> bool:
        at = at or timezone.now()
        return self.nomination_start <= at < self.nomination_end

    def voting_open(self, at=None) -> bool:
        at = at or timezone.now()
        return self.voting_start <= at < self.voting_end


class CampaignScopedQuerySet(ScopedQuerySet):
    """Nominations: everyone who acts in the community sees them (they vote on them)."""

    community_path = "campaign__community"

    def role_condition(self, user, scope):
        return Q(campaign__community_id__in=scope.member_community_ids)


class VoteQuerySet(ScopedQuerySet):
    """Votes: staff see their community's; a voter sees only their own."""

    community_path = "campaign__community"

    def role_condition(self, user, scope):
        return Q(voter_id=user.pk)


class Nomination(TimeStampedModel):
    class NomineeKind(models.TextChoices):
        UNIT = "unit", _("Resident unit")
        FAMILY = "family", _("Family")
        PERSON = "person", _("Person")

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="nominations", verbose_name=_("campaign")
    )
    nominee_kind = models.CharField(_("nominee kind"), max_length=10, choices=NomineeKind.choices)
    unit = models.ForeignKey(
        ResidentUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="nominations",
        verbose_name=_("unit"),
    )
    nominee_name = models.CharField(_("nominee"), max_length=120)
    reason = models.TextField(_("reason"), blank=True)
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("nominated by"),
    )

    objects = CampaignScopedQuerySet.as_manager()

    class Meta:
        ordering = ["campaign", "nominee_name"]
        verbose_name = _("nomination")
        verbose_name_plural = _("nominations")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "nominee_name"], name="nominee_once_per_campaign"
            ),
            models.CheckConstraint(
                condition=~Q(nominee_kind="unit") | Q(unit__isnull=False),
                name="unit_nomination_names_the_unit",
            ),
        ]

    def __str__(self):
        return self.nominee_name

    def clean(self):
        if self.nominee_kind == self.NomineeKind.UNIT and not self.unit_id:
            raise ValidationError({"unit": _("Name the unit nominated.")})


class Vote(models.Model):
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="votes", verbose_name=_("campaign")
    )
    nomination = models.ForeignKey(
        Nomination, on_delete=models.CASCADE, related_name="votes", verbose_name=_("nomination")
    )
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("voter"),
    )
    created_at = models.DateTimeField(_("voted at"), auto_now_add=True)

    objects = VoteQuerySet.as_manager()

    class Meta:
        ordering = ["campaign", "created_at"]
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [
            # A voter backs a nominee once; the per-seat limit is checked under a lock.
            models.UniqueConstraint(fields=["nomination", "voter"], name="one_vote_per_nominee"),
        ]

    def __str__(self):
        return f"{self.voter} → {self.nomination}"


# The three-double evaluations live in their own module; importing them here registers
# them with the app (app label "partycommittee").
from partycommittee.evaluations.models import (  # noqa: E402, F401
    CommunityResult,
    DutyReport,
    EvaluationPolicy,
    EvaluationRound,
    EvaluationSheet,
    UnitResult,
)
