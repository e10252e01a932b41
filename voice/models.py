"""Residents' voice (居民之声): the suggestion box (建言献策) and demand solicitation
(需求征集), feeding partycommittee's demand list (需求清单).

The links into the demand list live here, not in partycommittee: a `Submission` points at
the `DemandItem` it was merged into, and a `WishDemand` row turns a micro-wish into a
demand. partycommittee knows nothing of voice (voice depends on it, never the reverse);
the demand's admin page lists the links through inlines voice adds (voice/admin.py).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grids.models import ResidentReport
from hive.access.roles import Role
from hive.access.scoping import NOTHING, ScopedQuerySet
from hive.models import Community, TimeStampedModel
from hive.personal_data import mask_personal_text
from hive.submissions import new_tracking_code
from hive.workflow import Action, Workflow, by_staff
from partycommittee.models import DemandItem, ResidentUnit
from partycommittee.models.units import units_represented_by
from volunteers.models import MicroWish


class Topic(models.TextChoices):
    """What a suggestion or a demand is about (the same words as the demand list's)."""

    ELDERLY = "elderly", _("Elderly care")
    CHILDREN = "children", _("Children and youth")
    ENVIRONMENT = "environment", _("Environment and sanitation")
    FACILITIES = "facilities", _("Facilities and repairs")
    CULTURE = "culture", _("Culture and sports")
    SAFETY = "safety", _("Safety")
    SERVICES = "services", _("Community services")
    OTHER = "other", _("Other")


class Suggestion(TimeStampedModel):
    """A resident's suggestion to the community office, answered publicly or privately."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Waiting for an answer")
        ANSWERED = "answered", _("Answered")

    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        related_name="suggestions",
        verbose_name=_("community"),
    )
    tracking_code = models.CharField(
        _("tracking code"), max_length=20, unique=True, default=new_tracking_code, editable=False
    )
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices)
    text = models.TextField(_("suggestion"), max_length=1000)
    # Both optional: a resident may suggest anonymously, and then gets no private answer.
    resident_name = models.CharField(_("resident's name"), max_length=30, blank=True)
    resident_phone = models.CharField(_("resident's phone"), max_length=11, blank=True)
    consent_at = models.DateTimeField(
        _("personal-data notice accepted at"),
        null=True,
        blank=True,
        help_text=_("When the resident ticked the personal-data notice (with a name or phone)."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED
    )
    answer = models.TextField(_("answer"), max_length=2000, blank=True)
    answer_public = models.BooleanField(
        _("answer published"),
        default=False,
        help_text=_("Public answers are listed, without personal data, on the community's page."),
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    # Duplicate window: the same suggestion sent twice in one window is one row.
    fingerprint = models.CharField(_("fingerprint"), max_length=64, editable=False)
    dedup_window = models.BigIntegerField(_("duplicate window"), editable=False)

    objects = ScopedQuerySet.as_manager()

    workflow = Workflow(
        actions=[
            Action("answer", [Status.SUBMITTED], Status.ANSWERED, _("Answer"), by=by_staff),
        ]
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestion box")
        constraints = [
            models.UniqueConstraint(
                fields=["fingerprint", "dedup_window"], name="voice_suggestion_once_per_window"
            ),
            models.CheckConstraint(
                condition=~Q(status="answered") | ~Q(answer=""),
                name="voice_suggestion_answered_has_answer",
                violation_error_message=_("An answered suggestion needs its answer."),
            ),
            # Only an answer can be public.
            models.CheckConstraint(
                condition=Q(answer_public=False) | Q(status="answered"),
                name="voice_suggestion_public_only_answered",
                violation_error_message=_("Only an answered suggestion can be shown publicly."),
            ),
        ]
        indexes = [
            models.Index(
                fields=["community", "status", "answer_public"], name="voice_suggestion_public"
            ),
        ]

    def __str__(self):
        return f"{self.tracking_code} · {self.text[:30]}"

    @property
    def public_text(self) -> str:
        return mask_personal_text(self.text)

    @property
    def public_answer(self) -> str:
        return mask_personal_text(self.answer)

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # Remembered so that an answer taken off the public list refreshes its page.
        instance._loaded_public = instance.__dict__.get("answer_public")
        return instance

    def is_or_was_public(self) -> bool:
        return bool(self.answer_public or getattr(self, "_loaded_public", False))

    def get_absolute_url(self):
        return reverse("voice:suggestion_track", args=[self.tracking_code])


class Solicitation(TimeStampedModel):
    """A call for demands (需求征集) on a topic, open for submissions in a window."""

    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        related_name="solicitations",
        verbose_name=_("community"),
    )
    topic = models.CharField(_("topic"), max_length=100)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("opened by"),
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-opens_at", "-id"]
        verbose_name = _("demand solicitation")
        verbose_name_plural = _("demand solicitations")
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")),
                name="voice_solicitation_closes_after_opening",
                violation_error_message=_("The solicitation must close after it opens."),
            ),
        ]

    def __str__(self):
        return self.topic

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.opens_at <= now < self.closes_at

    def get_absolute_url(self):
        return reverse("voice:submission_new", args=[self.community.code, self.pk])


class SubmissionQuerySet(ScopedQuerySet):
    def role_condition(self, user, scope):
        # A unit representative sees what their units sent.
        if Role.UNIT_REP not in scope.roles:
            return NOTHING
        return Q(unit_id__in=units_represented_by(user))


class Submission(TimeStampedModel):
    """A demand sent to a solicitation by a resident (public form) or a resident unit
    (portal), until staff accept it into the demand list or decline it."""

    class Source(models.TextChoices):
        RESIDENT = "resident", _("Resident")
        UNIT = "unit", _("Resident unit")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        ACCEPTED = "accepted", _("Accepted into the demand list")
        DECLINED = "declined", _("Declined")

    solicitation = models.ForeignKey(
        Solicitation,
        on_delete=models.PROTECT,
        related_name="submissions",
        verbose_name=_("demand solicitation"),
    )
    # The solicitation's, copied for scoping and filters (the service sets it).
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    tracking_code = models.CharField(
        _("tracking code"), max_length=20, unique=True, default=new_tracking_code, editable=False
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    text = models.TextField(_("demand"), max_length=1000)
    resident_name = models.CharField(_("resident's name"), max_length=30, blank=True)
    resident_phone = models.CharField(_("resident's phone"), max_length=11, blank=True)
    consent_at = models.DateTimeField(_("personal-data notice accepted at"), null=True, blank=True)
    unit = models.ForeignKey(
        ResidentUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="voice_submissions",
        verbose_name=_("resident unit"),
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent by"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED
    )
    demand = models.ForeignKey(
        DemandItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="voice_submissions",
        verbose_name=_("demand"),
    )
    decline_reason = models.TextField(_("reason for declining"), max_length=500, blank=True)
    fingerprint = models.CharField(_("fingerprint"), max_length=64, editable=False)
    dedup_window = models.BigIntegerField(_("duplicate window"), editable=False)

    objects = SubmissionQuerySet.as_manager()

    workflow = Workflow(
        actions=[
            Action(
                "accept", [Status.SUBMITTED], Status.ACCEPTED, _("Accept as a demand"), by=by_staff
            ),
            Action("decline", [Status.SUBMITTED], Status.DECLINED, _("Decline"), by=by_staff),
        ]
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("demand submission")
        verbose_name_plural = _("demand submissions")
        constraints = [
            models.UniqueConstraint(
                fields=["fingerprint", "dedup_window"], name="voice_submission_once_per_window"
            ),
            # Accepted means linked to a demand, and only accepted is.
            models.CheckConstraint(
                condition=Q(status="accepted", demand__isnull=False)
                | (~Q(status="accepted") & Q(demand__isnull=True)),
                name="voice_submission_accepted_has_demand",
                violation_error_message=_(
                    "An accepted submission names its demand, and only an accepted one does."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(source="unit") | Q(unit__isnull=False),
                name="voice_submission_unit_named",
                violation_error_message=_("A unit's submission must name the unit."),
            ),
        ]

    def __str__(self):
        return f"{self.tracking_code} · {self.text[:30]}"

    @property
    def public_text(self) -> str:
        return mask_personal_text(self.text)

    def get_absolute_url(self):
        return reverse("voice:submission_track", args=[self.tracking_code])


class WishDemandQuerySet(ScopedQuerySet):
    community_path = "demand__community"


class WishDemand(TimeStampedModel):
    """A micro-wish turned into a demand of the demand list: the link both ways
    (`wish.demand_link.demand`, `demand.wish_links`). One demand per wish."""

    wish = models.OneToOneField(
        MicroWish,
        on_delete=models.PROTECT,
        related_name="demand_link",
        verbose_name=_("micro-wish"),
    )
    demand = models.ForeignKey(
        DemandItem,
        on_delete=models.PROTECT,
        related_name="wish_links",
        verbose_name=_("demand"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("turned into a demand by"),
    )

    objects = WishDemandQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("micro-wish turned into a demand")
        verbose_name_plural = _("micro-wishes turned into demands")

    def __str__(self):
        return f"{self.wish} → {self.demand}"


class ReportDemandQuerySet(ScopedQuerySet):
    community_path = "demand__community"


class ReportDemand(TimeStampedModel):
    """A resident's own report (随手拍) turned into a demand of the demand list, when it
    shows a need wider than one repair: the link both ways (`report.demand_link.demand`,
    `demand.report_links`). One demand per report; the incident goes on as it was."""

    report = models.OneToOneField(
        ResidentReport,
        on_delete=models.PROTECT,
        related_name="demand_link",
        verbose_name=_("resident's report"),
    )
    demand = models.ForeignKey(
        DemandItem,
        on_delete=models.PROTECT,
        related_name="report_links",
        verbose_name=_("demand"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("turned into a demand by"),
    )

    objects = ReportDemandQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("resident's report turned into a demand")
        verbose_name_plural = _("residents' reports turned into demands")

    def __str__(self):
        return f"{self.report} → {self.demand}"
