from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "volunteers"
    verbose_name = _("Honey and bee heart: volunteer service")

    def ready(self):
        from hive import portal, schedules
        from hive.roles import Role

        party = frozenset({Role.PARTY_MEMBER})
        portal.register(
            portal.PortalLink(
                label=_("Wish wall"),
                url_name="volunteers:portal_wall",
                roles=party,
                description=_("Residents' micro-wishes waiting for a party member: claim one."),
            )
        )
        portal.register(
            portal.PortalLink(
                label=_("My claimed wishes"),
                url_name="volunteers:portal_mine",
                roles=party,
                description=_("Contact the resident, record what was done, add photos."),
            )
        )
        schedules.register(
            schedules.PeriodicTaskSpec(
                name=_("Flag micro-wishes nobody claimed"),
                task="volunteers.flag_stale_wishes",
                minute="0",
                hour="8",
            )
        )
        schedules.register(
            schedules.PeriodicTaskSpec(
                name=_("Remind party members of claimed micro-wishes"),
                task="volunteers.remind_wish_claimers",
                minute="30",
                hour="8",
            )
        )
