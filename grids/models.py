"""Grid governance (蜂格): grids, the four clears, visits, six-small incidents, sweeps."""

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grids import escalation
from grids.validators import validate_geojson_polygon, validate_id_number
from hive.access.roles import Role
from hive.access.scoping import NOTHING, ScopedQuerySet
from hive.models import Community, TimeStampedModel
from hive.personal_data import mask_phone
from hive.uploads import PhotoField
from hive.validators import mobile_phone_validator
from hive.workflow import Action, Workflow, by_staff
from partycommittee.models import units_represented_by


def member_grid_ids(user, scope):
    """The grids a grid member works in (as the exclusive member or a deputy), as a subquery."""
    community_ids = scope.community_ids_for(Role.GRID_MEMBER)
    if not community_ids:
        return None
    return (
        Grid.objects.filter(community_id__in=community_ids)
        .filter(Q(member_id=user.pk) | Q(deputies__id=user.pk))
        .values("pk")
    )


class GridScopedQuerySet(ScopedQuerySet):
    """Rows of one grid: a grid member sees the rows of the grids they work in."""

    grid_path = "grid"

    def role_condition(self, user, scope):
        grid_ids = member_grid_ids(user, scope)
        if grid_ids is None:
            return NOTHING
        return Q(**{f"{self.grid_path}__in": grid_ids})


class GridQuerySet(GridScopedQuerySet):
    grid_path = "pk"


