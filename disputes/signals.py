"""Hooks other apps connect to. Sent inside the service's transaction, once per case.

The way back to an escalated six-small incident: `disputes.services.case_close` sends
`case_closed(sender=DisputeCase, case=…, actor=…)`; `case.source_record` is the incident
(a generic reference, so this app never imports grids). The grids app connects a receiver
that resolves the incident when `case.source_type` is its incident model, e.g.::

    @receiver(case_closed)
    def resolve_escalated_incident(sender, case, actor, **kwargs):
        if case.source_type_id == ContentType.objects.get_for_model(Incident).pk:
            incident_resolve(incident=case.source_record, actor=actor, note=case.number)

A receiver that raises rolls the close back with it, so case and incident never disagree.
`case_withdrawn` is sent the same way when an applicant drops the case.
"""

from django.dispatch import Signal

case_closed = Signal()
case_withdrawn = Signal()
