from typing import Any, ClassVar, Self

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from hive.access.roles import STAFF_ROLES, Role
from hive.access.scoping import NOTHING, ScopedQuerySet, access_scope
from hive.validators import mobile_phone_validator

# get_<field>_display() labels per field and language, as plain strings.
_CHOICE_LABELS: dict = {}


def choice_label(field, value):
    """The label of `value` among a model field's choices, in the active language (the
    value itself when it is not one of them): what get_<field>_display() answers.

    Django rebuilds the choices dict on every get_<field>_display() call, hashing (so
    translating) every lazy label: hundreds of translations for a list page of status
    badges. Here the labels are looked up once per field and language."""
    key = (field, get_language())
    labels = _CHOICE_LABELS.get(key)
    if labels is None:
        labels = _CHOICE_LABELS[key] = {
            make_hashable(choice): str(label) for choice, label in field.flatchoices
        }
    return force_str(labels.get(make_hashable(value), value), strings_only=True)


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field):
        return choice_label(field, getattr(self, field.attname))


class Located(models.Model):
    """A point on the map (WGS-84, longitude and latitude in degrees), both or neither:
    a building, a key place, a visit, a resident unit. Input goes through hive.geo, which
    converts other datums once and refuses swapped or out-of-range coordinates."""

    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )

    class Meta:
        abstract = True

    @property
    def has_point(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    def clean(self) -> None:
        super().clean()
        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError({"longitude": _("Give both latitude and longitude, or neither.")})


class StreetQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> Self:
        scope = access_scope(user)
        if scope.is_superuser:
            return self.all()
        return self.filter(
            Q(id__in=scope.street_ids)
            | Q(id__in=Community.objects.filter(id__in=scope.member_community_ids).values("street"))
        )

    def managed_by(self, user: Any) -> Self:
        scope = access_scope(user)
        return self.all() if scope.is_superuser else self.filter(id__in=scope.street_ids)


class Street(TimeStampedModel):
    """A street (街道): one deployment serves the communities of one or more streets."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    code = models.SlugField(_("code"), max_length=40, unique=True)

    objects = StreetQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("street")
        verbose_name_plural = _("streets")

    def __str__(self):
        return self.name


class CommunityQuerySet(ScopedQuerySet):
    community_path = ""

    def role_condition(self, user, scope):
        return Q(id__in=scope.member_community_ids)


class Community(TimeStampedModel):
    """A community (社区) of a street; every domain row belongs to exactly one."""

    street = models.ForeignKey(
        Street, on_delete=models.PROTECT, related_name="communities", verbose_name=_("street")
    )
    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("office phone"), max_length=30, blank=True)

    objects = CommunityQuerySet.as_manager()

    class Meta:
        ordering = ["street__name", "name"]
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        constraints = [
            models.UniqueConstraint(fields=["street", "name"], name="community_name_per_street")
        ]

    def __str__(self):
        return self.name


class UserQuerySet(models.QuerySet["User"]):
    @staticmethod
    def _managed_assignments(scope) -> Q:
        condition = NOTHING
        if scope.street_ids:
            condition |= Q(community__street_id__in=scope.street_ids)
        if scope.staff_community_ids:
            condition |= Q(community_id__in=scope.staff_community_ids)
        return condition

    def visible_to(self, user: Any) -> Self:
        """Whom the user may see listed: themselves, and the people of the communities
        their staff roles cover."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        scope = access_scope(user)
        if scope.is_superuser:
            return self.all()
        members = RoleAssignment.objects.filter(self._managed_assignments(scope))
        return self.filter(Q(pk=user.pk) | Q(pk__in=members.values("user_id")))

    def managed_by(self, user: Any) -> Self:
        """Whom the user may edit (password, roles, active flag): people every one of whose
        role assignments lies in communities the user administers. Anyone who also acts
        elsewhere, any street administrator and any superuser is out of reach."""
        scope = access_scope(user)
        if scope.is_superuser:
            return self.all()
        if not scope.is_staff_role:
            return self.none()
        inside = self._managed_assignments(scope)
        members = RoleAssignment.objects.filter(inside).values("user_id")
        elsewhere = RoleAssignment.objects.exclude(inside).values("user_id")
        return self.filter(pk__in=members, is_superuser=False).exclude(pk__in=elsewhere)


# django-stubs' plugin does not resolve from_queryset() on contrib.auth's UserManager (a
# dynamic base to mypy); the manager's own methods are still checked.
class UserManager(DjangoUserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    pass


class User(AbstractUser):
    """A person who logs in: staff in the admin, the other roles in the portal."""

    name = models.CharField(_("full name"), max_length=60, blank=True)
    phone = models.CharField(
        _("mobile phone"), max_length=11, blank=True, validators=[mobile_phone_validator]
    )
    # Notifications always appear in the portal; email is the person's choice.
    notify_by_email = models.BooleanField(
        _("notifications by email"),
        default=True,
        help_text=_("Also send my notifications to my email address."),
    )

    objects: ClassVar[UserManager] = UserManager()

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                fields=["phone"],
                condition=~Q(phone=""),
                name="user_phone_unique",
                violation_error_message=_("Another account already has this mobile phone number."),
            )
        ]

    def __str__(self):
        return self.name or self.username

    def clean(self) -> None:
        super().clean()
        if self.phone and User.objects.filter(phone=self.phone).exclude(pk=self.pk).exists():
            raise ValidationError({"phone": _("Another user already has this mobile number.")})

    def get_full_name(self):
        return self.name or super().get_full_name()

    def get_short_name(self):
        return self.name or self.username


