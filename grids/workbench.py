"""The grids' part of the admin home (hive.workbench): incidents waiting for staff, and
where the grid models sit."""

from django.db.models import Count, Q
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
from hive.dashboard import changelist_url

Status = Incident.Status

# The steps that wait for staff, each with the list that shows its incidents.
_STEPS = [
    ("accept", Status.REPORTED, _("Incidents to accept")),
    ("assign", Status.ACCEPTED, _("Incidents to assign")),
    ("verify", Status.RESOLVED, _("Incidents to verify")),
    ("close", Status.VERIFIED, _("Incidents to close")),
]


def _status_url(status):
    return lambda: changelist_url("grids_incident", None, status__exact=status)


def _counts(user):
    return Incident.objects.managed_by(user).aggregate(
        **{key: Count("pk", filter=Q(status=status)) for key, status, _label in _STEPS},
        overdue=Count("pk", filter=overdue_q()),
    )


workbench.register(
    workbench.Tray(
        name="grids.incidents",
        order=10,
        permission="grids.view_incident",
        todos=(
            *(workbench.ToDo(key, label, _status_url(status)) for key, status, label in _STEPS),
            workbench.ToDo(
                "overdue",
                _("Overdue incidents"),
                lambda: changelist_url("grids_incident", None, overdue="yes"),
                urgent=True,
            ),
        ),
        counts=_counts,
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