class Grid(TimeStampedModel):
    """A grid (网格): a small area of a community with its exclusive grid member."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="grids", verbose_name=_("community")
    )
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=100)
    boundary = models.JSONField(
        _("boundary"),
        null=True,
        blank=True,
        validators=[validate_geojson_polygon],
        help_text=_("Optional GeoJSON Polygon or MultiPolygon, longitude before latitude."),
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="grids_as_member",
        verbose_name=_("exclusive grid member"),
        help_text=_("A party member holding the grid-member role in this community."),
    )
    deputies = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="grids_as_deputy",
        verbose_name=_("deputies"),
    )

    objects = GridQuerySet.as_manager()

    class Meta:
        ordering = ["community", "code"]
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        constraints = [
            models.UniqueConstraint(fields=["community", "code"], name="grid_code_per_community")
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("grids:grid_detail", args=[self.pk])


class Building(TimeStampedModel):
    """A building (楼栋) of a grid."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    grid = models.ForeignKey(
        Grid, on_delete=models.PROTECT, related_name="buildings", verbose_name=_("grid")
    )
    name = models.CharField(_("name"), max_length=60, help_text=_("For example “3号楼”."))
    address = models.CharField(_("address"), max_length=200, blank=True)
    floors = models.PositiveSmallIntegerField(_("floors"), null=True, blank=True)

    objects = GridScopedQuerySet.as_manager()

    class Meta:
        ordering = ["grid", "name"]
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        constraints = [
            models.UniqueConstraint(fields=["grid", "name"], name="building_name_per_grid")
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.grid_id and self.community_id and self.grid.community_id != self.community_id:
            raise ValidationError({"grid": _("The grid belongs to another community.")})


class Household(TimeStampedModel):
    """A household (户) living in a grid, in a building or at an address."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    grid = models.ForeignKey(
        Grid, on_delete=models.PROTECT, related_name="households", verbose_name=_("grid")
    )
    building = models.ForeignKey(
        Building,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="households",
        verbose_name=_("building"),
    )
    number = models.CharField(
        _("household number"), max_length=30, help_text=_("Unique in the community.")
    )
    room = models.CharField(_("room"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    head_name = models.CharField(_("head of household"), max_length=60)
    phone = models.CharField(
        _("contact phone"), max_length=11, blank=True, validators=[mobile_phone_validator]
    )
    phone_mask = models.CharField(_("masked phone"), max_length=11, blank=True, editable=False)
    is_rental = models.BooleanField(_("rented"), default=False)
    notes = models.TextField(_("notes"), blank=True)

    objects = GridScopedQuerySet.as_manager()

    class Meta:
        ordering = ["grid", "number"]
        verbose_name = _("household")
        verbose_name_plural = _("households")
        constraints = [
            models.UniqueConstraint(
                fields=["community", "number"], name="household_number_per_community"
            )
        ]
        indexes = [
            # varchar_pattern_ops: a LIKE 'prefix%' search uses the index whatever the
            # database collation (PostgreSQL; other databases ignore the operator class).
            models.Index(
                fields=["head_name"],
                name="household_head_name",
                opclasses=["varchar_pattern_ops"],
            ),
            models.Index(fields=["phone_mask"], name="household_phone_mask"),
        ]

    def __str__(self):
        return f"{self.number} {self.head_name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.phone_mask = mask_phone(self.phone)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "phone" in update_fields:
            kwargs["update_fields"] = {*update_fields, "phone_mask"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("grids:household_detail", args=[self.pk])

    def clean(self):
        if self.grid_id and self.community_id and self.grid.community_id != self.community_id:
            raise ValidationError({"grid": _("The grid belongs to another community.")})
        if self.building_id and self.grid_id and self.building.grid_id != self.grid_id:
            raise ValidationError({"building": _("The building is in another grid.")})


class KeyPersonTagQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        # The built-in tags (no community) are shared by every community.
        return super().visible_to(user) | self.filter(community__isnull=True)

    def role_condition(self, user, scope):
        return Q(community_id__in=scope.member_community_ids)


class KeyPersonTag(TimeStampedModel):
    """A key-person tag (重点人群): the built-in ones, or one staff defined for their community."""

    community = models.ForeignKey(
        Community,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("community"),
        help_text=_("Empty for the built-in tags every community uses."),
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=60)

    objects = KeyPersonTagQuerySet.as_manager()

    class Meta:
        ordering = ["community", "name"]
        verbose_name = _("key-person tag")
        verbose_name_plural = _("key-person tags")
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=Q(community__isnull=True), name="tag_code_builtin"
            ),
            models.UniqueConstraint(
                fields=["community", "code"],
                condition=Q(community__isnull=False),
                name="tag_code_per_community",
            ),
        ]

    def __str__(self):
        return self.name


class ResidentQuerySet(GridScopedQuerySet):
    grid_path = "household__grid"


class Resident(TimeStampedModel):
    """A resident (居民) of a household. ID number and phone are shown masked."""

    class Gender(models.TextChoices):
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")

    class Relation(models.TextChoices):
        HEAD = "head", _("Head of household")
        SPOUSE = "spouse", _("Spouse")
        CHILD = "child", _("Child")
        PARENT = "parent", _("Parent")
        GRANDCHILD = "grandchild", _("Grandchild")
        SIBLING = "sibling", _("Sibling")
        TENANT = "tenant", _("Tenant")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        LIVING = "living", _("Living here")
        MOVED_OUT = "moved_out", _("Moved out")
        DECEASED = "deceased", _("Deceased")

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="residents", verbose_name=_("household")
    )
    name = models.CharField(_("name"), max_length=60)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    id_number = models.CharField(
        _("ID number"), max_length=18, blank=True, validators=[validate_id_number]
    )
    phone = models.CharField(
        _("phone"), max_length=11, blank=True, validators=[mobile_phone_validator]
    )
    phone_mask = models.CharField(_("masked phone"), max_length=11, blank=True, editable=False)
    relation = models.CharField(
        _("relation to head of household"),
        max_length=20,
        choices=Relation.choices,
        default=Relation.OTHER,
    )
    moved_in_on = models.DateField(_("moved in on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.LIVING
    )
    tags: "models.ManyToManyField[KeyPersonTag, ResidentTag]" = models.ManyToManyField(
        KeyPersonTag,
        blank=True,
        related_name="residents",
        verbose_name=_("key-person tags"),
        through="ResidentTag",
    )

    objects = ResidentQuerySet.as_manager()

    class Meta:
        ordering = ["household", "id"]
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        constraints = [
            models.UniqueConstraint(
                fields=["community", "id_number"],
                condition=~Q(id_number=""),
                name="resident_id_number_per_community",
            )
        ]
        indexes = [
            models.Index(fields=["name"], name="resident_name", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["phone_mask"], name="resident_phone_mask"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.id_number = (self.id_number or "").strip().upper()
        self.phone_mask = mask_phone(self.phone)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "phone" in update_fields:
            kwargs["update_fields"] = {*update_fields, "phone_mask"}
        super().save(*args, **kwargs)

    def clean(self):
        if self.id_number and self.birth_date:
            number = self.id_number.strip().upper()
            if number[6:14] != self.birth_date.strftime("%Y%m%d"):
                raise ValidationError(
                    {"birth_date": _("The birth date does not match the ID number.")}
                )
        if (
            self.household_id
            and self.community_id
            and self.household.community_id != self.community_id
        ):
            raise ValidationError({"household": _("The household is in another community.")})


class ResidentTag(models.Model):
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, verbose_name=_("resident"))
    tag = models.ForeignKey(KeyPersonTag, on_delete=models.PROTECT, verbose_name=_("tag"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("key-person tag of a resident")
        verbose_name_plural = _("key-person tags of residents")
        constraints = [
            models.UniqueConstraint(fields=["resident", "tag"], name="resident_tag_once")
        ]

    def __str__(self):
        return f"{self.resident} · {self.tag}"


class KeyPlace(TimeStampedModel):
    """A key place (重点场所) of a grid: rental, shop, construction site or other."""

    class Kind(models.TextChoices):
        RENTAL = "rental", _("Rental housing")
        SHOP = "shop", _("Shop")
        CONSTRUCTION = "construction", _("Construction site")
        OTHER = "other", _("Other")

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    grid = models.ForeignKey(
        Grid, on_delete=models.PROTECT, related_name="key_places", verbose_name=_("grid")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=60, blank=True)
    contact_phone = models.CharField(
        _("contact phone"), max_length=11, blank=True, validators=[mobile_phone_validator]
    )
    notes = models.TextField(_("notes"), blank=True)

    objects = GridScopedQuerySet.as_manager()

    class Meta:
        ordering = ["grid", "kind", "name"]
        verbose_name = _("key place")
        verbose_name_plural = _("key places")

    def __str__(self):
        return self.name


class GridTaskQuerySet(GridScopedQuerySet):
    def role_condition(self, user, scope):
        condition = super().role_condition(user, scope)
        if scope.member_community_ids:
            condition |= Q(responsible_id=user.pk, community_id__in=scope.member_community_ids)
        return condition


class GridTask(TimeStampedModel):
    """A task responsibility (任务清) of a grid: who does what by when."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    grid = models.ForeignKey(
        Grid, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("grid")
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="grid_tasks",
        verbose_name=_("responsible person"),
    )
    deadline = models.DateField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_note = models.TextField(_("what was done"), blank=True)

    objects = GridTaskQuerySet.as_manager()

    class Meta:
        ordering = ["status", "deadline", "id"]
        verbose_name = _("grid task")
        verbose_name_plural = _("grid tasks")

    def __str__(self):
        return self.title

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.OPEN and self.deadline < timezone.localdate()