class RoleAssignmentQuerySet(ScopedQuerySet):
    def role_condition(self, user, scope):
        # Everyone sees their own roles; a street admin also the street-level ones.
        return Q(user_id=user.pk) | Q(street_id__in=scope.street_ids)


class RoleAssignment(TimeStampedModel):
    """Which role a user acts in, and for which street or community.

    Later apps add the narrower target a role needs (the resident unit of a unit
    representative, the grid of a grid member, the team of a volunteer).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="role_assignments",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    street = models.ForeignKey(
        Street,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name=_("street"),
        help_text=_("Only for street administrators."),
    )
    community = models.ForeignKey(
        Community,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name=_("community"),
        help_text=_("For every role except street administrator."),
    )

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["user__username", "role"]
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            # A street admin acts for a street, every other role for one community.
            models.CheckConstraint(
                condition=(
                    Q(role=Role.STREET_ADMIN, street__isnull=False, community__isnull=True)
                    | (~Q(role=Role.STREET_ADMIN) & Q(street__isnull=True, community__isnull=False))
                ),
                name="role_assignment_target_matches_role",
                violation_error_message=_(
                    "A street administrator is given a street and no community; "
                    "every other role is given a community and no street."
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "community"],
                condition=Q(community__isnull=False),
                name="role_assignment_unique_per_community",
                violation_error_message=_("This person already has this role in this community."),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "street"],
                condition=Q(street__isnull=False),
                name="role_assignment_unique_per_street",
                violation_error_message=_("This person already has this role in this street."),
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.community or self.street}"

    def clean(self) -> None:
        if self.role == Role.STREET_ADMIN:
            if not self.street_id:
                raise ValidationError({"street": _("A street administrator needs a street.")})
            if self.community_id:
                raise ValidationError(
                    {"community": _("A street administrator acts for a street, not a community.")}
                )
        elif self.role:
            if not self.community_id:
                raise ValidationError({"community": _("This role needs a community.")})
            if self.street_id:
                raise ValidationError({"street": _("Only street administrators act for a street.")})

    @property
    def is_staff_role(self) -> bool:
        return self.role in STAFF_ROLES


class TimelineEntryQuerySet(ScopedQuerySet):
    def for_object(self, obj: models.Model) -> Self:
        return self.filter(
            content_type=ContentType.objects.get_for_model(obj),
            object_id=obj.pk,
        )

    def role_condition(self, user, scope):
        return NOTHING


class TimelineEntry(models.Model):
    """One workflow transition of any object: who, when, from, to, note. Never edited."""

    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, verbose_name=_("object type")
    )
    object_id = models.PositiveBigIntegerField(_("object id"))
    subject = GenericForeignKey("content_type", "object_id")
    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="timeline_entries",
        verbose_name=_("community"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
        help_text=_("Empty when the system made the change (a scheduled task)."),
    )
    from_state = models.CharField(_("from"), max_length=40)
    to_state = models.CharField(_("to"), max_length=40)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    objects = TimelineEntryQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")
        indexes = [
            models.Index(
                fields=["content_type", "object_id", "created_at"], name="timeline_object"
            ),
        ]

    def __str__(self):
        return f"{self.content_type} #{self.object_id}: {self.from_state} → {self.to_state}"

    def _state_label(self, value: str) -> str:
        model = self.content_type.model_class()
        workflow = getattr(model, "workflow", None)
        if workflow is None:
            return value
        return workflow.label(model, value)

    @property
    def from_label(self) -> str:
        return self._state_label(self.from_state)

    @property
    def to_label(self) -> str:
        return self._state_label(self.to_state)


class PersonalDataAccessQuerySet(ScopedQuerySet):
    def role_condition(self, user, scope):
        return Q(viewer_id=user.pk)


class PersonalDataAccess(models.Model):
    """One unmasked view of personal data: who saw which fields of whose record, when."""

    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("viewer"),
    )
    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, verbose_name=_("record type")
    )
    object_id = models.PositiveBigIntegerField(_("record id"))
    object_repr = models.CharField(_("record"), max_length=200)
    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("community"),
    )
    fields = models.CharField(_("fields shown"), max_length=200)
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    objects = PersonalDataAccessQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data access log")
        # How many records one person revealed lately (hive.personal_data's limit).
        indexes = [models.Index(fields=["viewer", "created_at"], name="personal_access_viewer")]

    def __str__(self):
        return f"{self.viewer} → {self.object_repr} ({self.fields})"


class NotificationQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> Self:
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(recipient=user)

    def unread(self) -> Self:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """A message to one user in the portal (and by email where they have an address)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    community = models.ForeignKey(
        Community,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("community"),
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    key = models.CharField(
        _("key"),
        max_length=120,
        blank=True,
        help_text=_("Identifies what the notification is about, so it is sent once."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "key"],
                condition=~Q(key=""),
                name="notification_once_per_key",
                violation_error_message=_("This notification was already sent."),
            )
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self):
        return self.title


