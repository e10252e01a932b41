"""Retention of dispute parties' personal data (see hive.personal_data.retention).

The case, its sessions and agreement stay in the mediation ledger (调解台账) and the
statistics; the parties' names, phones and addresses are replaced.
"""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hive.personal_data import ERASED
from hive.personal_data.retention import ANONYMISE, RetentionRule


def _case_finished(cutoff) -> Q:
    return Q(case__status__in=("closed", "withdrawn"), case__updated_at__lt=cutoff)


def _party_left() -> Q:
    return ~Q(name=ERASED)


RULES = [
    RetentionRule(
        key="disputes.case_party",
        label=_("Parties of closed or withdrawn dispute cases"),
        model="disputes.CaseParty",
        age_field="updated_at",
        days_setting="HIVE_DISPUTE_PARTY_RETENTION_DAYS",
        action=ANONYMISE,
        replacements=(("name", ERASED), ("phone", ""), ("address", "")),
        condition=_case_finished,
        pending=_party_left,
    ),
]
