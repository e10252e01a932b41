"""The contact details sent with Open311 reports (hive.personal_data.registry).

Retention: the report stays (its incident, the description as sent, the public answer);
the phone, email, device id and account id are cleared once the incident has been closed
for the period. A reopened incident is open again, so its contacts are kept while it is.
"""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hive.personal_data import mask_phone
from hive.personal_data.registry import PersonalData, PersonalField, declare
from hive.personal_data.retention import ANONYMISE, RetentionRule

CONTACTS = ("phone", "email", "device_id", "account_id")


def _closed_before(cutoff) -> Q:
    from grids.models import Incident

    return ~Q(incident__status__in=Incident.OPEN_STATES) & Q(incident__updated_at__lt=cutoff)


def _contact_left() -> Q:
    condition = Q()
    for name in CONTACTS:
        condition |= ~Q(**{name: ""})
    return condition


declare(
    PersonalData(
        "open311.ServiceRequest",
        fields={
            name: PersonalField(mask_phone if name == "phone" else None, erase="")
            for name in CONTACTS
        },
        # The report stays (its incident is the community's); only the contacts go.
        exported=(
            "incident_id",
            "service_code",
            "description",
            "address_string",
            "created_at",
        ),
        by_phone="phone",
        retention=RetentionRule(
            key="open311.request_contact",
            label=_("Contact details sent with Open311 reports closed long ago"),
            age_field="created_at",
            days_setting="HIVE_OPEN311_CONTACT_RETENTION_DAYS",
            action=ANONYMISE,
            condition=_closed_before,
            pending=_contact_left,
        ),
    ),
)
