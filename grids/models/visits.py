"""The grid's work: tasks for its people and their visits to households."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grids.models.places import Grid, GridScopedQuerySet, Household, Resident
from hive.models import Community, Located, TimeStampedModel


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


class FiveRole(models.TextChoices):
    """The five roles (五员) a grid member plays."""

    PUBLICIST = "publicist", _("Publicist")
    INFORMATION_OFFICER = "information_officer", _("Information officer")
    COORDINATOR = "coordinator", _("Coordinator")
    AGENT = "agent", _("Agent (errands for residents)")
    MEDIATOR = "mediator", _("Mediator")


class Visit(Located, TimeStampedModel):
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
