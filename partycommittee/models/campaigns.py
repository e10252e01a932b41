"""Advanced-selection campaigns (评先选优): nominations, votes and the announcement (公示)."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hive.access.scoping import ScopedQuerySet
from hive.models import Community, TimeStampedModel
from hive.validators import mobile_phone_validator
from partycommittee.models.units import ResidentUnit


class CommunityMembersQuerySet(ScopedQuerySet):
    """Rows every person acting in the community may read (campaigns are public there)."""

    def role_condition(self, user, scope):
        return Q(community_id__in=scope.member_community_ids)


class Campaign(TimeStampedModel):
    """An advanced-selection campaign (评先选优) with nomination and voting windows."""

    class Kind(models.TextChoices):
        CIVILISED_UNIT = "civilised_unit", _("Civilised unit")
        BEAUTIFUL_FAMILY = "beautiful_family", _("Most beautiful family")
        THREE_GOOD = "three_good", _("“Three good” representative")
        OTHER = "other", _("Other")

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("community")
    )
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    other_kind = models.CharField(
        _("other kind"), max_length=60, blank=True, help_text=_("Name the kind when it is other.")
    )
    seats = models.PositiveSmallIntegerField(
        _("seats"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("How many will be selected; each voter has one vote per seat."),
    )
    nomination_start = models.DateTimeField(_("nominations open"))
    nomination_end = models.DateTimeField(_("nominations close"))
    voting_start = models.DateTimeField(_("voting opens"))
    voting_end = models.DateTimeField(_("voting closes"))
    announced_at = models.DateTimeField(
        _("results announced at"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("When staff published the results for the objection period."),
    )
    objection_days = models.PositiveSmallIntegerField(
        _("objection period (days)"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text=_("How many days residents may object after the results are announced."),
    )

    objects = CommunityMembersQuerySet.as_manager()

    class Meta:
        ordering = ["-voting_end"]
        verbose_name = _("selection campaign")
        verbose_name_plural = _("selection campaigns")
        constraints = [
            models.CheckConstraint(
                condition=Q(nomination_end__gt=F("nomination_start"))
                & Q(voting_start__gte=F("nomination_end"))
                & Q(voting_end__gt=F("voting_start")),
                name="campaign_windows_in_order",
                violation_error_message=_(
                    "Nomination must end after it starts, voting start when or after "
                    "nomination ends, and voting end after it starts."
                ),
            ),
            models.CheckConstraint(
                condition=Q(seats__gte=1),
                name="campaign_has_a_seat",
                violation_error_message=_("A selection needs at least one place."),
            ),
            # Results are announced only once voting has closed.
            models.CheckConstraint(
                condition=Q(announced_at__isnull=True) | Q(announced_at__gte=F("voting_end")),
                name="campaign_announced_after_voting",
                violation_error_message=_("Results are announced only after voting ends."),
            ),
            models.CheckConstraint(
                condition=Q(objection_days__gte=1),
                name="campaign_objection_period_a_day",
                violation_error_message=_("The objection period is at least 1 day."),
            ),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        errors = {}
        if (
            self.nomination_start
            and self.nomination_end
            and (self.nomination_end <= self.nomination_start)
        ):
            errors["nomination_end"] = _("Nominations must close after they open.")
        if self.voting_start and self.nomination_end and self.voting_start < self.nomination_end:
            errors["voting_start"] = _("Voting opens after nominations close.")
        if self.voting_end and self.voting_start and self.voting_end <= self.voting_start:
            errors["voting_end"] = _("Voting must close after it opens.")
        if self.kind == self.Kind.OTHER and not self.other_kind:
            errors["other_kind"] = _("Name the kind of selection.")
        if self.pk and self.seats and self._seats_in_use() > self.seats:
            errors["seats"] = _(
                "Some people have already voted or nominated for more seats than that."
            )
        if errors:
            raise ValidationError(errors)

    def _seats_in_use(self) -> int:
        """The most votes, or nominations, one person already made in this campaign."""
        votes = self.votes.aggregate(most=models.Max("seat"))["most"] or 0
        nominations = self.nominations.aggregate(most=models.Max("slot"))["most"] or 0
        return max(votes, nominations)

    def nominations_open(self, at=None) -> bool:
        at = at or timezone.now()
        return self.nomination_start <= at < self.nomination_end

    def voting_open(self, at=None) -> bool:
        at = at or timezone.now()
        return self.voting_start <= at < self.voting_end

    def voting_closed(self, at=None) -> bool:
        return (at or timezone.now()) >= self.voting_end

    @property
    def objection_end(self) -> datetime.datetime | None:
        """When the objection period after the announcement ends (None before it)."""
        if self.announced_at is None:
            return None
        return self.announced_at + datetime.timedelta(days=self.objection_days)

    def objections_open(self, at=None) -> bool:
        end = self.objection_end
        return end is not None and (at or timezone.now()) < end


class CampaignScopedQuerySet(ScopedQuerySet):
    """Nominations: everyone who acts in the community sees them (they vote on them)."""

    community_path = "campaign__community"

    def role_condition(self, user, scope):
        return Q(campaign__community_id__in=scope.member_community_ids)


class VoteQuerySet(ScopedQuerySet):
    """Votes: staff see their community's; a voter sees only their own."""

    community_path = "campaign__community"

    def role_condition(self, user, scope):
        return Q(voter_id=user.pk)


