"""Resident units' contact persons (hive.personal_data.registry)."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hive.personal_data import mask_phone
from hive.personal_data.registry import PersonalData, PersonalField, declare
from hive.personal_data.retention import ANONYMISE, RetentionRule


def _inactive(cutoff) -> Q:
    return Q(is_active=False)


def _contact_left() -> Q:
    return ~Q(contact_name="") | ~Q(contact_phone="")


declare(
    PersonalData(
        "partycommittee.ResidentUnit",
        fields={
            "contact_name": PersonalField(erase=""),
            "contact_phone": PersonalField(mask_phone, erase=""),
        },
        exported=("name",),
        by_phone="contact_phone",
        retention=RetentionRule(
            key="partycommittee.unit_contact",
            label=_("Contact persons of units no longer active"),
            age_field="updated_at",
            days_setting="HIVE_UNIT_CONTACT_RETENTION_DAYS",
            action=ANONYMISE,
            condition=_inactive,
            pending=_contact_left,
        ),
    ),
)
