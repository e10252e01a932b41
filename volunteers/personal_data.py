"""Micro-wish contact details (hive.personal_data.registry)."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hive.personal_data import ERASED, mask_address, mask_name, mask_phone
from hive.personal_data.registry import PersonalData, PersonalField, declare
from hive.personal_data.retention import ANONYMISE, RetentionRule

CLOSED = ("confirmed", "rejected", "withdrawn")


def _closed(cutoff) -> Q:
    return Q(status__in=CLOSED)


def _contact_left() -> Q:
    return ~Q(resident_name=ERASED) | ~Q(resident_phone="")


declare(
    PersonalData(
        "volunteers.MicroWish",
        fields={
            "resident_name": PersonalField(mask_name, erase=ERASED),
            "resident_phone": PersonalField(mask_phone, erase=""),
            "address": PersonalField(mask_address, erase=ERASED),
        },
        exported=("tracking_code", "title", "status"),
        by_phone="resident_phone",
        # The notice on the wish form promises: kept until the wish is closed, then two
        # years. The wish stays in the ledger and the statistics.
        retention=RetentionRule(
            key="volunteers.wish_contact",
            label=_("Residents' contact details on closed micro-wishes"),
            age_field="updated_at",
            days_setting="HIVE_WISH_RETENTION_DAYS",
            action=ANONYMISE,
            condition=_closed,
            pending=_contact_left,
        ),
    ),
)
