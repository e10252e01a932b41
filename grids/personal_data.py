"""Residents', households' and key places' personal data (hive.personal_data.registry),
and who may see residents' full ID numbers and phones (every reveal is logged).

Retention: rows stay (the change log and the grid statistics refer to them); the personal
fields are replaced. A resident's birth date keeps its year, so age statistics still add up.
"""

from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import TruncYear
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hive.access.authorization import NotAuthorized, administers
from hive.personal_data import ERASED, mask_id_number, mask_name, mask_phone, personal_data_reveal
from hive.personal_data.registry import (
    PersonalData,
    PersonalField,
    declare,
    declared,
)
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


# A resident's report (随手拍) is over: the contact details go after the retention period.
REPORT_FINISHED = ("closed", "closed_not_fixed", "rejected", "duplicate")


def _report_finished(cutoff) -> Q:
    return Q(incident__status__in=REPORT_FINISHED)


def _report_contact_left() -> Q:
    return ~Q(contact_name=ERASED) | ~Q(contact_phone="")


def _grid_of(obj):
    from grids.models import Household, KeyPlace, Resident

    if isinstance(obj, Resident):
        return obj.household.grid
    if isinstance(obj, Household | KeyPlace):
        return obj.grid
    return None


def revealable_fields(user, obj) -> list[str]:
    """Staff need full ID numbers and phones; a grid member needs the phones of their
    own grid's people (to call them), never the ID numbers."""
    from grids.services import works_in_grid

    fields = [name for name in declared(obj).masks if getattr(obj, name)]
    if administers(user, obj.community_id):
        return fields
    grid = _grid_of(obj)
    if grid is not None and works_in_grid(user, grid):
        return [name for name in fields if name != "id_number"]
    return []


def reveal(*, viewer, obj, fields: list[str], purpose: str = "") -> dict[str, str]:
    """Full values of `fields`, logged; NotAuthorized for a field the role does not need.

    Authorization: checked here (revealable_fields).
    """
    allowed = revealable_fields(viewer, obj)
    refused = [name for name in fields if name not in allowed]
    if refused or not fields:
        raise NotAuthorized(_("Your role does not need these details."))
    return personal_data_reveal(viewer=viewer, obj=obj, fields=fields, purpose=purpose)


declare(
    PersonalData(
        "grids.Resident",
        fields={
            "name": PersonalField(erase=ERASED),
            "birth_date": PersonalField(erase=TruncYear("birth_date")),
            "id_number": PersonalField(mask_id_number, erase=""),
            "phone": PersonalField(mask_phone, erase=""),
            "phone_mask": PersonalField(erase="", derived=True),
        },
        audited=("gender", "status"),
        exported=("household_id",),
        by_id_number="id_number",
        by_phone="phone",
        reveal=reveal,
        retention=RetentionRule(
            key="grids.resident",
            label=gettext_lazy("Residents who moved out or died"),
            # Last changed (the move-out or death is recorded as a change) before the period.
            age_field="updated_at",
            days_setting="HIVE_RESIDENT_RETENTION_DAYS",
            action=ANONYMISE,
            condition=_gone,
            pending=_resident_left,
        ),
    ),
    PersonalData(
        "grids.Household",
        fields={
            "head_name": PersonalField(erase=ERASED),
            "phone": PersonalField(mask_phone, erase=""),
            "phone_mask": PersonalField(erase="", derived=True),
            "address": PersonalField(),
            "notes": PersonalField(erase=""),
        },
        audited=("room",),
        exported=("number",),
        by_phone="phone",
        reveal=reveal,
        retention=RetentionRule(
            key="grids.household",
            label=gettext_lazy("Households nobody lives in any more"),
            age_field="updated_at",
            days_setting="HIVE_RESIDENT_RETENTION_DAYS",
            action=ANONYMISE,
            condition=_nobody_living,
            pending=_household_left,
        ),
    ),
    PersonalData(
        "grids.KeyPlace",
        fields={"contact_name": PersonalField(), "contact_phone": PersonalField(mask_phone)},
        reveal=reveal,
    ),
    PersonalData(
        "grids.ResidentReport",
        fields={
            "contact_name": PersonalField(mask_name, erase=ERASED),
            "contact_phone": PersonalField(mask_phone, erase=""),
        },
        exported=("tracking_code", "incident_id"),
        by_phone="contact_phone",
        # The notice on the report form promises: kept until the report is closed, then
        # HIVE_REPORT_RETENTION_DAYS (two years). The incident stays in the ledger.
        retention=RetentionRule(
            key="grids.resident_report_contact",
            label=gettext_lazy("Residents' contact details on their finished incident reports"),
            age_field="updated_at",
            days_setting="HIVE_REPORT_RETENTION_DAYS",
            action=ANONYMISE,
            condition=_report_finished,
            pending=_report_contact_left,
        ),
    ),
)
