"""Models of the three-double evaluations, imported by partycommittee.models (app label
"partycommittee")."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from hive import periods
from hive.access.roles import Role
from hive.access.scoping import NOTHING, ScopedQuerySet
from hive.models import Community, TimeStampedModel
from hive.workflow import Action, Workflow
from partycommittee.models.units import ResidentUnit, units_represented_by

SCORE_MIN, SCORE_MAX = 0, 100
SCORE_VALIDATORS = [MinValueValidator(SCORE_MIN), MaxValueValidator(SCORE_MAX)]
DIMENSIONS = ("communication", "service", "overall")


class PeriodKind(models.TextChoices):
    QUARTER = "quarter", _("Quarter")
    HALF_YEAR = "half_year", _("Half-year")
    YEAR = "year", _("Year")


class EvaluationWeights(models.Model):
    """Weights shared by a community's policy and each round (copied when it is created,
    so a round's results never change when the policy is edited later)."""

    community_weight = models.PositiveSmallIntegerField(
        _("weight of the community's score (%)"),
        default=50,
        validators=[MaxValueValidator(100)],
    )
    peer_weight = models.PositiveSmallIntegerField(
        _("weight of the peers' score (%)"), default=50, validators=[MaxValueValidator(100)]
    )
    communication_weight = models.PositiveSmallIntegerField(
        _("weight of two-way communication (%)"), default=30, validators=[MaxValueValidator(100)]
    )
    service_weight = models.PositiveSmallIntegerField(
        _("weight of two-way service (%)"), default=30, validators=[MaxValueValidator(100)]
    )
    overall_weight = models.PositiveSmallIntegerField(
        _("weight of the overall assessment (%)"), default=40, validators=[MaxValueValidator(100)]
    )

    WEIGHT_FIELDS = [
        "community_weight",
        "peer_weight",
        "communication_weight",
        "service_weight",
        "overall_weight",
    ]

    class Meta:
        abstract = True

    @staticmethod
    def weight_constraints(prefix: str) -> list[models.CheckConstraint]:
        return [
            models.CheckConstraint(
                condition=Q(community_weight=100 - F("peer_weight")),
                name=f"{prefix}_source_weights_sum_100",
                violation_error_message=_(
                    "The community's and the peers' weights must add up to 100."
                ),
            ),
            models.CheckConstraint(
                condition=Q(communication_weight=100 - F("service_weight") - F("overall_weight")),
                name=f"{prefix}_dimension_weights_sum_100",
                violation_error_message=_("The three dimension weights must add up to 100."),
            ),
        ]

    def weights_errors(self) -> dict:
        errors = {}
        if self.community_weight + self.peer_weight != 100:
            errors["peer_weight"] = _("The community's and the peers' weights must add up to 100.")
        if self.communication_weight + self.service_weight + self.overall_weight != 100:
            errors["overall_weight"] = _("The three dimension weights must add up to 100.")
        return errors

    def copy_weights_to(self, other) -> None:
        for name in self.WEIGHT_FIELDS:
            setattr(other, name, getattr(self, name))


