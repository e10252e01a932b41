from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VoiceConfig(AppConfig):
    name = "voice"
    verbose_name = _("Residents' voice: suggestions and demand solicitation")

    def ready(self):
        from hive.access.roles import Role, grant_to_staff
        from hive.ops.page_cache import refresh_on_change
        from hive.ui import portal
        from voice.models import Suggestion

        grant_to_staff("voice.*")

        # The cached public list of answered suggestions (the list of open solicitations
        # is not cached: a window opens and closes with the clock, not with a save).
        refresh_on_change(Suggestion, shown=Suggestion.is_or_was_public, uid="voice.suggestions")

        portal.register(
            portal.PortalLink(
                label=_("Demand solicitations"),
                url_name="voice:portal_solicitations",
                roles=frozenset({Role.UNIT_REP}),
                description=_("Send your unit's demands to the community's open solicitations."),
            )
        )
