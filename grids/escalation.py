"""The extension point between six-small incidents and the mediation room (disputes app).

A small dispute may be escalated to the mediation room once the disputes app provides
`disputes.services.dispute_case_from_incident(*, incident, actor, note)`, which creates a
dispute case linked to the incident (the case keeps the link; the incident's timeline
records the escalation). Until that function exists, the transition is not offered and
the service refuses it. No setting: the presence of the function is the switch.
"""

from importlib import import_module

SERVICE_MODULE = "disputes.services"
SERVICE_NAME = "dispute_case_from_incident"


def dispute_service():
    """The disputes app's escalation service, or None while it does not exist."""
    try:
        module = import_module(SERVICE_MODULE)
    except ImportError:
        return None
    service = getattr(module, SERVICE_NAME, None)
    return service if callable(service) else None
