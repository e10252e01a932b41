"""Retention of residents' and households' personal data (see hive.personal_data.retention).

Rows stay (the change log and the grid statistics refer to them); the personal fields
are replaced. A resident's birth date keeps its year, so age statistics still add up.
"""

from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import TruncYear
from django.utils.translation import gettext_lazy as _

from hive.personal_data import ERASED
from hive.personal_data.retention import ANONYMISE, RetentionRule

GONE = ("moved_out", "deceased")


def _gone(cutoff) -> Q:
    return Q(status__in=GONE)


def _resident_left() -> Q:
    return ~Q(name=ERASED)


def _nobody_living(cutoff) -> Q:
    from grids.models import Resident

    living = Resident.objects.filter(household=OuterRef("pk")).exclude(status__in=GONE)
    return ~Q(Exists(living))


def _household_left() -> Q:
    return ~Q(head_name=ERASED)


RULES = [
    RetentionRule(
        key="grids.resident",
        label=_("Residents who moved out or died"),
        model="grids.Resident",
        # Last changed (the move-out or death is recorded as a change) before the period.
        age_field="updated_at",
        days_setting="HIVE_RESIDENT_RETENTION_DAYS",
        action=ANONYMISE,
        replacements=(
            ("name", ERASED),
            ("id_number", ""),
            ("phone", ""),
            ("phone_mask", ""),
            ("birth_date", TruncYear("birth_date")),
        ),
        condition=_gone,
        pending=_resident_left,
    ),
    RetentionRule(
        key="grids.household",
        label=_("Households nobody lives in any more"),
        model="grids.Household",
        age_field="updated_at",
        days_setting="HIVE_RESIDENT_RETENTION_DAYS",
        action=ANONYMISE,
        replacements=(("head_name", ERASED), ("phone", ""), ("phone_mask", ""), ("notes", "")),
        condition=_nobody_living,
        pending=_household_left,
    ),
]
