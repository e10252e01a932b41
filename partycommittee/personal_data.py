"""Resident units' contact persons (hive.personal_data.registry)."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hive.personal_data import ERASED, mask_name, mask_phone
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


def _public_nomination(cutoff) -> Q:
    # Voting closed before the cutoff: the objection period is long over.
    return Q(nominated_by__isnull=True, campaign__voting_end__lt=cutoff)


def _nominator_left() -> Q:
    return ~Q(nominator_name=ERASED) | ~Q(nominator_phone="")


declare(
    PersonalData(
        "partycommittee.Nomination",
        fields={
            "nominator_name": PersonalField(mask_name, erase=ERASED),
            "nominator_phone": PersonalField(mask_phone, erase=""),
        },
        exported=("nominee_name",),
        by_phone="nominator_phone",
        retention=RetentionRule(
            key="partycommittee.public_nominator",
            label=_("Residents who nominated through the public form"),
            age_field="created_at",
            days_setting="HIVE_NOMINATOR_RETENTION_DAYS",
            action=ANONYMISE,
            condition=_public_nomination,
            pending=_nominator_left,
        ),
    ),
)


def _objection_closed(cutoff) -> Q:
    return Q(campaign__voting_end__lt=cutoff)


def _objector_left() -> Q:
    return ~Q(name=ERASED) | ~Q(phone="")


declare(
    PersonalData(
        "partycommittee.Objection",
        fields={
            "name": PersonalField(mask_name, erase=ERASED),
            "phone": PersonalField(mask_phone, erase=""),
        },
        exported=("reason",),
        by_phone="phone",
        retention=RetentionRule(
            key="partycommittee.objector",
            label=_("Residents who objected to announced results"),
            age_field="created_at",
            days_setting="HIVE_NOMINATOR_RETENTION_DAYS",
            action=ANONYMISE,
            condition=_objection_closed,
            pending=_objector_left,
        ),
    ),
)
