"""The results ledger as a spreadsheet: tablib (what django-import-export writes .xlsx
with) straight from the rows, because the columns follow dotted paths and a period
label, not model fields."""

import tablib
from django.utils.translation import gettext_lazy as _

from partycommittee.evaluations.models import UnitResult

COLUMNS = [
    ("round__community__name", _("community")),
    ("period", _("period")),
    ("unit__name", _("unit")),
    ("rank", _("rank")),
    ("score", _("weighted score")),
    ("community_score", _("score from the community")),
    ("peer_score", _("score from peers")),
    ("community_communication", _("community: two-way communication")),
    ("community_service", _("community: two-way service")),
    ("community_overall", _("community: overall assessment")),
    ("peer_communication", _("peers: two-way communication")),
    ("peer_service", _("peers: two-way service")),
    ("peer_overall", _("peers: overall assessment")),
    ("peer_sheet_count", _("peer sheets received")),
    ("completion_rate", _("completion rate (%)")),
    ("done_count", _("items submitted")),
    ("owed_count", _("items owed")),
    ("previous_score", _("previous round's score")),
    ("change", _("change since the previous round")),
]


def _value(result: UnitResult, path: str):
    if path == "period":
        return str(result.round.period_label)
    value = result
    for name in path.split("__"):
        value = getattr(value, name)
        if value is None:
            return ""
    return value


def results_dataset(results) -> tablib.Dataset:
    """One row per unit result; `results` should select_related round__community, unit."""
    dataset = tablib.Dataset(headers=[str(label) for _path, label in COLUMNS])
    for result in results:
        dataset.append([_value(result, path) for path, _label in COLUMNS])
    return dataset
