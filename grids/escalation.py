"""Between six-small incidents and the mediation room (the disputes app).

A small dispute goes to the mediation room as a dispute case registered by
`disputes.services.case_register_from_incident` (the case keeps a generic link to the
incident; the incident reaches its case through `incident_case`). The room's outcome comes
back through the disputes app's signals: a closed case resolves the incident, a withdrawn
case closes it unfixed. Without the disputes app installed, escalation is not offered.
"""

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext as _


def mediation_available() -> bool:
    return apps.is_installed("disputes")


def open_case(*, incident, actor, room, kind: str, parties, note: str = ""):
    """Register the dispute case for `incident` (the disputes app checks every field)."""
    from disputes.services import case_register_from_incident

    facts = incident.description
    if note.strip():
        facts = f"{facts}\n\n{note.strip()}"
    return case_register_from_incident(
        incident=incident,
        room=room,
        kind=kind,
        parties=parties,
        actor=actor,
        title=_("Six-small report #%(id)s: %(location)s")
        % {"id": incident.pk, "location": incident.location},
        facts=facts,
    )


def incident_case(incident):
    """The dispute case an incident was escalated to, or None."""
    if not mediation_available():
        return None
    from disputes.models import DisputeCase

    return (
        DisputeCase.objects.filter(
            source_type=ContentType.objects.get_for_model(incident), source_id=incident.pk
        )
        .select_related("room")
        .first()
    )


def _incident_of(case):
    from grids.models import Incident

    if case.source_type_id != ContentType.objects.get_for_model(Incident).pk:
        return None
    return Incident.objects.filter(pk=case.source_id).first()


def on_case_closed(sender, case, actor, **kwargs):
    """disputes.signals.case_closed: the mediation room finished; the incident is resolved."""
    from grids.services import incident_return_from_mediation

    incident = _incident_of(case)
    if incident is not None:
        incident_return_from_mediation(incident=incident, case=case, actor=actor, withdrawn=False)


def on_case_withdrawn(sender, case, actor, **kwargs):
    """disputes.signals.case_withdrawn: the applicant dropped it; closed, not fixed."""
    from grids.services import incident_return_from_mediation

    incident = _incident_of(case)
    if incident is not None:
        incident_return_from_mediation(incident=incident, case=case, actor=actor, withdrawn=True)


def connect() -> None:
    if not mediation_available():
        return
    from disputes.signals import case_closed, case_withdrawn

    case_closed.connect(on_case_closed, dispatch_uid="grids.escalation.case_closed")
    case_withdrawn.connect(on_case_withdrawn, dispatch_uid="grids.escalation.case_withdrawn")