class EvaluationPolicy(EvaluationWeights, TimeStampedModel):
    """How a community runs its three-double rounds: the period, the calendar, the
    reminders, the peer sample and the weights."""

    community = models.OneToOneField(
        Community,
        on_delete=models.CASCADE,
        related_name="evaluation_policy",
        verbose_name=_("community"),
    )
    is_enabled = models.BooleanField(
        _("schedule rounds automatically"),
        default=True,
        help_text=_("Celery creates a round for every period and opens it on time."),
    )
    period_kind = models.CharField(
        _("period"), max_length=20, choices=PeriodKind.choices, default=PeriodKind.QUARTER
    )
    open_days_before_end = models.PositiveSmallIntegerField(
        _("opens (days before the period ends)"), default=14, validators=[MaxValueValidator(180)]
    )
    days_after_end = models.PositiveSmallIntegerField(
        _("deadline (days after the period ends)"), default=14, validators=[MaxValueValidator(90)]
    )
    reminder_every_days = models.PositiveSmallIntegerField(
        _("remind every (days)"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    peer_sample_size = models.PositiveSmallIntegerField(
        _("peers each unit scores"),
        default=0,
        help_text=_("0: every unit scores every other active unit; otherwise a random sample."),
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["community"]
        verbose_name = _("evaluation policy")
        verbose_name_plural = _("evaluation policies")
        constraints = [
            *EvaluationWeights.weight_constraints("evaluation_policy"),
            models.CheckConstraint(
                condition=Q(reminder_every_days__gte=1),
                name="evaluation_policy_reminder_cadence",
                violation_error_message=_("Remind at least every 1 day."),
            ),
        ]

    def __str__(self):
        return str(self.community)

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = self.weights_errors()
        if errors:
            raise ValidationError(errors)


class RoundQuerySet(ScopedQuerySet):
    """Staff see their communities' rounds; unit representatives their community's."""

    def role_condition(self, user, scope):
        return Q(community_id__in=scope.community_ids_for(Role.UNIT_REP))


class EvaluationRound(EvaluationWeights, TimeStampedModel):
    """One round of the three-double evaluation for a community and a period."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        PUBLISHED = "published", _("Published")

    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        related_name="evaluation_rounds",
        verbose_name=_("community"),
    )
    period_kind = models.CharField(
        _("period"), max_length=20, choices=PeriodKind.choices, default=PeriodKind.QUARTER
    )
    period_start = models.DateField(_("period starts"))
    period_end = models.DateField(_("period ends"))
    opens_at = models.DateTimeField(_("opens at"))
    deadline = models.DateTimeField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SCHEDULED
    )
    reminder_every_days = models.PositiveSmallIntegerField(
        _("remind every (days)"), default=3, validators=[MinValueValidator(1)]
    )
    peer_sample_size = models.PositiveSmallIntegerField(
        _("peers each unit scores"),
        default=0,
        help_text=_("0: every unit scores every other active unit; otherwise a random sample."),
    )
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    results_computed_at = models.DateTimeField(_("results computed at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    objects = RoundQuerySet.as_manager()

    # Publishing waits for computed results.
    workflow = Workflow(
        actions=[
            Action("open", [Status.SCHEDULED], Status.OPEN, _("Open now")),
            Action("close", [Status.OPEN], Status.CLOSED, _("Close now")),
            Action(
                "publish",
                [Status.CLOSED],
                Status.PUBLISHED,
                _("Publish the results"),
                by=lambda evaluation_round, user: evaluation_round.results_computed_at is not None,
            ),
        ]
    )

    class Meta:
        ordering = ["-period_start", "community"]
        verbose_name = _("evaluation round")
        verbose_name_plural = _("evaluation rounds")
        constraints = [
            # One round per community and period: a second beat run, or staff adding the
            # same period by hand, hits this instead of making a twin.
            models.UniqueConstraint(
                fields=["community", "period_start"],
                name="evaluation_round_once_per_period",
                violation_error_message=_("This community already has a round for this period."),
            ),
            models.CheckConstraint(
                condition=Q(period_end__gt=F("period_start")),
                name="evaluation_round_period_in_order",
                violation_error_message=_("The period must end after it starts."),
            ),
            models.CheckConstraint(
                condition=Q(deadline__gt=F("opens_at")),
                name="evaluation_round_deadline_after_opening",
                violation_error_message=_("The deadline must come after the round opens."),
            ),
            models.CheckConstraint(
                condition=Q(reminder_every_days__gte=1),
                name="evaluation_round_reminder_cadence",
                violation_error_message=_("Remind at least every 1 day."),
            ),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(results_computed_at__isnull=False),
                name="evaluation_round_published_with_results",
                violation_error_message=_(
                    "A round is published only once its results are computed."
                ),
            ),
            *EvaluationWeights.weight_constraints("evaluation_round"),
        ]

    def __str__(self):
        return f"{self.community} · {self.period_label}"

    @property
    def period_label(self) -> str:
        return periods.label(self.period_kind, self.period_start)

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = self.weights_errors()
        if self.opens_at and self.deadline and self.deadline <= self.opens_at:
            errors["deadline"] = _("The deadline must come after the opening.")
        if errors:
            raise ValidationError(errors)


def _units_of(user):
    return units_represented_by(user)


class SubmissionStatus(models.TextChoices):
    PENDING = "pending", _("Not started")
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    MISSING = "missing", _("Missing")


OWED_STATUSES = [SubmissionStatus.PENDING, SubmissionStatus.DRAFT]


class DutyReportQuerySet(ScopedQuerySet):
    community_path = "round__community"

    def role_condition(self, user, scope):
        if Role.UNIT_REP not in scope.roles:
            return NOTHING
        return Q(unit_id__in=_units_of(user))


class DutyReport(TimeStampedModel):
    """A unit's duty report (述职) for a round."""

    round = models.ForeignKey(
        EvaluationRound,
        on_delete=models.CASCADE,
        related_name="duty_reports",
        verbose_name=_("round"),
    )
    unit = models.ForeignKey(
        ResidentUnit,
        on_delete=models.PROTECT,
        related_name="duty_reports",
        verbose_name=_("unit"),
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=SubmissionStatus.choices,
        default=SubmissionStatus.PENDING,
    )
    text = models.TextField(_("duty report"), blank=True, max_length=10000)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )

    objects = DutyReportQuerySet.as_manager()

    class Meta:
        ordering = ["round", "unit__name"]
        verbose_name = _("duty report")
        verbose_name_plural = _("duty reports")
        constraints = [
            models.UniqueConstraint(fields=["round", "unit"], name="duty_report_once_per_round"),
            models.CheckConstraint(
                condition=~Q(status="submitted") | (Q(submitted_at__isnull=False) & ~Q(text="")),
                name="duty_report_submitted_with_text",
                violation_error_message=_(
                    "A submitted duty report needs its text and the time it was submitted."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.unit} · {self.round.period_label}"


class SheetQuerySet(ScopedQuerySet):
    """A unit representative sees only the sheets their unit fills in: never the sheets
    other units wrote about it (peer scores stay anonymous)."""

    community_path = "round__community"

    def role_condition(self, user, scope):
        if Role.UNIT_REP not in scope.roles:
            return NOTHING
        return Q(rater_unit_id__in=_units_of(user))


class EvaluationSheet(TimeStampedModel):
    """One score sheet: three dimensions on 0–100 and a comment.

    Who scores whom follows from the kind: the community scores a unit (rater empty),
    a unit scores the community (ratee empty), or a unit scores a peer.
    """

    class Kind(models.TextChoices):
        COMMUNITY_TO_UNIT = "community_to_unit", _("Community scores the unit")
        UNIT_TO_COMMUNITY = "unit_to_community", _("Unit scores the community")
        PEER = "peer", _("Peer evaluation")

    round = models.ForeignKey(
        EvaluationRound, on_delete=models.CASCADE, related_name="sheets", verbose_name=_("round")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    rater_unit = models.ForeignKey(
        ResidentUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sheets_given",
        verbose_name=_("scored by"),
        help_text=_("Empty when the community scores."),
    )
    ratee_unit = models.ForeignKey(
        ResidentUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sheets_received",
        verbose_name=_("unit scored"),
        help_text=_("Empty when the community is scored."),
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=SubmissionStatus.choices,
        default=SubmissionStatus.PENDING,
    )
    communication = models.PositiveSmallIntegerField(
        _("two-way communication"), null=True, blank=True, validators=SCORE_VALIDATORS
    )
    service = models.PositiveSmallIntegerField(
        _("two-way service"), null=True, blank=True, validators=SCORE_VALIDATORS
    )
    overall = models.PositiveSmallIntegerField(
        _("overall assessment"), null=True, blank=True, validators=SCORE_VALIDATORS
    )
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )

    objects = SheetQuerySet.as_manager()

    class Meta:
        ordering = ["round", "kind", "rater_unit_id", "ratee_unit_id"]
        verbose_name = _("score sheet")
        verbose_name_plural = _("score sheets")
        constraints = [
            # (round, rater, ratee, kind) once, with the community side (NULL) counted as
            # one party: opening a round twice, or twice at once, inserts each sheet once.
            models.UniqueConstraint(
                F("round"),
                Coalesce("rater_unit", 0),
                Coalesce("ratee_unit", 0),
                F("kind"),
                name="evaluation_sheet_once",
                violation_error_message=_(
                    "This rater has already been given a sheet for this unit in this round."
                ),
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="community_to_unit", rater_unit__isnull=True, ratee_unit__isnull=False)
                    | Q(kind="unit_to_community", rater_unit__isnull=False, ratee_unit__isnull=True)
                    | Q(kind="peer", rater_unit__isnull=False, ratee_unit__isnull=False)
                ),
                name="evaluation_sheet_parties_match_kind",
                violation_error_message=_(
                    "The rater and the rated unit do not match the kind of sheet."
                ),
            ),
            # Nobody scores themselves.
            models.CheckConstraint(
                condition=Q(rater_unit__isnull=True)
                | Q(ratee_unit__isnull=True)
                | ~Q(rater_unit=F("ratee_unit")),
                name="evaluation_sheet_not_self",
                violation_error_message=_("A unit cannot rate itself."),
            ),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{name}__isnull": True})
                    | Q(**{f"{name}__gte": SCORE_MIN, f"{name}__lte": SCORE_MAX}),
                    name=f"evaluation_sheet_{name}_in_range",
                    violation_error_message=_("Scores are from 0 to 100."),
                )
                for name in DIMENSIONS
            ],
            models.CheckConstraint(
                condition=~Q(status="submitted")
                | Q(
                    communication__isnull=False,
                    service__isnull=False,
                    overall__isnull=False,
                    submitted_at__isnull=False,
                ),
                name="evaluation_sheet_submitted_complete",
                violation_error_message=_("A submitted sheet needs all three scores."),
            ),
        ]
        indexes = [
            models.Index(fields=["round", "status"], name="evaluation_sheet_round_status"),
            models.Index(fields=["rater_unit", "round"], name="evaluation_sheet_rater"),
        ]

    def __str__(self):
        rater = self.rater_unit or self.round.community
        ratee = self.ratee_unit or self.round.community
        return f"{rater} → {ratee}"

    @property
    def is_editable(self) -> bool:
        return self.status in OWED_STATUSES


