"""Consent to a personal-data notice: which notice, which version, when, through what.

Every place where the public hands in personal data records one ConsentRecord in the
same transaction as the data. The notice's version is a setting shown on the form
(HIVE_WISH_NOTICE_VERSION for the micro-wish form): change the text, raise the version.
"""

from datetime import datetime
from typing import TYPE_CHECKING

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.utils import timezone
from django.utils.crypto import salted_hmac

from hive.personal_data import mask_phone

if TYPE_CHECKING:
    from hive.models import Community, ConsentRecord

WISH_NOTICE = "micro_wish"
# A resident's own report of a six-small incident (grids, 随手拍).
RESIDENT_REPORT_NOTICE = "resident_report"


def subject_digest(phone: str) -> str:
    """A keyed digest of a phone number: finds a person's records without storing the
    number (an unkeyed hash of an 11-digit number is reversed by trying them all).
    Keyed with SECRET_KEY: after a key change, older records are found only while the
    old key is in SECRET_KEY_FALLBACKS."""
    return salted_hmac("hive.personal_data.consent.subject", phone.strip()).hexdigest()


def consent_record(
    *,
    notice: str,
    notice_version: str,
    channel: str,
    phone: str,
    obj: Model | None = None,
    community: "Community | None" = None,
    accepted_at: datetime | None = None,
) -> "ConsentRecord":
    from hive.models import ConsentRecord

    return ConsentRecord.objects.create(
        community=community,
        notice=notice,
        notice_version=notice_version,
        channel=channel,
        subject_digest=subject_digest(phone),
        subject_hint=mask_phone(phone),
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=obj.pk if obj is not None else None,
        accepted_at=accepted_at or timezone.now(),
    )
