from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisputesConfig(AppConfig):
    name = "disputes"
    verbose_name = _("Bee sound: disputes resolved at the source")

    def ready(self):
        from hive.access.roles import Role, grant_to_staff
        from hive.queue import schedules
        from hive.ui import portal

        grant_to_staff("disputes.*")

        mediators = frozenset({Role.MEDIATOR})
        portal.register(
            portal.PortalLink(
                label=_("My cases"),
                url_name="disputes:portal_cases",
                roles=mediators,
                description=_("The disputes assigned to you: sessions, agreements, next steps."),
            )
        )
        portal.register(
            portal.PortalLink(
                label=_("Follow-ups due"),
                url_name="disputes:portal_followups",
                roles=mediators,
                description=_("Follow-up visits (回访) to make: is the agreement honoured?"),
            )
        )
        schedules.register(
            schedules.PeriodicTaskSpec(
                name=_("Remind mediators of follow-up visits due"),
                task="disputes.remind_due_followups",
                minute="0",
                hour="8",
            )
        )
        schedules.register(
            schedules.PeriodicTaskSpec(
                name=_("Flag mediation cases with no activity"),
                task="disputes.flag_stale_cases",
                minute="15",
                hour="8",
            )
        )
