from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartyCommitteeConfig(AppConfig):
    name = "partycommittee"
    verbose_name = _("Bee colony: joint party building")

    def ready(self):
        from hive.access.roles import Role, grant_to_staff
        from hive.queue import schedules
        from hive.ui.portal import PortalLink, register

        grant_to_staff("partycommittee.*")

        # The public progress page shows projects (and their units' names).
        from hive.ops.page_cache import refresh_on_change
        from partycommittee.models import Campaign, Nomination, Project, ResidentUnit

        refresh_on_change(Project, uid="partycommittee.public_progress")
        refresh_on_change(ResidentUnit, uid="partycommittee.public_progress.units")
        # The public selection pages list the open campaigns and show announced results.
        refresh_on_change(Campaign, uid="partycommittee.public_selection")
        refresh_on_change(
            Nomination,
            shown=lambda row: Campaign.objects.filter(
                pk=row.campaign_id, announced_at__isnull=False
            ).exists(),
            uid="partycommittee.public_selection.nominations",
        )

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
        register(
            PortalLink(
                _("Three-double evaluation"),
                "partycommittee:evaluation_list",
                reps,
                _("Duty report, scores for the community and peers, and our results."),
            )
        )
        register(
            PortalLink(
                _("Selection campaigns"),
                "partycommittee:campaign_list",
                # Committee members hold any role; the page says who may do what.
                frozenset(Role.values),
                _("Nominate civilised units, beautiful families and “three good” people; vote."),
            )
        )
        # The three-double calendar: staff see and edit these in the admin (周期任务).
        for spec in (
            schedules.PeriodicTaskSpec(
                name=_("Three-double evaluation: open due rounds"),
                task="partycommittee.open_due_rounds",
                minute="5",
            ),
            schedules.PeriodicTaskSpec(
                name=_("Three-double evaluation: remind units that owe work"),
                task="partycommittee.remind_evaluation_laggards",
                minute="0",
                hour="9",
            ),
            schedules.PeriodicTaskSpec(
                name=_("Three-double evaluation: close rounds past their deadline"),
                task="partycommittee.close_overdue_rounds",
                minute="10",
            ),
            schedules.PeriodicTaskSpec(
                name=_("Three-double evaluation: compute results"),
                task="partycommittee.compute_due_results",
                minute="20",
            ),
        ):
            schedules.register(spec)
