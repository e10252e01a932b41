"""Micro-wishes (微心愿): residents order, party members claim, the organisation follows up.

Teams, activities and party-member points arrive with their own issues; points for a
confirmed wish hook into `volunteers.services.wish_confirm` (see `volunteers.signals`).
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from hive.access.roles import Role
from hive.access.scoping import ScopedQuerySet, scoped_through
from hive.models import Community, TimeStampedModel
from hive.personal_data import mask_personal_text

# Tracking codes are the core's; named here too (the migrations name new_tracking_code).
from hive.submissions import (  # noqa: F401
    TRACKING_CODE_ALPHABET,
    TRACKING_CODE_LENGTH,
    new_tracking_code,
    normalise_tracking_code,
)
from hive.uploads import PhotoField
from hive.validators import mobile_phone_validator
from hive.workflow import Action, Workflow, by_staff


class MicroWishQuerySet(ScopedQuerySet):
    def role_condition(self, user, scope):
        # Party members see the published wishes of their communities (the wall) and
        # every wish they have claimed, whatever its state since.
        party_communities = scope.community_ids_for(Role.PARTY_MEMBER)
        return Q(community_id__in=party_communities, status=MicroWish.Status.PUBLISHED) | Q(
            claimed_by_id=user.pk
        )

    def on_wall(self):
        """What the public wish wall shows: reviewed wishes still waiting or being done."""
        return self.filter(status__in=MicroWish.WALL_STATES)


class MicroWish(TimeStampedModel):
    """A resident's small wish, from the public form to the resident's confirmation."""

    class Category(models.TextChoices):
        DAILY_NECESSITIES = "daily_necessities", _("Daily necessities")
        HELP_AT_HOME = "help_at_home", _("Help at home")
        MEDICAL_ACCOMPANIMENT = "medical_accompaniment", _("Medical accompaniment")
        STUDY_TUTORING = "study_tutoring", _("Study and tutoring")
        REPAIRS = "repairs", _("Repairs")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        PUBLISHED = "published", _("Published")
        CLAIMED = "claimed", _("Claimed")
        FULFILLED = "fulfilled", _("Fulfilled")
        CONFIRMED = "confirmed", _("Confirmed")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    WALL_STATES = (Status.PUBLISHED, Status.CLAIMED)
    OPEN_STATES = (Status.SUBMITTED, Status.PUBLISHED, Status.CLAIMED)

    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        related_name="micro_wishes",
        verbose_name=_("community"),
    )
    tracking_code = models.CharField(
        _("tracking code"), max_length=20, unique=True, default=new_tracking_code, editable=False
    )
    category = models.CharField(_("category"), max_length=30, choices=Category.choices)
    title = models.CharField(_("wish"), max_length=60)
    description = models.TextField(_("details"), max_length=500, blank=True)
    resident_name = models.CharField(_("resident's name"), max_length=30)
    resident_phone = models.CharField(
        _("resident's phone"), max_length=11, validators=[mobile_phone_validator]
    )
    address = models.CharField(_("address or grid"), max_length=120)
    consent_at = models.DateTimeField(
        _("personal-data notice accepted at"),
        help_text=_("When the resident ticked the personal-data notice."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED
    )
    # Duplicate window: the same wish sent twice in one window is one row (see services).
    fingerprint = models.CharField(_("fingerprint"), max_length=64, editable=False)
    dedup_window = models.BigIntegerField(_("duplicate window"), editable=False)

    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    rejection_reason = models.TextField(_("reason for rejection"), max_length=500, blank=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claimed_wishes",
        verbose_name=_("claimed by"),
    )
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    # 组织派单: set when staff gave the wish to a party member or a resident unit rather
    # than a member claiming it. A unit's wish is carried by its representative.
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned by"),
    )
    assigned_unit = models.ForeignKey(
        "partycommittee.ResidentUnit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_wishes",
        verbose_name=_("assigned resident unit"),
    )
    fulfilment_note = models.TextField(_("fulfilment note"), max_length=1000, blank=True)
    fulfilled_at = models.DateTimeField(_("fulfilled at"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(
        _("rating"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    confirmation_note = models.TextField(_("confirmation note"), max_length=500, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by_staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by staff"),
        help_text=_("Empty when the resident confirmed from the tracking page."),
    )
    stale_flagged_at = models.DateTimeField(
        _("flagged as unclaimed at"),
        null=True,
        blank=True,
        help_text=_("When staff were told that nobody has claimed the wish."),
    )
    claim_reminded_at = models.DateTimeField(_("claimer reminded at"), null=True, blank=True)

    objects = MicroWishQuerySet.as_manager()

    # Withdrawing and confirming are the resident's, through the tracking code (or staff
    # on their behalf): the page that knows the code lets them in.
    workflow = Workflow(
        actions=[
            Action("publish", [Status.SUBMITTED], Status.PUBLISHED, _("Publish"), by=by_staff),
            Action(
                "reject",
                [Status.SUBMITTED, Status.PUBLISHED],
                Status.REJECTED,
                _("Reject"),
                by=by_staff,
            ),
            Action(
                "claim",
                [Status.PUBLISHED],
                Status.CLAIMED,
                _("Claim this wish"),
                by=[Role.PARTY_MEMBER],
            ),
            Action("assign", [Status.PUBLISHED], Status.CLAIMED, _("Assign"), by=by_staff),
            Action(
                "fulfil",
                [Status.CLAIMED],
                Status.FULFILLED,
                _("Mark as fulfilled"),
                by=lambda wish, user: wish.claimed_by_id == user.pk,
            ),
            Action("confirm", [Status.FULFILLED], Status.CONFIRMED, _("Confirm")),
            Action("withdraw", OPEN_STATES, Status.WITHDRAWN, _("Withdraw")),
        ]
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("micro-wish")
        verbose_name_plural = _("micro-wishes")
        constraints = [
            models.UniqueConstraint(
                fields=["fingerprint", "dedup_window"], name="micro_wish_once_per_window"
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="micro_wish_rating_1_to_5",
                violation_error_message=_("Choose a rating from 1 to 5."),
            ),
            # A wish someone is working on, or has done, has someone doing it.
            models.CheckConstraint(
                condition=~Q(status__in=["claimed", "fulfilled", "confirmed"])
                | Q(claimed_by__isnull=False),
                name="micro_wish_claimed_has_claimer",
                violation_error_message=_("A claimed wish needs the person who claimed it."),
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""),
                name="micro_wish_rejected_has_reason",
                violation_error_message=_("Give the reason for refusing the wish."),
            ),
        ]
        indexes = [
            models.Index(fields=["community", "status"], name="micro_wish_community_status"),
            models.Index(fields=["status", "published_at"], name="micro_wish_status_published"),
        ]

    def __str__(self):
        return f"{self.tracking_code} · {self.title}"

    # What the wall and other readers than the resident and staff see: the form refuses
    # phone and ID numbers, and these mask any that came another way (staff edits, rows
    # from before the check).
    @property
    def public_title(self) -> str:
        return mask_personal_text(self.title)

    @property
    def public_description(self) -> str:
        return mask_personal_text(self.description)

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # Remembered so that a wish taken off the wall refreshes the cached wall pages.
        instance._loaded_status = instance.__dict__.get("status")
        return instance

    def is_or_was_on_wall(self) -> bool:
        return (
            self.status in self.WALL_STATES
            or getattr(self, "_loaded_status", None) in self.WALL_STATES
        )

    def get_absolute_url(self):
        return reverse("volunteers:wish_track", args=[self.tracking_code])


def wish_photo_path(instance, filename):
    return f"wishes/{instance.wish.created_at:%Y/%m}/{filename}"


# A class scoped_through() builds at import: mypy cannot use a call as a base.
class WishPhotoQuerySet(scoped_through("wish")):  # type: ignore[misc]
    def public(self):
        """Photos anyone may fetch: those of the wishes the public wall shows. (The
        resident who filed a wish sees its photos through the tracking page.)"""
        return self.filter(wish__status__in=MicroWish.WALL_STATES)


class WishPhoto(TimeStampedModel):
    """Evidence of a fulfilled wish; stored only after hive.uploads cleaned it."""

    wish = models.ForeignKey(
        MicroWish, on_delete=models.CASCADE, related_name="photos", verbose_name=_("micro-wish")
    )
    image = PhotoField(_("photo"), upload_to=wish_photo_path)

    objects = WishPhotoQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("wish photo")
        verbose_name_plural = _("wish photos")

    def __str__(self):
        return self.image.name
