"""Six-small incidents (六小): categories, time limits, reply templates, the incident and
its workflow, photos, replies and overdue flags."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grids import escalation
from grids.models.places import Grid, GridScopedQuerySet
from hive.access.roles import Role
from hive.access.scoping import ScopedQuerySet
from hive.models import Community, Located, TimeStampedModel
from hive.uploads import PhotoField
from hive.workflow import Action, Workflow, by_staff
from partycommittee.models import units_represented_by


class Category(models.TextChoices):
    """The six small (六小)."""

    DISPUTE = "dispute", _("Small dispute")
    HIDDEN_DANGER = "hidden_danger", _("Small hidden danger")
    SIGN = "sign", _("Small sign of trouble")
    LOOPHOLE = "loophole", _("Small loophole")
    DEMAND = "demand", _("Small demand")
    EVENT = "event", _("Small event")


# Hours to handle an incident when staff have not configured a limit for the category.
DEFAULT_TIME_LIMIT_HOURS = 72


class IncidentTimeLimit(TimeStampedModel):
    """How long a community gives itself to handle an incident of one category."""

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="+", verbose_name=_("community")
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    hours = models.PositiveIntegerField(
        _("time limit (hours)"), validators=[MinValueValidator(1), MaxValueValidator(24 * 365)]
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["community", "category"]
        verbose_name = _("incident time limit")
        verbose_name_plural = _("incident time limits")
        constraints = [
            models.UniqueConstraint(
                fields=["community", "category"], name="time_limit_per_category"
            ),
            models.CheckConstraint(
                condition=Q(hours__gte=1),
                name="time_limit_positive",
                violation_error_message=_("The time limit is at least 1 hour."),
            ),
        ]

    def __str__(self):
        return f"{self.get_category_display()}: {self.hours}"


class ReplyTemplate(TimeStampedModel):
    """A saved answer staff reuse when they reply to incident reports."""

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="+", verbose_name=_("community")
    )
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("text"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["community", "title"]
        verbose_name = _("reply template")
        verbose_name_plural = _("reply templates")

    def __str__(self):
        return self.title


class IncidentQuerySet(GridScopedQuerySet):
    def role_condition(self, user, scope):
        condition = super().role_condition(user, scope)
        # Staff see every incident of their communities already: the conditions below
        # only matter elsewhere (and left out, the busy API list stays one simple filter).
        member_communities = scope.member_community_ids - scope.staff_community_ids
        if member_communities:
            # Whoever reported an incident or was assigned one follows it.
            condition |= Q(community_id__in=member_communities) & (
                Q(reporter_id=user.pk) | Q(assignee_id=user.pk)
            )
        unit_communities = scope.community_ids_for(Role.UNIT_REP) - scope.staff_community_ids
        if unit_communities:
            # A resident unit's representatives follow what is assigned to their unit.
            condition |= Q(community_id__in=unit_communities) & Q(
                assigned_unit__in=units_represented_by(user)
            )
        return condition

    def open(self):
        return self.filter(status__in=Incident.OPEN_STATES)

    def overdue(self, now=None):
        return self.open().filter(deadline__lt=now or timezone.now())


def works_on_incident(user, incident) -> bool:
    """The assigned person, or a representative of the assigned resident unit."""
    if not getattr(user, "is_authenticated", False):
        return False
    if incident.assignee_id is not None:
        return incident.assignee_id == user.pk
    if incident.assigned_unit_id is not None:
        return units_represented_by(user).filter(residentunit_id=incident.assigned_unit_id).exists()
    return False


def _worker(incident, user) -> bool:
    """The assignee works on their own incident; staff may step in."""
    return works_on_incident(user, incident) or by_staff(incident, user)


def _escalation_offered(incident, user) -> bool:
    return (
        incident.category == "dispute"
        and escalation.mediation_available()
        and by_staff(incident, user)
    )


def _nobody(incident, user) -> bool:
    """A step the system takes (the mediation room's outcome), never a button."""
    return False


class Incident(Located, TimeStampedModel):
    """A six-small incident report (六小) and its handling."""

    class Status(models.TextChoices):
        REPORTED = "reported", _("Reported")
        ACCEPTED = "accepted", _("Accepted")
        ASSIGNED = "assigned", _("Assigned")
        IN_PROGRESS = "in_progress", _("In progress")
        RESOLVED = "resolved", _("Resolved")
        VERIFIED = "verified", _("Verified")
        CLOSED = "closed", _("Closed")
        CLOSED_NOT_FIXED = "closed_not_fixed", _("Closed, not fixed")
        REJECTED = "rejected", _("Rejected")
        DUPLICATE = "duplicate", _("Duplicate")
        ESCALATED = "escalated", _("Escalated to the mediation room")

    class Priority(models.TextChoices):
        LOW = "low", _("Low")
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")
        URGENT = "urgent", _("Urgent")

    OPEN_STATES = (
        Status.REPORTED,
        Status.ACCEPTED,
        Status.ASSIGNED,
        Status.IN_PROGRESS,
        Status.RESOLVED,
        Status.VERIFIED,
    )
    # Where one step accepts (if need be) and assigns: the dispatch panel's states.
    DISPATCH_STATES = (Status.REPORTED, Status.ACCEPTED, Status.ASSIGNED)
    # Someone has the work in hand: what counts towards a person's load.
    WORKING_STATES = (Status.ASSIGNED, Status.IN_PROGRESS)
    # Reopening puts a finished report back in staff's hands, assigned again from there.
    # The mediation room's outcome comes back by itself: a closed case resolves the
    # incident (staff then verify and close it), a withdrawn case closes it unfixed.
    workflow = Workflow(
        actions=[
            Action("accept", [Status.REPORTED], Status.ACCEPTED, _("Accept"), by=by_staff),
            Action(
                "assign",
                [Status.ACCEPTED, Status.ASSIGNED],
                Status.ASSIGNED,
                _("Assign"),
                by=by_staff,
            ),
            Action("start", [Status.ASSIGNED], Status.IN_PROGRESS, _("Start work"), by=_worker),
            Action(
                "resolve", [Status.IN_PROGRESS], Status.RESOLVED, _("Mark resolved"), by=_worker
            ),
            Action("verify", [Status.RESOLVED], Status.VERIFIED, _("Verify"), by=by_staff),
            Action("send_back", [Status.RESOLVED], Status.IN_PROGRESS, _("Send back"), by=by_staff),
            Action("close", [Status.VERIFIED], Status.CLOSED, _("Close"), by=by_staff),
            Action(
                "close_not_fixed",
                [Status.IN_PROGRESS],
                Status.CLOSED_NOT_FIXED,
                _("Close, not fixed"),
                by=by_staff,
            ),
            Action(
                "reject",
                [Status.REPORTED, Status.ACCEPTED, Status.ASSIGNED],
                Status.REJECTED,
                _("Reject"),
                by=by_staff,
            ),
            Action(
                "reopen",
                [Status.CLOSED, Status.CLOSED_NOT_FIXED, Status.REJECTED],
                Status.ACCEPTED,
                _("Reopen"),
                by=by_staff,
            ),
            Action(
                "mark_duplicate",
                [Status.REPORTED, Status.ACCEPTED],
                Status.DUPLICATE,
                _("Mark as duplicate"),
                by=by_staff,
            ),
            Action(
                "escalate",
                [Status.REPORTED, Status.ACCEPTED, Status.ASSIGNED, Status.IN_PROGRESS],
                Status.ESCALATED,
                _("Escalate to the mediation room"),
                by=_escalation_offered,
            ),
            Action(
                "mediation_closed",
                [Status.ESCALATED],
                Status.RESOLVED,
                _("Mark resolved"),
                by=_nobody,
            ),
            Action(
                "mediation_withdrawn",
                [Status.ESCALATED],
                Status.CLOSED_NOT_FIXED,
                _("Close, not fixed"),
                by=_nobody,
            ),
        ]
    )

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    grid = models.ForeignKey(
        Grid, on_delete=models.PROTECT, related_name="incidents", verbose_name=_("grid")
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.REPORTED
    )
    location = models.CharField(_("location"), max_length=200)
    placement_note = models.CharField(
        _("placement"),
        max_length=200,
        blank=True,
        help_text=_("Why the report waits in the community's queue of unplaced reports."),
    )
    description = models.TextField(_("description"))
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="reported_incidents",
        verbose_name=_("reported by"),
        # Empty for a resident's own report (随手拍): grids.ResidentReport holds who.
        null=True,
        blank=True,
    )
    on_behalf_of = models.CharField(
        _("on behalf of resident"),
        max_length=60,
        blank=True,
        help_text=_("When staff report for a resident who came in or called."),
    )
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_incidents",
        verbose_name=_("assigned to"),
    )
    assigned_unit = models.ForeignKey(
        "partycommittee.ResidentUnit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_incidents",
        verbose_name=_("assigned to unit"),
        help_text=_("A resident unit (驻区单位) that takes the work on; its representatives act."),
    )
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rejected by"),
    )
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("duplicate of"),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("six-small incident")
        verbose_name_plural = _("six-small incidents")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="duplicate") | Q(duplicate_of__isnull=False),
                name="incident_duplicate_names_original",
                violation_error_message=_("A duplicate report names the report it repeats."),
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | Q(rejected_by__isnull=False),
                name="incident_rejection_names_who",
                violation_error_message=_("A report not taken on names who decided so."),
            ),
            models.CheckConstraint(
                condition=Q(assignee__isnull=True) | Q(assigned_unit__isnull=True),
                name="incident_one_assignee",
                violation_error_message=_("Assign to a person or to a unit, not both."),
            ),
        ]
        indexes = [
            # The list filtered by grid, status and category, newest first.
            models.Index(fields=["grid", "status", "category", "-id"], name="incident_list"),
            models.Index(fields=["community", "status", "-id"], name="incident_community"),
            models.Index(fields=["status", "deadline"], name="incident_deadline"),
            models.Index(fields=["assignee", "status"], name="incident_assignee"),
            models.Index(fields=["assigned_unit", "status"], name="incident_assigned_unit"),
            # The map's viewport of individual incidents (grids.map): a latitude range.
            models.Index(fields=["latitude", "longitude"], name="incident_point"),
            # The dashboard's GROUP BYs over a community's period: an index-only scan
            # carrying every column they read (all as keys: SQLite has no INCLUDE).
            models.Index(
                fields=[
                    "community",
                    "created_at",
                    "grid",
                    "category",
                    "status",
                    "deadline",
                    "closed_at",
                ],
                name="incident_dashboard",
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.get_category_display()} · {self.location}"

    def get_absolute_url(self) -> str:
        return reverse("grids:incident_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATES

    @property
    def is_overdue(self) -> bool:
        return bool(self.is_open and self.deadline and self.deadline < timezone.now())


def incident_photo_path(instance, filename):
    return f"incidents/{instance.incident_id}/{filename}"


class IncidentPhotoQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Photos follow their report; a duplicate's also show on the original's page."""
        incidents = Incident.objects.visible_to(user).values("pk")
        return self.filter(Q(incident__in=incidents) | Q(incident__duplicate_of__in=incidents))


class IncidentPhoto(models.Model):
    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="photos", verbose_name=_("incident")
    )
    image = PhotoField(_("photo"), upload_to=incident_photo_path)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    objects = IncidentPhotoQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("incident photo")
        verbose_name_plural = _("incident photos")

    def __str__(self):
        return self.image.name


class IncidentReply(models.Model):
    """An answer to the reporter (or the resident behind the report)."""

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="replies", verbose_name=_("incident")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    body = models.TextField(_("text"))
    template = models.ForeignKey(
        ReplyTemplate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reply template"),
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("reply")
        verbose_name_plural = _("replies")

    def __str__(self):
        return self.body[:50]


class IncidentOverdueFlag(models.Model):
    """One breach of an incident's deadline: the unique constraint makes the overdue task
    notify once per incident per deadline, however often it runs."""

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="overdue_flags", verbose_name=_("incident")
    )
    deadline = models.DateTimeField(_("deadline"))
    flagged_at = models.DateTimeField(_("flagged at"), auto_now_add=True)

    class Meta:
        ordering = ["-flagged_at"]
        verbose_name = _("overdue flag")
        verbose_name_plural = _("overdue flags")
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "deadline"], name="overdue_once_per_deadline"
            )
        ]

    def __str__(self):
        return f"#{self.incident_id} @ {self.deadline}"