class UnitResultQuerySet(ScopedQuerySet):
    """Staff see every result of their communities; a unit representative sees their own
    unit's results once the round is published."""

    community_path = "round__community"

    def role_condition(self, user, scope):
        if Role.UNIT_REP not in scope.roles:
            return NOTHING
        return Q(unit_id__in=_units_of(user), round__status=EvaluationRound.Status.PUBLISHED)


def _score_field(label):
    return models.DecimalField(label, max_digits=5, decimal_places=2, null=True, blank=True)


class UnitResult(TimeStampedModel):
    """What a unit received in a round, computed from the submitted sheets."""

    round = models.ForeignKey(
        EvaluationRound, on_delete=models.CASCADE, related_name="results", verbose_name=_("round")
    )
    unit = models.ForeignKey(
        ResidentUnit, on_delete=models.PROTECT, related_name="results", verbose_name=_("unit")
    )
    community_communication = _score_field(_("community: two-way communication"))
    community_service = _score_field(_("community: two-way service"))
    community_overall = _score_field(_("community: overall assessment"))
    community_score = _score_field(_("score from the community"))
    peer_communication = _score_field(_("peers: two-way communication"))
    peer_service = _score_field(_("peers: two-way service"))
    peer_overall = _score_field(_("peers: overall assessment"))
    peer_score = _score_field(_("score from peers"))
    peer_sheet_count = models.PositiveIntegerField(_("peer sheets received"), default=0)
    score = _score_field(_("weighted score"))
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    owed_count = models.PositiveIntegerField(_("items owed"), default=0)
    done_count = models.PositiveIntegerField(_("items submitted"), default=0)
    completion_rate = models.DecimalField(
        _("completion rate (%)"), max_digits=5, decimal_places=1, default=0
    )
    previous_score = _score_field(_("previous round's score"))
    change = models.DecimalField(
        _("change since the previous round"), max_digits=6, decimal_places=2, null=True, blank=True
    )

    objects = UnitResultQuerySet.as_manager()

    class Meta:
        ordering = ["round", F("rank").asc(nulls_last=True), "unit__name"]
        verbose_name = _("unit result")
        verbose_name_plural = _("unit results")
        constraints = [
            models.UniqueConstraint(fields=["round", "unit"], name="unit_result_once_per_round"),
        ]

    def __str__(self):
        return f"{self.unit} · {self.round.period_label}"


class CommunityResultQuerySet(ScopedQuerySet):
    community_path = "round__community"

    def role_condition(self, user, scope):
        return Q(
            round__community_id__in=scope.community_ids_for(Role.UNIT_REP),
            round__status=EvaluationRound.Status.PUBLISHED,
        )


class CommunityResult(TimeStampedModel):
    """What the units gave the community in a round."""

    round = models.OneToOneField(
        EvaluationRound,
        on_delete=models.CASCADE,
        related_name="community_result",
        verbose_name=_("round"),
    )
    communication = _score_field(_("two-way communication"))
    service = _score_field(_("two-way service"))
    overall = _score_field(_("overall assessment"))
    score = _score_field(_("weighted score"))
    sheet_count = models.PositiveIntegerField(_("sheets received"), default=0)
    unit_mean_score = _score_field(_("mean score of the units"))
    previous_score = _score_field(_("previous round's score"))
    change = models.DecimalField(
        _("change since the previous round"), max_digits=6, decimal_places=2, null=True, blank=True
    )

    objects = CommunityResultQuerySet.as_manager()

    class Meta:
        ordering = ["round"]
        verbose_name = _("community result")
        verbose_name_plural = _("community results")

    def __str__(self):
        return str(self.round)
