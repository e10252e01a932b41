"""A resident's own report of a six-small incident (随手拍): no account, a tracking code,
the contact details the resident left, and their satisfaction once it is handled."""

from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from grids.models.incidents import Incident
from hive.access.scoping import ScopedQuerySet
from hive.models import TimeStampedModel
from hive.submissions import new_tracking_code
from hive.validators import mobile_phone_validator

# What a resident reads for each state of their report: plain words, no internal steps.
PUBLIC_STATUS: dict[str, Any] = {
    Incident.Status.REPORTED: _("Received, waiting to be taken on"),
    Incident.Status.ACCEPTED: _("Taken on by the community"),
    Incident.Status.ASSIGNED: _("Being handled"),
    Incident.Status.IN_PROGRESS: _("Being handled"),
    Incident.Status.RESOLVED: _("Handled, being checked"),
    Incident.Status.VERIFIED: _("Handled and checked"),
    Incident.Status.CLOSED: _("Done"),
    Incident.Status.CLOSED_NOT_FIXED: _("Closed: it could not be fixed"),
    Incident.Status.REJECTED: _("Not taken on"),
    Incident.Status.DUPLICATE: _("Already reported by someone else: handled with that report"),
    Incident.Status.ESCALATED: _("Passed to the mediation room"),
}


def public_status(status: str) -> str:
    return str(PUBLIC_STATUS.get(status, status))


class ResidentReportQuerySet(ScopedQuerySet["ResidentReport"]):
    """Staff see their communities' reports; portal roles those of the incidents they see."""

    community_path = "incident__community"

    def role_condition(self, user: Any, scope: Any) -> Q:
        return Q(incident__in=Incident.objects.visible_to(user).values("pk"))


class ResidentReport(TimeStampedModel):
    """The resident side of an incident a resident reported from the public form."""

    # The resident rates the handling once it is over (满意度回访).
    RATEABLE_STATES = (
        Incident.Status.VERIFIED,
        Incident.Status.CLOSED,
        Incident.Status.CLOSED_NOT_FIXED,
    )

    incident = models.OneToOneField(
        Incident,
        on_delete=models.CASCADE,
        related_name="resident_report",
        verbose_name=_("incident"),
    )
    tracking_code = models.CharField(
        _("tracking code"), max_length=20, unique=True, default=new_tracking_code, editable=False
    )
    contact_name = models.CharField(_("resident's name"), max_length=30)
    contact_phone = models.CharField(
        _("resident's phone"), max_length=11, validators=[mobile_phone_validator]
    )
    consent_at = models.DateTimeField(
        _("personal-data notice accepted at"),
        help_text=_("When the resident ticked the personal-data notice."),
    )
    # Duplicate window: the same report sent twice in one window is one row (see services).
    fingerprint = models.CharField(_("fingerprint"), max_length=64, editable=False)
    dedup_window = models.BigIntegerField(_("duplicate window"), editable=False)
    rating = models.PositiveSmallIntegerField(
        _("satisfaction"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    rating_note = models.TextField(_("resident's comment"), max_length=500, blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)

    objects = ResidentReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("resident's report")
        verbose_name_plural = _("residents' reports")
        constraints = [
            models.UniqueConstraint(
                fields=["fingerprint", "dedup_window"], name="resident_report_once_per_window"
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="resident_report_rating_1_to_5",
                violation_error_message=_("Choose a rating from 1 to 5."),
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True, rated_at__isnull=True)
                | Q(rating__isnull=False, rated_at__isnull=False),
                name="resident_report_rating_has_time",
                violation_error_message=_("A rating is stored with the time it was given."),
            ),
        ]

    def __str__(self):
        return self.tracking_code

    def get_absolute_url(self) -> str:
        return reverse("grids:report_track", args=[self.tracking_code])

    @property
    def can_be_rated(self) -> bool:
        return self.rating is None and self.incident.status in self.RATEABLE_STATES