class ChangeLogEntryQuerySet(GridScopedQuerySet):
    pass


class ChangeLogEntry(models.Model):
    """A dynamic change (动态清): written by the services when households, residents or tags
    change; never edited."""

    class Kind(models.TextChoices):
        MOVE_IN = "move_in", _("Moved in")
        MOVE_OUT = "move_out", _("Moved out")
        BIRTH = "birth", _("Birth")
        DEATH = "death", _("Death")
        TAG_ADDED = "tag_added", _("Tag added")
        TAG_REMOVED = "tag_removed", _("Tag removed")

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    grid = models.ForeignKey(
        Grid, on_delete=models.PROTECT, related_name="changes", verbose_name=_("grid")
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="changes", verbose_name=_("household")
    )
    resident = models.ForeignKey(
        Resident,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="changes",
        verbose_name=_("resident"),
    )
    kind = models.CharField(_("change"), max_length=20, choices=Kind.choices)
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    occurred_on = models.DateField(_("date of the change"), default=datetime.date.today)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True, db_index=True)

    objects = ChangeLogEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("dynamic change")
        verbose_name_plural = _("dynamic changes")

    def __str__(self):
        return f"{self.get_kind_display()} · {self.resident or self.household}"


class FiveRole(models.TextChoices):
    """The five roles (五员) a grid member plays."""

    PUBLICIST = "publicist", _("Publicist")
    INFORMATION_OFFICER = "information_officer", _("Information officer")
    COORDINATOR = "coordinator", _("Coordinator")
    AGENT = "agent", _("Agent (errands for residents)")
    MEDIATOR = "mediator", _("Mediator")


