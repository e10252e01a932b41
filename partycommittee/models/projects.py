"""The three lists: demands, resources and projects (with their agreements), and the units'
responsibilities."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hive.access.roles import Role
from hive.access.scoping import NOTHING, ScopedQuerySet
from hive.models import Community, TimeStampedModel
from hive.personal_data import contains_personal_number
from hive.uploads import DocumentField
from hive.workflow import Action, Workflow
from partycommittee.models.meetings import JointMeeting
from partycommittee.models.units import (
    ResidentUnit,
    UnitParticipationQuerySet,
    units_represented_by,
)


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
    # Decidim's accountability: residents follow a project once staff publish it.
    is_public = models.BooleanField(
        _("shown to residents"),
        default=False,
        help_text=_(
            "List the project on the community's public progress page: its step, the units "
            "taking part and the results below."
        ),
    )
    public_results = models.TextField(
        _("results for residents"),
        blank=True,
        help_text=_("What the project has achieved so far, in words residents read."),
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

    PUBLIC_TEXT_FIELDS = ("title", "description", "public_results")

    def clean(self):
        # What the public page shows carries no phone or ID number (the core's reader).
        if self.is_public:
            errors = {
                name: _("Shown to residents: leave phone and ID numbers out of this text.")
                for name in self.PUBLIC_TEXT_FIELDS
                if contains_personal_number(getattr(self, name))
            }
            if errors:
                raise ValidationError(errors)


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