class Nomination(TimeStampedModel):
    class NomineeKind(models.TextChoices):
        UNIT = "unit", _("Resident unit")
        FAMILY = "family", _("Family")
        PERSON = "person", _("Person")

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="nominations", verbose_name=_("campaign")
    )
    nominee_kind = models.CharField(_("nominee kind"), max_length=10, choices=NomineeKind.choices)
    unit = models.ForeignKey(
        ResidentUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="nominations",
        verbose_name=_("unit"),
    )
    nominee_name = models.CharField(_("nominee"), max_length=120)
    reason = models.TextField(_("reason"), blank=True)
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("nominated by"),
        help_text=_("Empty when a resident nominated through the public form."),
    )
    # A resident without a login, through the public form: for follow-up by the office,
    # never shown on a public page.
    nominator_name = models.CharField(_("nominator's name"), max_length=30, blank=True)
    nominator_phone = models.CharField(
        _("nominator's mobile phone"),
        max_length=11,
        blank=True,
        validators=[mobile_phone_validator],
    )
    consent_at = models.DateTimeField(
        _("personal-data notice accepted at"),
        null=True,
        blank=True,
        help_text=_("When the resident ticked the personal-data notice."),
    )
    # The nominator's n-th nomination in the campaign, at most `seats` (copied from the
    # campaign when nominating): the database refuses one more. Empty for nominations
    # staff record in the admin (e.g. from paper forms), which the limit does not bind.
    slot = models.PositiveSmallIntegerField(_("nominator's slot"), null=True, blank=True)
    seats = models.PositiveSmallIntegerField(_("seats when nominated"), null=True, blank=True)

    objects = CampaignScopedQuerySet.as_manager()

    class Meta:
        ordering = ["campaign", "nominee_name"]
        verbose_name = _("nomination")
        verbose_name_plural = _("nominations")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "nominee_name"], name="nominee_once_per_campaign"
            ),
            models.CheckConstraint(
                condition=~Q(nominee_kind="unit") | Q(unit__isnull=False),
                name="unit_nomination_names_the_unit",
                violation_error_message=_("A unit's nomination must name the unit."),
            ),
            # At most `seats` nominations per nominator per campaign: a member by account,
            # a resident without one by the phone given.
            models.UniqueConstraint(
                fields=["campaign", "nominated_by", "slot"],
                condition=Q(nominated_by__isnull=False, slot__isnull=False),
                name="nominator_slot_once_per_campaign",
                violation_error_message=_(
                    "You have already used this nomination in this selection."
                ),
            ),
            models.UniqueConstraint(
                fields=["campaign", "nominator_phone", "slot"],
                # Once the phone is erased (retention) the row no longer counts.
                condition=Q(nominated_by__isnull=True, slot__isnull=False) & ~Q(nominator_phone=""),
                name="public_nominator_slot_once_per_campaign",
                violation_error_message=_(
                    "This phone number has already used this nomination in this selection."
                ),
            ),
            models.CheckConstraint(
                condition=Q(slot__isnull=True)
                | Q(slot__gte=1, seats__isnull=False, slot__lte=F("seats")),
                name="nominator_slot_within_seats",
                violation_error_message=_("No more nominations than there are places."),
            ),
        ]

    def __str__(self):
        return self.nominee_name

    def clean(self):
        if self.nominee_kind == self.NomineeKind.UNIT and not self.unit_id:
            raise ValidationError({"unit": _("Name the unit nominated.")})


class Vote(models.Model):
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="votes", verbose_name=_("campaign")
    )
    nomination = models.ForeignKey(
        Nomination, on_delete=models.CASCADE, related_name="votes", verbose_name=_("nomination")
    )
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("voter"),
    )
    # The voter's n-th vote in the campaign and the campaign's seats when it was cast: the
    # database refuses a vote beyond the seats (vote_cast assigns the next under a lock).
    seat = models.PositiveSmallIntegerField(_("seat"))
    seats = models.PositiveSmallIntegerField(_("seats when voted"))
    created_at = models.DateTimeField(_("voted at"), auto_now_add=True)

    objects = VoteQuerySet.as_manager()

    class Meta:
        ordering = ["campaign", "created_at"]
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [
            # A voter backs a nominee once; the per-seat limit is checked under a lock.
            models.UniqueConstraint(fields=["nomination", "voter"], name="one_vote_per_nominee"),
            # One vote per person per seat.
            models.UniqueConstraint(
                fields=["campaign", "voter", "seat"], name="one_vote_per_voter_per_seat"
            ),
            models.CheckConstraint(
                condition=Q(seat__gte=1) & Q(seat__lte=F("seats")),
                name="vote_seat_within_seats",
                violation_error_message=_("No more votes than there are places."),
            ),
        ]

    def __str__(self):
        return f"{self.voter} → {self.nomination}"


class ObjectionQuerySet(ScopedQuerySet):
    """Objections: the community's staff only (they hold a resident's name and phone)."""

    community_path = "campaign__community"


class Objection(TimeStampedModel):
    """A resident's objection to the announced results of a campaign (公示异议), sent
    through the public form during the objection period, for the community office."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="objections", verbose_name=_("campaign")
    )
    nomination = models.ForeignKey(
        Nomination,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="objections",
        verbose_name=_("nominee objected to"),
    )
    reason = models.TextField(_("reason"), max_length=1000)
    name = models.CharField(_("resident's name"), max_length=30)
    phone = models.CharField(
        _("resident's mobile phone"), max_length=11, validators=[mobile_phone_validator]
    )
    consent_at = models.DateTimeField(
        _("personal-data notice accepted at"),
        help_text=_("When the resident ticked the personal-data notice."),
    )
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    handling_note = models.TextField(_("how it was handled"), blank=True)

    objects = ObjectionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("objection")
        verbose_name_plural = _("objections")

    def __str__(self):
        return f"{self.campaign} · {self.created_at:%Y-%m-%d}" if self.created_at else "-"
