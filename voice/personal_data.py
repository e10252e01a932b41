"""The contact a resident may leave with a suggestion or a demand
(hive.personal_data.registry)."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hive.personal_data import ERASED, mask_name, mask_phone
from hive.personal_data.registry import PersonalData, PersonalField, declare
from hive.personal_data.retention import ANONYMISE, RetentionRule


def _contact_left() -> Q:
    return (~Q(resident_name="") & ~Q(resident_name=ERASED)) | ~Q(resident_phone="")


def _answered(cutoff) -> Q:
    return Q(status="answered")


def _handled(cutoff) -> Q:
    return Q(status__in=["accepted", "declined"])


CONTACT = {
    "resident_name": PersonalField(mask_name, erase=ERASED),
    "resident_phone": PersonalField(mask_phone, erase=""),
}

declare(
    PersonalData(
        "voice.Suggestion",
        fields=CONTACT,
        exported=("tracking_code", "topic", "text", "status"),
        by_phone="resident_phone",
        # The notice on the form promises: kept until answered, then one year.
        retention=RetentionRule(
            key="voice.suggestion_contact",
            label=_("Residents' contact details on answered suggestions"),
            age_field="updated_at",
            days_setting="HIVE_VOICE_RETENTION_DAYS",
            action=ANONYMISE,
            condition=_answered,
            pending=_contact_left,
        ),
    ),
    PersonalData(
        "voice.Submission",
        fields=CONTACT,
        exported=("tracking_code", "text", "status"),
        by_phone="resident_phone",
        retention=RetentionRule(
            key="voice.submission_contact",
            label=_("Residents' contact details on handled demand submissions"),
            age_field="updated_at",
            days_setting="HIVE_VOICE_RETENTION_DAYS",
            action=ANONYMISE,
            condition=_handled,
            pending=_contact_left,
        ),
    ),
)
