"""Dispute parties' and partner institutions' personal data (hive.personal_data.registry).

Retention: the case, its sessions and agreement stay in the mediation ledger (调解台账)
and the statistics; the parties' names, phones and addresses are replaced.
"""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hive.personal_data import ERASED, mask_address, mask_name, mask_phone
from hive.personal_data.registry import PersonalData, PersonalField, declare
from hive.personal_data.retention import ANONYMISE, RetentionRule


def _case_finished(cutoff) -> Q:
    return Q(case__status__in=("closed", "withdrawn"), case__updated_at__lt=cutoff)


def _party_left() -> Q:
    return ~Q(name=ERASED)


declare(
    PersonalData(
        "disputes.CaseParty",
        fields={
            "name": PersonalField(mask_name, erase=ERASED),
            "phone": PersonalField(mask_phone, erase=""),
            "address": PersonalField(mask_address, erase=""),
        },
        audited=("role",),
        exported=("case_id",),
        by_phone="phone",
        retention=RetentionRule(
            key="disputes.case_party",
            label=_("Parties of closed or withdrawn dispute cases"),
            age_field="updated_at",
            days_setting="HIVE_DISPUTE_PARTY_RETENTION_DAYS",
            action=ANONYMISE,
            condition=_case_finished,
            pending=_party_left,
        ),
    ),
    PersonalData(
        "disputes.PartnerInstitution",
        fields={"contact_name": PersonalField(), "contact_phone": PersonalField(mask_phone)},
    ),
)
