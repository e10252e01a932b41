"""Where the Open311 models sit on the admin home (hive.workbench)."""

from django.utils.translation import gettext_lazy as _

from hive import workbench
from open311.models import PartnerKey, Service, ServiceAttribute, ServiceRequest

workbench.group(
    workbench.Group(
        "open311",
        _("Reports from partner systems (Open311)"),
        order=80,
        models=(ServiceRequest, Service, ServiceAttribute, PartnerKey),
    )
)
