"""Open311 GeoReport v2 for six-small reports: partner keys, staff-defined services and
their attributes, and the record of each report filed through Open311.

The incident itself is grids.Incident, created by grids.services.incident_report; this
app only keeps what Open311 adds (who filed it, the client's contact details, the answers
to the service's attributes) and never shows personal data in its public answers.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grids.models import Category, Grid, Incident
from hive.access.authorization import administers
from hive.access.scoping import ScopedQuerySet
from hive.models import Community, TimeStampedModel


class PartnerKey(TimeStampedModel):
    """An API key issued to one partner system for one community (jurisdiction).

    Only a SHA-256 hash of the key is stored: the key is 32 random bytes, so a fast hash
    is enough (nothing to brute-force) and lets the key be looked up by its hash. Reports
    filed with the key are reported by `reporter`, a community staff member, on the
    resident's (or the partner's) behalf — the way staff file a report for a resident
    who calls in."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    name = models.CharField(_("partner"), max_length=100)
    prefix = models.CharField(
        _("key prefix"),
        max_length=12,
        unique=True,
        editable=False,
        help_text=_("The first characters of the key, to tell keys apart."),
    )
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True, editable=False)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("responsible staff member"),
        help_text=_(
            "Community staff member in whose name the partner's reports are filed "
            "(on the resident's behalf)."
        ),
    )
    default_grid = models.ForeignKey(
        Grid,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("default grid"),
        help_text=_(
            "Grid for reports whose position lies in no grid's boundary and that name no grid."
        ),
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("revoked by"),
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["community", "name"]
        verbose_name = _("Open311 partner key")
        verbose_name_plural = _("Open311 partner keys")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def clean(self):
        errors = {}
        if not self.community_id:
            return
        # Reports are filed in the reporter's name, so they must run the community (the
        # grids service lets staff report on a resident's behalf).
        if self.reporter_id and not administers(self.reporter, self.community):
            errors["reporter"] = _(
                "Choose a staff member of this community: reports are filed in their name."
            )
        if self.default_grid_id and self.default_grid.community_id != self.community_id:
            errors["default_grid"] = _("The grid belongs to another community.")
        if errors:
            raise ValidationError(errors)


class Service(TimeStampedModel):
    """A service staff define on top of the six categories (e.g. “broken street light”);
    its reports are incidents of the category it maps to."""

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="+", verbose_name=_("community")
    )
    code = models.SlugField(_("service code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    category = models.CharField(
        _("six-small category"),
        max_length=20,
        choices=Category.choices,
        help_text=_("Reports of this service become incidents of this category."),
    )
    keywords = models.CharField(_("keywords"), max_length=200, blank=True)
    group = models.CharField(_("group"), max_length=60, blank=True)
    active = models.BooleanField(_("offered"), default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["community", "code"]
        verbose_name = _("Open311 service")
        verbose_name_plural = _("Open311 services")
        constraints = [
            models.UniqueConstraint(
                fields=["community", "code"], name="open311_service_code_per_community"
            )
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def clean(self):
        if self.code in Category.values:
            raise ValidationError({"code": _("This code is one of the six built-in categories.")})


class ServiceAttribute(TimeStampedModel):
    """A question a service asks (GeoReport v2 attribute), of a built-in category or of a
    staff-defined service."""

    class Datatype(models.TextChoices):
        STRING = "string", _("Short text")
        NUMBER = "number", _("Number")
        DATETIME = "datetime", _("Date and time")
        TEXT = "text", _("Long text")
        SINGLEVALUELIST = "singlevaluelist", _("One value from a list")
        MULTIVALUELIST = "multivaluelist", _("Several values from a list")

    LIST_TYPES = (Datatype.SINGLEVALUELIST, Datatype.MULTIVALUELIST)

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="+", verbose_name=_("community")
    )
    category = models.CharField(
        _("built-in category"),
        max_length=20,
        choices=Category.choices,
        blank=True,
        help_text=_("Either a built-in category or a staff-defined service."),
    )
    service = models.ForeignKey(
        Service,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attributes",
        verbose_name=_("service"),
    )
    code = models.SlugField(_("code"), max_length=40)
    description = models.CharField(_("question"), max_length=200)
    datatype = models.CharField(_("type"), max_length=20, choices=Datatype.choices)
    required = models.BooleanField(_("required"), default=False)
    variable = models.BooleanField(
        _("answered by the client"),
        default=True,
        help_text=_("Off for an informational line that asks nothing."),
    )
    datatype_description = models.CharField(_("format hint"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    values = models.TextField(
        _("values"),
        blank=True,
        help_text=_("For list types: one value per line, as “key|name”."),
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("Open311 service attribute")
        verbose_name_plural = _("Open311 service attributes")
        constraints = [
            models.CheckConstraint(
                condition=(Q(category="") & Q(service__isnull=False))
                | (~Q(category="") & Q(service__isnull=True)),
                name="open311_attribute_of_one_service",
                violation_error_message=_(
                    "A question belongs either to one service or to one category, not both."
                ),
            ),
            models.UniqueConstraint(
                fields=["community", "category", "code"],
                condition=Q(service__isnull=True),
                name="open311_attribute_code_per_category",
                violation_error_message=_("This category already has a question with this code."),
            ),
            models.UniqueConstraint(
                fields=["service", "code"],
                condition=Q(service__isnull=False),
                name="open311_attribute_code_per_service",
                violation_error_message=_("This service already has a question with this code."),
            ),
        ]

    def __str__(self):
        return self.code

    def value_pairs(self) -> list[tuple[str, str]]:
        pairs = []
        for line in self.values.splitlines():
            if line.strip():
                key, _sep, name = line.partition("|")
                pairs.append((key.strip(), (name or key).strip()))
        return pairs

    def clean(self):
        # An inline row of a service not saved yet has the service object but no id.
        service = self.service if self.service_id else self._state.fields_cache.get("service")
        if bool(self.category) == (service is not None):
            raise ValidationError(
                _("Choose either a built-in category or a staff-defined service.")
            )
        if service and self.community_id and service.community_id != self.community_id:
            raise ValidationError({"service": _("The service belongs to another community.")})
        if self.datatype in self.LIST_TYPES and not self.value_pairs():
            raise ValidationError({"values": _("A list needs at least one value.")})


class ServiceRequestQuerySet(ScopedQuerySet):
    pass


class ServiceRequest(models.Model):
    """A six-small incident filed through Open311: the partner, the service asked for,
    the token, and the client's details. Contacts (phone, email, device) stay here and
    never appear in a GET answer."""

    incident = models.OneToOneField(
        Incident, on_delete=models.CASCADE, related_name="open311", verbose_name=_("incident")
    )
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    partner = models.ForeignKey(
        PartnerKey, on_delete=models.PROTECT, related_name="requests", verbose_name=_("partner")
    )
    service_code = models.CharField(_("service code"), max_length=40)
    service = models.ForeignKey(
        Service,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("staff-defined service"),
    )
    token = models.CharField(_("token"), max_length=32, unique=True, editable=False)
    description = models.TextField(_("description as sent"), blank=True)
    address_string = models.CharField(_("address as sent"), max_length=200, blank=True)
    media_url = models.URLField(_("media URL"), max_length=500, blank=True)
    attributes = models.JSONField(_("attribute answers"), default=dict, blank=True)
    account_id = models.CharField(_("account id"), max_length=60, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    device_id = models.CharField(_("device id"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("received at"), auto_now_add=True, db_index=True)

    objects = ServiceRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("Open311 request")
        verbose_name_plural = _("Open311 requests")
        indexes = [
            models.Index(fields=["community", "-created_at"], name="open311_request_list"),
        ]

    def __str__(self):
        return f"#{self.incident_id} · {self.partner.name}"
