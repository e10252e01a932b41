"""The core's own personal data (hive.personal_data.registry); each feature app declares
its own in `<app>/personal_data.py`."""

from datetime import datetime

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hive.personal_data import mask_phone
from hive.personal_data.registry import PersonalData, PersonalField, declare
from hive.personal_data.retention import ANONYMISE, DELETE, RetentionRule


def _inactive_users(cutoff: datetime) -> Q:
    return Q(is_active=False) & (Q(last_login__isnull=True) | Q(last_login__lt=cutoff))


def _user_phone_left() -> Q:
    return ~Q(phone="")


declare(
    PersonalData(
        "hive.User",
        fields={
            "name": PersonalField(),
            "phone": PersonalField(mask_phone, erase=""),
            "email": PersonalField(),
        },
        audited=("is_active",),
        exported=("username",),
        by_phone="phone",
        retention=RetentionRule(
            key="hive.user_phone",
            label=_("Mobile numbers of deactivated users"),
            # Deactivated, created and last logged in (if ever) longer ago than the period.
            age_field="date_joined",
            days_setting="HIVE_USER_PHONE_RETENTION_DAYS",
            action=ANONYMISE,
            condition=_inactive_users,
            pending=_user_phone_left,
        ),
    ),
    # Who saw whose data names the record: kept for a period, then deleted.
    PersonalData(
        "hive.PersonalDataAccess",
        retention=RetentionRule(
            key="hive.personal_data_access",
            label=_("Log of who saw personal data"),
            age_field="created_at",
            days_setting="HIVE_ACCESS_LOG_RETENTION_DAYS",
            action=DELETE,
        ),
    ),
)
