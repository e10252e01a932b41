"""Grids and the four clears (四清): buildings, households, residents and their key-person
tags, key places, and the change log of who changed what."""

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from grids.validators import validate_geojson_polygon, validate_id_number
from hive.access.roles import Role
from hive.access.scoping import NOTHING, ScopedQuerySet
from hive.models import Community, Located, TimeStampedModel
from hive.personal_data import mask_phone
from hive.validators import mobile_phone_validator


def member_grid_ids(user, scope):
    """The grids a grid member works in (as the exclusive member or a deputy), as a subquery."""
    community_ids = scope.community_ids_for(Role.GRID_MEMBER)
    if not community_ids:
        return None
    return (
        Grid.objects.filter(community_id__in=community_ids)
        .filter(Q(member_id=user.pk) | Q(deputies__id=user.pk))
        .values("pk")
    )


class GridScopedQuerySet(ScopedQuerySet):
    """Rows of one grid: a grid member sees the rows of the grids they work in."""

    grid_path = "grid"

    def role_condition(self, user, scope):
        grid_ids = member_grid_ids(user, scope)
        if grid_ids is None:
            return NOTHING
        return Q(**{f"{self.grid_path}__in": grid_ids})


class GridQuerySet(GridScopedQuerySet):
    grid_path = "pk"

    def for_people(self) -> "GridQuerySet":
        """The grids people choose from: without the community's holding grid of unplaced
        reports (Grid.holds_unplaced), which only the placing rule fills."""
        return self.filter(holds_unplaced=False)


