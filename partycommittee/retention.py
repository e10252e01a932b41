"""Retention of resident units' contact persons (see hive.personal_data.retention)."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hive.personal_data.retention import ANONYMISE, RetentionRule


def _inactive(cutoff) -> Q:
    return Q(is_active=False)


def _contact_left() -> Q:
    return ~Q(contact_name="") | ~Q(contact_phone="")


RULES = [
    RetentionRule(
        key="partycommittee.unit_contact",
        label=_("Contact persons of units no longer active"),
        model="partycommittee.ResidentUnit",
        age_field="updated_at",
        days_setting="HIVE_UNIT_CONTACT_RETENTION_DAYS",
        action=ANONYMISE,
        replacements=(("contact_name", ""), ("contact_phone", "")),
        condition=_inactive,
        pending=_contact_left,
    ),
]