class Visit(TimeStampedModel):
    """A grid member's visit to a household or a key person, tagged with one of the five roles."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    grid = models.ForeignKey(
        Grid, on_delete=models.PROTECT, related_name="visits", verbose_name=_("grid")
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="visits", verbose_name=_("household")
    )
    resident = models.ForeignKey(
        Resident,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name=_("key person"),
    )
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="grid_visits",
        verbose_name=_("visitor"),
    )
    role = models.CharField(_("role played"), max_length=30, choices=FiveRole.choices)
    visited_at = models.DateTimeField(_("visited at"), default=timezone.now)
    notes = models.TextField(_("notes"))

    objects = GridScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-visited_at", "-id"]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")

    def __str__(self):
        return f"{self.household} · {self.get_role_display()}"


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
            models.CheckConstraint(condition=Q(hours__gte=1), name="time_limit_positive"),
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


class Incident(TimeStampedModel):
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
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    description = models.TextField(_("description"))
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="reported_incidents",
        verbose_name=_("reported by"),
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
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | Q(rejected_by__isnull=False),
                name="incident_rejection_names_who",
            ),
            models.CheckConstraint(
                condition=Q(assignee__isnull=True) | Q(assigned_unit__isnull=True),
                name="incident_one_assignee",
            ),
        ]
        indexes = [
            # The list filtered by grid, status and category, newest first.
            models.Index(fields=["grid", "status", "category", "-id"], name="incident_list"),
            models.Index(fields=["community", "status", "-id"], name="incident_community"),
            models.Index(fields=["status", "deadline"], name="incident_deadline"),
            models.Index(fields=["assignee", "status"], name="incident_assignee"),
            models.Index(fields=["assigned_unit", "status"], name="incident_assigned_unit"),
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

    def clean(self):
        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError({"longitude": _("Give both latitude and longitude, or neither.")})

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


class SweepQuerySet(ScopedQuerySet):
    def role_condition(self, user, scope):
        grid_ids = member_grid_ids(user, scope)
        condition = NOTHING
        if scope.member_community_ids:
            condition |= Q(community_id__in=scope.member_community_ids, inspectors__id=user.pk)
        if grid_ids is not None:
            condition |= Q(grid__in=grid_ids)
        return condition

    def visible_to(self, user):
        # The inspectors join can repeat a row; keep each sweep once.
        return super().visible_to(user).distinct()


class Sweep(TimeStampedModel):
    """A scheduled inspection (排查) of key areas or key industries by grid members."""

    class Scope(models.TextChoices):
        KEY_AREA = "key_area", _("Key area")
        KEY_INDUSTRY = "key_industry", _("Key industry")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        DONE = "done", _("Done")

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    grid = models.ForeignKey(
        Grid,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sweeps",
        verbose_name=_("grid"),
        help_text=_("Empty for a sweep across the whole community."),
    )
    title = models.CharField(_("title"), max_length=200)
    scope = models.CharField(_("sweep of"), max_length=20, choices=Scope.choices)
    place_kind = models.CharField(
        _("kind of place"),
        max_length=20,
        choices=KeyPlace.Kind.choices,
        blank=True,
        help_text=_("For a key-industry sweep: which kind of place is inspected."),
    )
    scheduled_on = models.DateField(_("scheduled on"))
    checklist = models.TextField(
        _("checklist"), help_text=_("One item per line; each place is checked against it.")
    )
    inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="sweeps", verbose_name=_("inspectors")
    )
    places = models.ManyToManyField(
        KeyPlace, blank=True, related_name="sweeps", verbose_name=_("places")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )

    objects = SweepQuerySet.as_manager()

    class Meta:
        ordering = ["-scheduled_on", "-id"]
        verbose_name = _("sweep")
        verbose_name_plural = _("sweeps")

    def __str__(self):
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("grids:sweep_detail", args=[self.pk])

    @property
    def checklist_items(self) -> list[str]:
        return [line.strip() for line in self.checklist.splitlines() if line.strip()]


class SweepCheck(TimeStampedModel):
    """The result of a sweep at one place: each checklist item passed or not, and any
    finding, which becomes an incident."""

    class Result(models.TextChoices):
        PASSED = "passed", _("Passed")
        FINDING = "finding", _("Finding")
        NOT_REACHED = "not_reached", _("Not reached")

    sweep = models.ForeignKey(
        Sweep, on_delete=models.CASCADE, related_name="checks", verbose_name=_("sweep")
    )
    place = models.ForeignKey(
        KeyPlace, on_delete=models.PROTECT, related_name="checks", verbose_name=_("place")
    )
    result = models.CharField(_("result"), max_length=20, choices=Result.choices)
    items = models.JSONField(
        _("checklist result"),
        default=dict,
        blank=True,
        help_text=_("Each checklist item and whether it passed."),
    )
    notes = models.TextField(_("notes"), blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("checked by"),
    )
    incident = models.OneToOneField(
        Incident,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sweep_check",
        verbose_name=_("incident"),
    )

    class Meta:
        ordering = ["sweep", "place"]
        verbose_name = _("sweep check")
        verbose_name_plural = _("sweep checks")
        constraints = [
            models.UniqueConstraint(fields=["sweep", "place"], name="sweep_check_once_per_place"),
            models.CheckConstraint(
                condition=~Q(result="finding") | Q(incident__isnull=False),
                name="sweep_finding_has_incident",
            ),
        ]

    def __str__(self):
        return f"{self.sweep} · {self.place}"
