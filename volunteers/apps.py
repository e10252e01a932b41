from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "volunteers"
    verbose_name = _("Honey and bee heart: volunteer service")

    def ready(self):
        from hive.access.roles import STAFF_ROLES, Role, grant_to_staff
        from hive.ops.page_cache import refresh_on_change
        from hive.queue import schedules
        from hive.ui import portal
        from partycommittee.signals import meeting_points_requested
        from volunteers import receivers, signals
        from volunteers.models import MicroWish

        grant_to_staff("volunteers.*")

        # The public wish walls: a wish that is, or was when loaded, on a wall.
        refresh_on_change(MicroWish, shown=MicroWish.is_or_was_on_wall, uid="volunteers.wall")

        meeting_points_requested.connect(
            receivers.award_meeting_points, dispatch_uid="volunteers.award_meeting_points"
        )
        signals.wish_confirmed.connect(
            receivers.award_points_for_confirmed_wish,
            dispatch_uid="volunteers.award_points_for_confirmed_wish",
        )
        party = frozenset({Role.PARTY_MEMBER})
        portal.register(
            portal.PortalLink(
                label=_("Activities"),
                url_name="volunteers:activity_list",
                roles=party,
                description=_("Sign up for service and joint activities, or cancel."),
            )
        )
        portal.register(
            portal.PortalLink(
                label=_("My points and stars"),
                url_name="volunteers:my_points",
                roles=party,
                description=_("Your points ledger, stars over time, service hours."),
            )
        )
        portal.register(
            portal.PortalLink(
                label=_("Party members' leaderboard"),
                url_name="volunteers:leaderboard",
                roles=frozenset(STAFF_ROLES),
                description=_("This period's scores and stars of the community's party members."),
            )
        )
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
        schedules.register(
            schedules.PeriodicTaskSpec(
                name=_("Compute party members' star ratings"),
                task="volunteers.compute_star_ratings",
                minute="0",
                hour="2",
            )
        )
        schedules.register(
            schedules.PeriodicTaskSpec(
                name=_("Award points for joint-meeting attendance"),
                task="volunteers.award_meeting_points",
                minute="30",
                hour="1",
            )
        )
