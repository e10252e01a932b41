"""Retention of micro-wish contact details (see hive.personal_data.retention)."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hive.personal_data import ERASED
from hive.personal_data.retention import ANONYMISE, RetentionRule

CLOSED = ("confirmed", "rejected", "withdrawn")


def _closed(cutoff) -> Q:
    return Q(status__in=CLOSED)


def _contact_left() -> Q:
    return ~Q(resident_name=ERASED) | ~Q(resident_phone="")


RULES = [
    # The notice on the wish form promises: kept until the wish is closed, then two years.
    # The wish stays in the ledger and the statistics.
    RetentionRule(
        key="volunteers.wish_contact",
        label=_("Residents' contact details on closed micro-wishes"),
        model="volunteers.MicroWish",
        age_field="updated_at",
        days_setting="HIVE_WISH_RETENTION_DAYS",
        action=ANONYMISE,
        replacements=(("resident_name", ERASED), ("resident_phone", ""), ("address", ERASED)),
        condition=_closed,
        pending=_contact_left,
    ),
]
