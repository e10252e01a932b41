"""Sweeps: a round of checks over a grid's key places."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from grids.models.incidents import Incident
from grids.models.places import Grid, KeyPlace, member_grid_ids
from hive.access.scoping import NOTHING, ScopedQuerySet
from hive.models import Community, TimeStampedModel


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
                violation_error_message=_("A finding of a sweep becomes an incident."),
            ),
        ]

    def __str__(self):
        return f"{self.sweep} · {self.place}"
