"""The mediation room's part of the admin home (hive.workbench): newly registered cases
to accept, and where the mediation models sit."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from disputes.models import Consultation, DisputeCase, MediationRoom, Mediator, PartnerInstitution
from hive import workbench

workbench.register(
    workbench.counting_tray(
        name="disputes.cases",
        order=20,
        model=DisputeCase,
        counted=[
            workbench.Counted(
                "cases_to_accept",
                _("Dispute cases to accept"),
                Q(status=DisputeCase.Status.REGISTERED),
                {"status__exact": DisputeCase.Status.REGISTERED},
            )
        ],
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
