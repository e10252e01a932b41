"""Resident units (驻区单位) and who represents them; rows with a `units` many-to-many
are scoped through them."""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from hive.access.roles import Role
from hive.access.scoping import NOTHING, ScopedQuerySet
from hive.models import Community, Located, TimeStampedModel


def units_represented_by(user: Any) -> QuerySet[Any, Any]:
    """Ids of the resident units `user` represents, as a subquery."""
    return ResidentUnit.representatives.through.objects.filter(user_id=user.pk).values(
        "residentunit_id"
    )


class ResidentUnitQuerySet(ScopedQuerySet):
    def role_condition(self, user, scope):
        if Role.UNIT_REP not in scope.roles:
            return NOTHING
        return Q(id__in=units_represented_by(user))

    def active(self):
        return self.filter(is_active=True)


class ResidentUnit(Located, TimeStampedModel):
    """A resident unit (驻区单位): an organisation located in the community."""

    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", _("Enterprise")
        BANK = "bank", _("Bank branch")
        COURT = "court", _("Court")
        POLICE = "police", _("Police branch")
        PROPERTY = "property", _("Property company")
        SCHOOL = "school", _("School")
        HOSPITAL = "hospital", _("Hospital")
        AGENCY = "agency", _("Government agency")
        SOCIAL = "social", _("Social organisation")
        OTHER = "other", _("Other")

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="units", verbose_name=_("community")
    )
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    address = models.CharField(_("address"), max_length=200, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=60, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    party_org_name = models.CharField(_("party organisation"), max_length=120, blank=True)
    party_org_head = models.CharField(_("party organisation head"), max_length=60, blank=True)
    party_member_count = models.PositiveIntegerField(_("number of party members"), default=0)
    joined_on = models.DateField(_("joined on"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    representatives = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="represented_units",
        verbose_name=_("representatives"),
        help_text=_("Portal users who act for this unit (unit-representative role)."),
    )

    objects = ResidentUnitQuerySet.as_manager()

    class Meta:
        ordering = ["community", "name"]
        verbose_name = _("resident unit")
        verbose_name_plural = _("resident units")
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="unit_name_per_community")
        ]

    def __str__(self):
        return self.name


class UnitParticipationQuerySet(ScopedQuerySet):
    """Rows with a `units` many-to-many: unit representatives see those of their units."""

    def role_condition(self, user, scope):
        if Role.UNIT_REP not in scope.roles:
            return NOTHING
        taking_part = self.model._default_manager.filter(units__in=units_represented_by(user))
        return Q(id__in=taking_part.values("id"))
