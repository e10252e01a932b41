"""The mediation room's part of the admin home (hive.workbench): newly registered cases
to accept, and where the mediation models sit."""

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from disputes.models import Consultation, DisputeCase, MediationRoom, Mediator, PartnerInstitution
from hive import workbench
from hive.dashboard import changelist_url


def _counts(user):
    return DisputeCase.objects.managed_by(user).aggregate(
        cases_to_accept=Count("pk", filter=Q(status=DisputeCase.Status.REGISTERED))
    )


workbench.register(
    workbench.Tray(
        name="disputes.cases",
        order=20,
        permission="disputes.view_disputecase",
        todos=(
            workbench.ToDo(
                "cases_to_accept",
                _("Dispute cases to accept"),
                lambda: changelist_url(
                    "disputes_disputecase", None, status__exact=DisputeCase.Status.REGISTERED
                ),
            ),
        ),
        counts=_counts,
    )
)

workbench.group(
    workbench.Group(
        "mediation",
        _("Mediation room"),
        order=25,
        models=(DisputeCase, Consultation, Mediator, MediationRoom, PartnerInstitution),
    )
)
