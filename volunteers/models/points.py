"""Party members, their points (积分) and star ratings (星级).

The ledger (`PointEntry`) is append-only: a correction is a new reversing entry. The
model refuses to save an existing entry or delete one, its queryset refuses bulk
updates and deletes, and a database trigger (migration 0003) refuses UPDATE and DELETE
whatever the client.
"""

import datetime
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from hive import periods
from hive.access.roles import Role
from hive.access.scoping import NOTHING, ScopedQuerySet
from hive.models import Community, TimeStampedModel
from hive.workflow import Action, Workflow


class OwnRowsQuerySet(ScopedQuerySet):
    """Staff see their communities' rows; a party member sees their own."""

    member_path = "member__user_id"

    def role_condition(self, user, scope):
        if Role.PARTY_MEMBER not in scope.roles:
            return NOTHING
        return Q(**{self.member_path: user.pk})


class PartyMemberQuerySet(OwnRowsQuerySet):
    member_path = "user_id"

    def active(self):
        return self.filter(is_active=True)


class PartyMember(TimeStampedModel):
    """The party-member profile of a person in one community: who earns points and stars.

    A portal user with the party-member role but no profile is a volunteer: they sign up
    and collect service hours, but points go to party members only.
    """

    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        related_name="party_members",
        verbose_name=_("community"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="party_profiles",
        verbose_name=_("person"),
    )
    branch = models.CharField(_("party branch"), max_length=100, blank=True)
    joined_party_on = models.DateField(_("joined the party on"), null=True, blank=True)
    is_in_service = models.BooleanField(
        _("in-service member registered from a unit"),
        default=False,
        help_text=_("在职党员报到: works at a resident unit and registered with the community."),
    )
    registered_unit = models.ForeignKey(
        "partycommittee.ResidentUnit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="registered_party_members",
        verbose_name=_("registered from unit"),
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Only active members are rated.")
    )

    objects = PartyMemberQuerySet.as_manager()

    class Meta:
        ordering = ["community", "user__name", "user__username"]
        verbose_name = _("party member")
        verbose_name_plural = _("party members")
        constraints = [
            models.UniqueConstraint(fields=["community", "user"], name="party_member_once"),
            # In-service members name their unit; the others have none.
            models.CheckConstraint(
                condition=Q(is_in_service=True, registered_unit__isnull=False)
                | Q(is_in_service=False, registered_unit__isnull=True),
                name="party_member_unit_iff_in_service",
                violation_error_message=_(
                    "A party member in service names the unit they registered with; "
                    "one not in service names none."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["community", "is_active"], name="party_member_active"),
        ]

    def __str__(self):
        return str(self.user)

    def clean(self):
        if self.is_in_service and not self.registered_unit_id:
            raise ValidationError(
                {"registered_unit": _("Name the unit an in-service member registered from.")}
            )
        if not self.is_in_service and self.registered_unit_id:
            raise ValidationError(
                {"is_in_service": _("Only in-service members are registered from a unit.")}
            )
        if (
            self.registered_unit_id
            and self.community_id
            and self.registered_unit.community_id != self.community_id
        ):
            raise ValidationError(
                {"registered_unit": _("The unit must be in the member's community.")}
            )


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    HALF_YEAR = "half_year", _("Half year")
    YEAR = "year", _("Year")


class PointsScheme(TimeStampedModel):
    """A community's points settings: the initial score, the rating period (which is
    also the period rule caps count over) and the star thresholds."""

    DEFAULTS = {
        "initial_score": 100,
        "period": PeriodKind.QUARTER,
        "star2_from": 85,
        "star3_from": 100,
        "star4_from": 115,
        "star5_from": 130,
    }

    community = models.OneToOneField(
        Community,
        on_delete=models.PROTECT,
        related_name="points_scheme",
        verbose_name=_("community"),
    )
    initial_score = models.IntegerField(
        _("initial score"),
        default=DEFAULTS["initial_score"],
        help_text=_("Every member starts each period from this score."),
    )
    period = models.CharField(
        _("rating period"), max_length=20, choices=PeriodKind.choices, default=PeriodKind.QUARTER
    )
    star2_from = models.IntegerField(_("two stars from"), default=DEFAULTS["star2_from"])
    star3_from = models.IntegerField(_("three stars from"), default=DEFAULTS["star3_from"])
    star4_from = models.IntegerField(_("four stars from"), default=DEFAULTS["star4_from"])
    star5_from = models.IntegerField(_("five stars from"), default=DEFAULTS["star5_from"])

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["community"]
        verbose_name = _("points scheme")
        verbose_name_plural = _("points schemes")
        constraints = [
            models.CheckConstraint(
                condition=Q(star2_from__lt=F("star3_from"))
                & Q(star3_from__lt=F("star4_from"))
                & Q(star4_from__lt=F("star5_from")),
                name="points_scheme_thresholds_ascend",
                violation_error_message=_(
                    "Each star level must need more points than the one below it."
                ),
            )
        ]

    def __str__(self):
        return str(self.community)

    def clean(self):
        thresholds = [self.star2_from, self.star3_from, self.star4_from, self.star5_from]
        if None not in thresholds and thresholds != sorted(set(thresholds)):
            raise ValidationError(_("Each star threshold must be higher than the one below it."))

    @classmethod
    def for_community(cls, community_id: int) -> "PointsScheme":
        """The stored scheme, or the defaults (unsaved) when staff have set none."""
        scheme = cls.objects.filter(community_id=community_id).first()
        return scheme or cls(community_id=community_id, **cls.DEFAULTS)

    def stars_for(self, score: int) -> int:
        for stars, threshold in (
            (5, self.star5_from),
            (4, self.star4_from),
            (3, self.star3_from),
            (2, self.star2_from),
        ):
            if score >= threshold:
                return stars
        return 1

    def bounds(self, day: datetime.date) -> tuple[datetime.date, datetime.date]:
        return periods.bounds(self.period, day)


class PointRuleQuerySet(ScopedQuerySet):
    def role_condition(self, user, scope):
        # Members may read the rules they are scored by.
        return Q(community_id__in=scope.community_ids_for(Role.PARTY_MEMBER))


class PointRule(TimeStampedModel):
    """A rule staff define: what earns (or costs) how many points, at most how many per
    period. A rule with a trigger is applied automatically by that event."""

    class Category(models.TextChoices):
        VOLUNTEER_SERVICE = "volunteer_service", _("Volunteer service")
        ADVICE = "advice", _("Advice and suggestions")
        PRACTICAL_HELP = "practical_help", _("Practical help for residents")
        ATTENDANCE = "attendance", _("Attendance")
        DEDUCTION = "deduction", _("Deduction")

    class Trigger(models.TextChoices):
        MANUAL = "manual", _("Awarded by staff (needs a second approver)")
        ACTIVITY_ATTENDANCE = "activity_attendance", _("Attending an activity")
        WISH_CONFIRMED = "wish_confirmed", _("A fulfilled micro-wish confirmed")
        MEETING_ATTENDANCE = "meeting_attendance", _("Own unit present at a joint meeting")

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="point_rules", verbose_name=_("community")
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    category = models.CharField(_("category"), max_length=30, choices=Category.choices)
    points = models.IntegerField(
        _("points"), help_text=_("Positive for awards, negative for deductions.")
    )
    cap_per_period = models.PositiveIntegerField(
        _("cap per period"),
        null=True,
        blank=True,
        help_text=_("At most this many points from this rule per member and rating period."),
    )
    trigger = models.CharField(
        _("applied"), max_length=30, choices=Trigger.choices, default=Trigger.MANUAL
    )
    description = models.TextField(_("description"), max_length=1000, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = PointRuleQuerySet.as_manager()

    class Meta:
        ordering = ["community", "category", "code"]
        verbose_name = _("points rule")
        verbose_name_plural = _("points rules")
        constraints = [
            models.UniqueConstraint(fields=["community", "code"], name="point_rule_code_unique"),
            # One automatic rule per event and community: an event awards once.
            models.UniqueConstraint(
                fields=["community", "trigger"],
                condition=~Q(trigger="manual"),
                name="point_rule_one_per_trigger",
                violation_error_message=_("There is already a rule for this trigger."),
            ),
            models.CheckConstraint(
                condition=Q(category="deduction", points__lt=0)
                | (~Q(category="deduction") & Q(points__gt=0)),
                name="point_rule_sign_matches_category",
                violation_error_message=_(
                    "A deduction takes points off (a negative number); "
                    "every other rule adds points (a positive number)."
                ),
            ),
            models.CheckConstraint(
                condition=Q(cap_per_period__isnull=True)
                | (Q(cap_per_period__gt=0) & ~Q(category="deduction")),
                name="point_rule_cap_positive_awards_only",
                violation_error_message=_(
                    "A cap per period is a positive number, and only for rules that add points."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.points:+d})"

    def clean(self):
        errors = {}
        if self.points is not None:
            if self.category == self.Category.DEDUCTION and self.points >= 0:
                errors["points"] = _("A deduction takes points away: give a negative number.")
            elif self.category and self.category != self.Category.DEDUCTION and self.points <= 0:
                errors["points"] = _("An award gives points: give a positive number.")
        if self.cap_per_period is not None:
            if self.category == self.Category.DEDUCTION:
                errors["cap_per_period"] = _("Deductions have no cap.")
            elif self.cap_per_period == 0:
                errors["cap_per_period"] = _("Leave the cap empty for no cap.")
        if errors:
            raise ValidationError(errors)


class AppendOnlyError(ValidationError):
    """The points ledger is never edited or deleted: correct with a reversing entry."""


class PointEntryQuerySet(OwnRowsQuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(_("Ledger entries are never changed; add a reversing entry."))

    def delete(self):
        raise AppendOnlyError(_("Ledger entries are never deleted; add a reversing entry."))

    def _raw_delete(self, using):
        raise AppendOnlyError(_("Ledger entries are never deleted; add a reversing entry."))


class PointEntry(models.Model):
    """One line of the points ledger. Written once, never changed."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    member = models.ForeignKey(
        PartyMember,
        on_delete=models.PROTECT,
        related_name="point_entries",
        verbose_name=_("member"),
    )
    rule = models.ForeignKey(
        PointRule, on_delete=models.PROTECT, related_name="entries", verbose_name=_("rule")
    )
    points = models.IntegerField(_("points"))
    reason = models.CharField(_("reason"), max_length=300)
    source_type = models.ForeignKey(
        ContentType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("source type"),
    )
    source_id = models.PositiveBigIntegerField(_("source id"), null=True, blank=True)
    source = GenericForeignKey("source_type", "source_id")
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        verbose_name=_("reverses"),
        help_text=_("Set on a correction: the entry this one cancels."),
    )
    awarded_at = models.DateTimeField(
        _("counts for"), help_text=_("When the deed happened: decides the rating period.")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
        help_text=_("Empty for automatic awards."),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = PointEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-awarded_at", "-id"]
        verbose_name = _("points ledger entry")
        verbose_name_plural = _("points ledger")
        constraints = [
            # The once-per-source guarantee of automatic awards: a second signal, a
            # second run, a second attendance save cannot award the same thing again.
            models.UniqueConstraint(
                fields=["rule", "source_type", "source_id", "member"],
                condition=Q(reverses__isnull=True, source_id__isnull=False),
                name="point_entry_once_per_source",
                violation_error_message=_("Points were already given for this."),
            ),
            models.CheckConstraint(
                condition=~Q(points=0),
                name="point_entry_not_zero",
                violation_error_message=_("A points entry cannot be zero."),
            ),
            models.CheckConstraint(
                condition=Q(source_type__isnull=True, source_id__isnull=True)
                | Q(source_type__isnull=False, source_id__isnull=False),
                name="point_entry_source_complete",
                violation_error_message=_(
                    "The source is named by both its type and its number, or not at all."
                ),
            ),
        ]
        indexes = [
            # The rating's GROUP BY reads (community, period range) → member, points.
            models.Index(
                fields=["community", "awarded_at", "member", "points"], name="point_entry_rating"
            ),
            models.Index(fields=["member", "awarded_at"], name="point_entry_member"),
        ]

    def __str__(self):
        return f"{self.member} {self.points:+d} · {self.reason}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(_("Ledger entries are never changed; add a reversing entry."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(_("Ledger entries are never deleted; add a reversing entry."))


class PointAward(TimeStampedModel):
    """A manual award (or deduction) one staff member proposes and another approves;
    approval writes the ledger entry."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    member = models.ForeignKey(
        PartyMember, on_delete=models.PROTECT, related_name="awards", verbose_name=_("member")
    )
    rule = models.ForeignKey(
        PointRule, on_delete=models.PROTECT, related_name="awards", verbose_name=_("rule")
    )
    points = models.IntegerField(_("points"))
    reason = models.CharField(_("reason"), max_length=300)
    occurred_on = models.DateField(_("happened on"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=300, blank=True)
    entry = models.OneToOneField(
        PointEntry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="award",
        verbose_name=_("ledger entry"),
    )

    objects = ScopedQuerySet.as_manager()

    # A second staff member decides (volunteers.services.points checks who).
    workflow = Workflow(
        actions=[
            Action("approve", [Status.PENDING], Status.APPROVED, _("Approve")),
            Action("reject", [Status.PENDING], Status.REJECTED, _("Reject")),
        ]
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("manual points award")
        verbose_name_plural = _("manual points awards")
        constraints = [
            # The four-eyes rule, in the database: nobody approves their own proposal.
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("requested_by")),
                name="point_award_second_person_decides",
                violation_error_message=_("Someone other than the person who asked must decide."),
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(entry__isnull=False),
                name="point_award_approved_has_entry",
                violation_error_message=_("An approved award needs its points entry."),
            ),
            models.CheckConstraint(
                condition=~Q(points=0),
                name="point_award_not_zero",
                violation_error_message=_("The points cannot be zero."),
            ),
        ]

    def __str__(self):
        return f"{self.member} {self.points:+d} · {self.reason}"


class StarRating(TimeStampedModel):
    """A member's score and stars for one period; recomputing the period overwrites the
    same row (one per member and period), so history is one row per period."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    member = models.ForeignKey(
        PartyMember, on_delete=models.PROTECT, related_name="ratings", verbose_name=_("member")
    )
    period_start = models.DateField(_("period starts"))
    period_end = models.DateField(_("period ends before"))
    period_label = models.CharField(_("period"), max_length=20)
    score = models.IntegerField(_("score"))
    stars = models.PositiveSmallIntegerField(_("stars"))

    objects = OwnRowsQuerySet.as_manager()

    class Meta:
        ordering = ["-period_start", "-score", "member_id"]
        verbose_name = _("star rating")
        verbose_name_plural = _("star ratings")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "period_start"], name="star_rating_once_per_period"
            ),
            models.CheckConstraint(
                condition=Q(stars__gte=1, stars__lte=5),
                name="star_rating_1_to_5",
                violation_error_message=_("Stars are from 1 to 5."),
            ),
        ]
        indexes = [
            models.Index(
                fields=["community", "period_start", "score"], name="star_rating_leaderboard"
            )
        ]

    def __str__(self):
        return f"{self.member} · {self.period_label} · {self.stars}★"
