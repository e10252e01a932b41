from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartyCommitteeConfig(AppConfig):
    name = "partycommittee"
    verbose_name = _("Bee colony: joint party building")

    def ready(self):
        from hive.portal import PortalLink, register
        from hive.roles import Role

        reps = frozenset({Role.UNIT_REP})
        register(
            PortalLink(
                _("Our unit"),
                "partycommittee:unit_home",
                reps,
                _("The unit's profile and party organisation."),
            )
        )
        register(
            PortalLink(
                _("Our resources"),
                "partycommittee:resource_list",
                reps,
                _("Venues, funds, people, skills and equipment we offer."),
            )
        )
        register(
            PortalLink(
                _("Our responsibilities"),
                "partycommittee:responsibility_list",
                reps,
                _("What we took on, by when; report progress here."),
            )
        )
        register(
            PortalLink(
                _("Projects and meetings"),
                "partycommittee:project_list",
                reps,
                _("Co-construction projects and joint meetings we take part in."),
            )
        )
