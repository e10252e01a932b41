from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GridsConfig(AppConfig):
    name = "grids"
    verbose_name = _("Bee lattice: grid governance")

    def ready(self):
        from grids import escalation
        from hive.access.roles import Role, grant_to_staff
        from hive.queue import schedules
        from hive.ui import portal

        grant_to_staff("grids.*")
        escalation.connect()
        from django.db.models.signals import post_delete, post_save, pre_save

        from grids.services.incidents import time_limits_changed

        for name, signal in (("pre", pre_save), ("save", post_save), ("delete", post_delete)):
            signal.connect(
                time_limits_changed,
                sender="grids.IncidentTimeLimit",
                dispatch_uid=f"grids.time_limits.{name}",
            )

        grid_member = frozenset({Role.GRID_MEMBER})
        for label, url_name, description in [
            (_("My grid"), "grids:my_grid", _("Your grid at a glance: households, key places.")),
            (
                _("Households and residents"),
                "grids:household_list",
                _("Search by name or phone; log visits and changes."),
            ),
            (_("Key persons"), "grids:key_person_list", _("Elderly living alone, disabled …")),
            (
                _("Report an incident"),
                "grids:incident_create",
                _("A six-small report with photos from the camera."),
            ),
            (_("My incidents"), "grids:incident_list", _("Reports you made or must handle.")),
            (_("My visits"), "grids:visit_list", _("The visits you logged, newest first.")),
            (_("My tasks"), "grids:task_list", _("Grid tasks with their deadlines.")),
            (_("Sweeps"), "grids:sweep_list", _("Scheduled inspections of key places.")),
        ]:
            portal.register(
                portal.PortalLink(
                    label=label, url_name=url_name, roles=grid_member, description=description
                )
            )
        portal.register(
            portal.PortalLink(
                label=_("Our unit's incidents"),
                url_name="grids:incident_list",
                roles=frozenset({Role.UNIT_REP}),
                description=_("Six-small reports the community assigned to your unit."),
            )
        )
        schedules.register(
            schedules.PeriodicTaskSpec(
                name=_("Flag six-small incidents past their deadline"),
                task="grids.flag_overdue_incidents",
                minute="*/15",
            )
        )
