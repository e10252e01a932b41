"""The grids' part of the admin home (hive.workbench): incidents waiting for staff, and
where the grid models sit."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grids.models import (
    Building,
    ChangeLogEntry,
    Grid,
    GridTask,
    Household,
    Incident,
    IncidentTimeLimit,
    KeyPersonTag,
    KeyPlace,
    ReplyTemplate,
    Resident,
    Sweep,
    Visit,
)
from grids.selectors import overdue_q
from hive import workbench

Status = Incident.Status

workbench.register(
    workbench.counting_tray(
        name="grids.incidents",
        order=10,
        model=Incident,
        counted=[
            *(
                workbench.Counted(key, label, Q(status=status), {"status__exact": status})
                for key, status, label in [
                    ("accept", Status.REPORTED, _("Incidents to accept")),
                    ("assign", Status.ACCEPTED, _("Incidents to assign")),
                    ("verify", Status.RESOLVED, _("Incidents to verify")),
                    ("close", Status.VERIFIED, _("Incidents to close")),
                ]
            ),
            # Reports whose point lay in no grid wait in the community's holding grid.
            workbench.Counted(
                "unplaced",
                _("Reports not in any grid"),
                Q(grid__holds_unplaced=True, status__in=Incident.OPEN_STATES),
                {"unplaced": "yes"},
                urgent=True,
            ),
            # overdue_q reads the clock: called at each count.
            workbench.Counted(
                "overdue", _("Overdue incidents"), overdue_q, {"overdue": "yes"}, urgent=True
            ),
        ],
    )
)

workbench.group(
    workbench.Group(
        "incidents",
        _("Six-small incidents and grid work"),
        order=10,
        models=(Incident, Sweep, GridTask, ReplyTemplate, IncidentTimeLimit),
    )
)
workbench.group(
    workbench.Group(
        "ledgers",
        _("Grid ledgers"),
        order=20,
        models=(Household, Resident, Building, Grid, Visit, KeyPlace, KeyPersonTag, ChangeLogEntry),
    )
)
