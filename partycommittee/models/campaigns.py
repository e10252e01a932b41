"""Advanced-selection campaigns (评先选优): nominations and votes."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hive.access.scoping import ScopedQuerySet
from hive.models import Community, TimeStampedModel
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
            ),
            models.CheckConstraint(condition=Q(seats__gte=1), name="campaign_has_a_seat"),
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
        if errors:
            raise ValidationError(errors)

    def nominations_open(self, at=None) -> bool:
        at = at or timezone.now()
        return self.nomination_start <= at < self.nomination_end

    def voting_open(self, at=None) -> bool:
        at = at or timezone.now()
        return self.voting_start <= at < self.voting_end


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
        related_name="+",
        verbose_name=_("nominated by"),
    )

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
    created_at = models.DateTimeField(_("voted at"), auto_now_add=True)

    objects = VoteQuerySet.as_manager()

    class Meta:
        ordering = ["campaign", "created_at"]
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [
            # A voter backs a nominee once; the per-seat limit is checked under a lock.
            models.UniqueConstraint(fields=["nomination", "voter"], name="one_vote_per_nominee"),
        ]

    def __str__(self):
        return f"{self.voter} → {self.nomination}"
