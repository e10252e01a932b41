"""Teams, activities, sign-ups and service hours (酿蜜: service)."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hive.access.roles import Role
from hive.access.scoping import NOTHING, ScopedQuerySet
from hive.models import Community, TimeStampedModel, User
from hive.workflow import Action, Workflow


class PartyCommunityQuerySet(ScopedQuerySet):
    """Rows of a community that its party members / volunteers may read."""

    def role_condition(self, user, scope):
        return Q(community_id__in=scope.community_ids_for(Role.PARTY_MEMBER))


class Team(TimeStampedModel):
    """A volunteer service team or a literary/cultural team of one community."""

    class Kind(models.TextChoices):
        VOLUNTEER_SERVICE = "volunteer_service", _("Volunteer service team")
        CULTURAL = "cultural", _("Literary and cultural team")

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="teams", verbose_name=_("community")
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    description = models.TextField(_("description"), max_length=1000, blank=True)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_teams",
        verbose_name=_("leader"),
    )
    members: "models.ManyToManyField[User, TeamMembership]" = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="TeamMembership",
        related_name="teams",
        blank=True,
        verbose_name=_("members"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = PartyCommunityQuerySet.as_manager()

    class Meta:
        ordering = ["community", "kind", "name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="team_name_per_community")
        ]

    def __str__(self):
        return self.name


class TeamMembershipQuerySet(ScopedQuerySet):
    community_path = "team__community"

    def role_condition(self, user, scope):
        return Q(team__community_id__in=scope.community_ids_for(Role.PARTY_MEMBER))


class TeamMembership(TimeStampedModel):
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("team")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="team_memberships",
        verbose_name=_("member"),
    )
    joined_on = models.DateField(_("joined on"), default=timezone.localdate)

    objects = TeamMembershipQuerySet.as_manager()

    class Meta:
        ordering = ["team", "joined_on", "id"]
        verbose_name = _("team membership")
        verbose_name_plural = _("team memberships")
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="team_member_once")]

    def __str__(self):
        return f"{self.team} · {self.user}"


class ActivityQuerySet(PartyCommunityQuerySet):
    def role_condition(self, user, scope):
        condition = super().role_condition(user, scope)
        if Role.UNIT_REP in scope.roles:
            # A unit's representatives see the joint activities their unit co-organises.
            from partycommittee.models import ResidentUnit

            units = ResidentUnit.representatives.through.objects.filter(user_id=user.pk)
            co_organised = Activity.units.through.objects.filter(
                residentunit_id__in=units.values("residentunit_id")
            )
            condition |= Q(id__in=co_organised.values("activity_id"))
        return condition


class Activity(TimeStampedModel):
    """A service or joint activity: members sign up; staff record who came, which gives
    each attendee service hours (and points, by the community's rules)."""

    class Kind(models.TextChoices):
        EPIDEMIC_PREVENTION = "epidemic_prevention", _("Epidemic prevention")
        CULTURE = "culture", _("Culture and entertainment")
        CONVENIENCE = "convenience", _("Convenience service")
        JOINT_PARTY_BUILDING = "joint_party_building", _("Joint party-building activity")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        OPEN = "open", _("Open for sign-up")
        COMPLETED = "completed", _("Attendance recorded")
        CANCELLED = "cancelled", _("Cancelled")

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="activities", verbose_name=_("community")
    )
    title = models.CharField(_("title"), max_length=120)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("organising team"),
    )
    units = models.ManyToManyField(
        "partycommittee.ResidentUnit",
        blank=True,
        related_name="activities",
        verbose_name=_("co-organising resident units"),
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=200)
    capacity = models.PositiveIntegerField(_("places"), help_text=_("How many people can sign up."))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    attendance_recorded_at = models.DateTimeField(
        _("attendance recorded at"), null=True, blank=True
    )

    objects = ActivityQuerySet.as_manager()

    workflow = Workflow(
        actions=[
            Action("complete", [Status.OPEN], Status.COMPLETED, _("Record attendance")),
            Action("cancel", [Status.OPEN], Status.CANCELLED, _("Cancel")),
        ]
    )

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="activity_ends_after_start",
                violation_error_message=_("The activity must end after it starts."),
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=1),
                name="activity_has_places",
                violation_error_message=_("An activity needs at least one place."),
            ),
        ]
        indexes = [
            models.Index(fields=["community", "status", "starts_at"], name="activity_listing")
        ]

    def __str__(self):
        return self.title

    @property
    def duration_hours(self) -> Decimal:
        seconds = (self.ends_at - self.starts_at).total_seconds()
        return (Decimal(seconds) / Decimal(3600)).quantize(Decimal("0.01"))

    @property
    def is_joint(self) -> bool:
        return self.kind == self.Kind.JOINT_PARTY_BUILDING


class SignUpQuerySet(ScopedQuerySet):
    community_path = "activity__community"

    def role_condition(self, user, scope):
        if not scope.roles:
            return NOTHING
        return Q(user_id=user.pk)

    def active(self):
        return self.filter(status=SignUp.Status.SIGNED_UP)


class SignUp(TimeStampedModel):
    """One person's place on an activity; after the activity, whether they came and the
    service hours it gave them."""

    class Status(models.TextChoices):
        SIGNED_UP = "signed_up", _("Signed up")
        CANCELLED = "cancelled", _("Cancelled")

    activity = models.ForeignKey(
        Activity, on_delete=models.PROTECT, related_name="signups", verbose_name=_("activity")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="activity_signups",
        verbose_name=_("member"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SIGNED_UP
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    attended = models.BooleanField(
        _("attended"), null=True, blank=True, help_text=_("Empty until attendance is recorded.")
    )
    hours = models.DecimalField(
        _("service hours"), max_digits=5, decimal_places=2, default=Decimal("0")
    )

    objects = SignUpQuerySet.as_manager()

    class Meta:
        ordering = ["activity", "created_at", "id"]
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        constraints = [
            # One row per person and activity: cancelling and signing up again reuse it.
            models.UniqueConstraint(fields=["activity", "user"], name="signup_once_per_member"),
            models.CheckConstraint(
                condition=Q(hours__gte=0),
                name="signup_hours_not_negative",
                violation_error_message=_("Service hours cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(attended=True) | Q(hours=0),
                name="signup_hours_only_if_attended",
                violation_error_message=_(
                    "Service hours are recorded only for those who attended."
                ),
            ),
        ]
        indexes = [models.Index(fields=["user", "attended"], name="signup_member_hours")]

    def __str__(self):
        return f"{self.activity} · {self.user}"