class Grid(TimeStampedModel):
    """A grid (网格): a small area of a community with its exclusive grid member."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="grids", verbose_name=_("community")
    )
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=100)
    boundary = models.JSONField(
        _("boundary"),
        null=True,
        blank=True,
        validators=[validate_geojson_polygon],
        help_text=_("Optional GeoJSON Polygon or MultiPolygon, longitude before latitude."),
    )
    holds_unplaced = models.BooleanField(
        _("holds unplaced reports"),
        default=False,
        editable=False,
        help_text=_(
            "The community's queue of reports whose point lies in no grid: staff move each "
            "one to the right grid."
        ),
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="grids_as_member",
        verbose_name=_("exclusive grid member"),
        help_text=_("A party member holding the grid-member role in this community."),
    )
    deputies = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="grids_as_deputy",
        verbose_name=_("deputies"),
    )

    objects = GridQuerySet.as_manager()

    class Meta:
        ordering = ["community", "code"]
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        constraints = [
            models.UniqueConstraint(fields=["community", "code"], name="grid_code_per_community"),
            models.UniqueConstraint(
                fields=["community"],
                condition=Q(holds_unplaced=True),
                name="grid_one_unplaced_per_community",
                violation_error_message=_("A community has one holding grid for unplaced reports."),
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("grids:grid_detail", args=[self.pk])


class Building(Located, TimeStampedModel):
    """A building (楼栋) of a grid."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    grid = models.ForeignKey(
        Grid, on_delete=models.PROTECT, related_name="buildings", verbose_name=_("grid")
    )
    name = models.CharField(_("name"), max_length=60, help_text=_("For example “3号楼”."))
    address = models.CharField(_("address"), max_length=200, blank=True)
    floors = models.PositiveSmallIntegerField(_("floors"), null=True, blank=True)

    objects = GridScopedQuerySet.as_manager()

    class Meta:
        ordering = ["grid", "name"]
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        constraints = [
            models.UniqueConstraint(fields=["grid", "name"], name="building_name_per_grid")
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.grid_id and self.community_id and self.grid.community_id != self.community_id:
            raise ValidationError({"grid": _("The grid belongs to another community.")})


class Household(TimeStampedModel):
    """A household (户) living in a grid, in a building or at an address."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    grid = models.ForeignKey(
        Grid, on_delete=models.PROTECT, related_name="households", verbose_name=_("grid")
    )
    building = models.ForeignKey(
        Building,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="households",
        verbose_name=_("building"),
    )
    number = models.CharField(
        _("household number"), max_length=30, help_text=_("Unique in the community.")
    )
    room = models.CharField(_("room"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    head_name = models.CharField(_("head of household"), max_length=60)
    phone = models.CharField(
        _("contact phone"), max_length=11, blank=True, validators=[mobile_phone_validator]
    )
    phone_mask = models.CharField(_("masked phone"), max_length=11, blank=True, editable=False)
    is_rental = models.BooleanField(_("rented"), default=False)
    notes = models.TextField(_("notes"), blank=True)

    objects = GridScopedQuerySet.as_manager()

    class Meta:
        ordering = ["grid", "number"]
        verbose_name = _("household")
        verbose_name_plural = _("households")
        constraints = [
            models.UniqueConstraint(
                fields=["community", "number"], name="household_number_per_community"
            )
        ]
        indexes = [
            # varchar_pattern_ops: a LIKE 'prefix%' search uses the index whatever the
            # database collation (PostgreSQL; other databases ignore the operator class).
            models.Index(
                fields=["head_name"],
                name="household_head_name",
                opclasses=["varchar_pattern_ops"],
            ),
            models.Index(fields=["phone_mask"], name="household_phone_mask"),
        ]

    def __str__(self):
        return f"{self.number} {self.head_name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.phone_mask = mask_phone(self.phone)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "phone" in update_fields:
            kwargs["update_fields"] = {*update_fields, "phone_mask"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("grids:household_detail", args=[self.pk])

    def clean(self):
        if self.grid_id and self.community_id and self.grid.community_id != self.community_id:
            raise ValidationError({"grid": _("The grid belongs to another community.")})
        if self.building_id and self.grid_id and self.building.grid_id != self.grid_id:
            raise ValidationError({"building": _("The building is in another grid.")})


class KeyPersonTagQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        # The built-in tags (no community) are shared by every community.
        return super().visible_to(user) | self.filter(community__isnull=True)

    def role_condition(self, user, scope):
        return Q(community_id__in=scope.member_community_ids)


class KeyPersonTag(TimeStampedModel):
    """A key-person tag (重点人群): the built-in ones, or one staff defined for their community."""

    community = models.ForeignKey(
        Community,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("community"),
        help_text=_("Empty for the built-in tags every community uses."),
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=60)

    objects = KeyPersonTagQuerySet.as_manager()

    class Meta:
        ordering = ["community", "name"]
        verbose_name = _("key-person tag")
        verbose_name_plural = _("key-person tags")
        constraints = [
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(community__isnull=True),
                name="tag_code_builtin",
                violation_error_message=_("A built-in tag with this code already exists."),
            ),
            models.UniqueConstraint(
                fields=["community", "code"],
                condition=Q(community__isnull=False),
                name="tag_code_per_community",
                violation_error_message=_("This community already has a tag with this code."),
            ),
        ]

    def __str__(self):
        return self.name


class ResidentQuerySet(GridScopedQuerySet):
    grid_path = "household__grid"


class Resident(TimeStampedModel):
    """A resident (居民) of a household. ID number and phone are shown masked."""

    class Gender(models.TextChoices):
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")

    class Relation(models.TextChoices):
        HEAD = "head", _("Head of household")
        SPOUSE = "spouse", _("Spouse")
        CHILD = "child", _("Child")
        PARENT = "parent", _("Parent")
        GRANDCHILD = "grandchild", _("Grandchild")
        SIBLING = "sibling", _("Sibling")
        TENANT = "tenant", _("Tenant")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        LIVING = "living", _("Living here")
        MOVED_OUT = "moved_out", _("Moved out")
        DECEASED = "deceased", _("Deceased")

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="residents", verbose_name=_("household")
    )
    name = models.CharField(_("name"), max_length=60)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    id_number = models.CharField(
        _("ID number"), max_length=18, blank=True, validators=[validate_id_number]
    )
    phone = models.CharField(
        _("phone"), max_length=11, blank=True, validators=[mobile_phone_validator]
    )
    phone_mask = models.CharField(_("masked phone"), max_length=11, blank=True, editable=False)
    relation = models.CharField(
        _("relation to head of household"),
        max_length=20,
        choices=Relation.choices,
        default=Relation.OTHER,
    )
    moved_in_on = models.DateField(_("moved in on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.LIVING
    )
    tags: "models.ManyToManyField[KeyPersonTag, ResidentTag]" = models.ManyToManyField(
        KeyPersonTag,
        blank=True,
        related_name="residents",
        verbose_name=_("key-person tags"),
        through="ResidentTag",
    )

    objects = ResidentQuerySet.as_manager()

    class Meta:
        ordering = ["household", "id"]
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        constraints = [
            models.UniqueConstraint(
                fields=["community", "id_number"],
                condition=~Q(id_number=""),
                name="resident_id_number_per_community",
                violation_error_message=_(
                    "A resident with this ID number is already registered in this community."
                ),
            )
        ]
        indexes = [
            models.Index(fields=["name"], name="resident_name", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["phone_mask"], name="resident_phone_mask"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.id_number = (self.id_number or "").strip().upper()
        self.phone_mask = mask_phone(self.phone)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "phone" in update_fields:
            kwargs["update_fields"] = {*update_fields, "phone_mask"}
        super().save(*args, **kwargs)

    def clean(self):
        if self.id_number and self.birth_date:
            number = self.id_number.strip().upper()
            if number[6:14] != self.birth_date.strftime("%Y%m%d"):
                raise ValidationError(
                    {"birth_date": _("The birth date does not match the ID number.")}
                )
        if (
            self.household_id
            and self.community_id
            and self.household.community_id != self.community_id
        ):
            raise ValidationError({"household": _("The household is in another community.")})


class ResidentTag(models.Model):
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, verbose_name=_("resident"))
    tag = models.ForeignKey(KeyPersonTag, on_delete=models.PROTECT, verbose_name=_("tag"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("key-person tag of a resident")
        verbose_name_plural = _("key-person tags of residents")
        constraints = [
            models.UniqueConstraint(fields=["resident", "tag"], name="resident_tag_once")
        ]

    def __str__(self):
        return f"{self.resident} · {self.tag}"


class KeyPlace(Located, TimeStampedModel):
    """A key place (重点场所) of a grid: rental, shop, construction site or other."""

    class Kind(models.TextChoices):
        RENTAL = "rental", _("Rental housing")
        SHOP = "shop", _("Shop")
        CONSTRUCTION = "construction", _("Construction site")
        OTHER = "other", _("Other")

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    grid = models.ForeignKey(
        Grid, on_delete=models.PROTECT, related_name="key_places", verbose_name=_("grid")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=60, blank=True)
    contact_phone = models.CharField(
        _("contact phone"), max_length=11, blank=True, validators=[mobile_phone_validator]
    )
    notes = models.TextField(_("notes"), blank=True)

    objects = GridScopedQuerySet.as_manager()

    class Meta:
        ordering = ["grid", "kind", "name"]
        verbose_name = _("key place")
        verbose_name_plural = _("key places")

    def __str__(self):
        return self.name


class ChangeLogEntryQuerySet(GridScopedQuerySet):
    pass


class ChangeLogEntry(models.Model):
    """A dynamic change (动态清): written by the services when households, residents or tags
    change; never edited."""

    class Kind(models.TextChoices):
        MOVE_IN = "move_in", _("Moved in")
        MOVE_OUT = "move_out", _("Moved out")
        BIRTH = "birth", _("Birth")
        DEATH = "death", _("Death")
        TAG_ADDED = "tag_added", _("Tag added")
        TAG_REMOVED = "tag_removed", _("Tag removed")

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    grid = models.ForeignKey(
        Grid, on_delete=models.PROTECT, related_name="changes", verbose_name=_("grid")
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="changes", verbose_name=_("household")
    )
    resident = models.ForeignKey(
        Resident,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="changes",
        verbose_name=_("resident"),
    )
    kind = models.CharField(_("change"), max_length=20, choices=Kind.choices)
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    occurred_on = models.DateField(_("date of the change"), default=datetime.date.today)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True, db_index=True)

    objects = ChangeLogEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("dynamic change")
        verbose_name_plural = _("dynamic changes")

    def __str__(self):
        return f"{self.get_kind_display()} · {self.resident or self.household}"