class ApiTokenQuerySet(models.QuerySet):
    def managed_by(self, user: Any) -> Self:
        """The tokens the admin shows `user`: their own, and those of the people they may
        edit (User.objects.managed_by), so revoking follows the same scope as editing."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        people = User.objects.managed_by(user).values("pk")
        return self.filter(Q(user_id=user.pk) | Q(user_id__in=people))


class ApiToken(TimeStampedModel):
    """One API token of a person (one per client: a script, a phone app).

    Only the SHA-256 digest of the key is stored: the key is 256 random bits, so a fast
    hash is enough (no dictionary to try) and a copy of the table opens nothing. The key
    itself is shown once, when the token is issued. A token ends at `expires_at`, when it
    is rotated or revoked, and when its owner's password, active flag or roles change
    (hive.access.security). `second_factor` records whether the owner confirmed a TOTP code when
    it was issued: a staff member's token without one gives no access while the second
    factor is required (hive.access.two_factor).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("user"),
    )
    name = models.CharField(
        _("name"), max_length=60, blank=True, help_text=_("Which client uses this token.")
    )
    digest = models.CharField(_("digest"), max_length=64, unique=True, editable=False)
    # The first characters of the key, so its owner can tell their tokens apart.
    prefix = models.CharField(_("starts with"), max_length=8, editable=False)
    second_factor = models.BooleanField(_("confirmed with a second factor"), default=False)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.user} · {self.name or self.prefix}"


class LoginSession(AbstractBaseSession):
    """A database session that knows whose it is (see hive.access.session_store).

    Django's own session table stores the user only inside the encoded data, so "end this
    person's sessions" would mean decoding every row; this column makes it one DELETE.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("login session")
        verbose_name_plural = _("login sessions")

    @classmethod
    def get_session_store_class(cls):
        from hive.access.session_store import SessionStore

        return SessionStore


class ConsentRecordQuerySet(ScopedQuerySet):
    def role_condition(self, user, scope):
        return NOTHING


class ConsentRecord(models.Model):
    """A person accepted a personal-data notice: which notice, which version, when, how.

    The person is identified by a keyed digest of their phone number
    (hive.personal_data.consent), not the number itself: the record has to outlive the data
    it justified (proof of consent after the retention period erased the contact details),
    so it holds none of it.
    """

    class Channel(models.TextChoices):
        WEB_FORM = "web_form", _("Public web form")
        PAPER = "paper", _("Paper form, entered by staff")

    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("community"),
    )
    notice = models.CharField(_("notice"), max_length=40)
    notice_version = models.CharField(_("notice version"), max_length=20)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    subject_digest = models.CharField(
        _("subject identifier"),
        max_length=64,
        db_index=True,
        help_text=_("A keyed digest of the phone number: finds the person without storing it."),
    )
    subject_hint = models.CharField(_("subject (masked)"), max_length=20, blank=True)
    content_type = models.ForeignKey(
        ContentType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("record type"),
    )
    object_id = models.PositiveBigIntegerField(_("record id"), null=True, blank=True)
    subject_record = GenericForeignKey("content_type", "object_id")
    accepted_at = models.DateTimeField(_("accepted at"), db_index=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ConsentRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-accepted_at", "-id"]
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")

    def __str__(self):
        return f"{self.subject_hint} · {self.notice} {self.notice_version}"


class RetentionRun(models.Model):
    """One run of the retention task: how many rows each rule erased. Counts only, never
    whose rows; the audit trail has one entry per changed row."""

    started_at = models.DateTimeField(_("started at"), db_index=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    counts = models.JSONField(_("rows per rule"), default=dict)
    total = models.PositiveIntegerField(_("rows in all"), default=0)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")

    def __str__(self):
        return f"{self.started_at:%Y-%m-%d %H:%M} · {self.total}"


class OutboxMessageQuerySet(models.QuerySet):
    def unsent(self) -> Self:
        return self.filter(sent_at__isnull=True)


class OutboxMessage(models.Model):
    """A Celery message the broker refused (Redis down): kept here so the work is not lost.

    `hive.queue.enqueue` writes a row only when sending fails, after the request's own
    transaction has committed; the `hive.flush_outbox` task sends the rows again once the
    broker is back and marks each sent only after the broker took it.
    """

    task_name = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("positional arguments"), default=list)
    kwargs = models.JSONField(_("keyword arguments"), default=dict)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    attempts = models.PositiveIntegerField(_("send attempts"), default=1)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    objects = OutboxMessageQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [
            # The flush task reads the unsent rows, oldest first; sent ones are most rows.
            models.Index(
                fields=["created_at"], condition=Q(sent_at__isnull=True), name="outbox_unsent"
            )
        ]

    def __str__(self):
        return f"{self.task_name} · {self.created_at:%Y-%m-%d %H:%M}"
