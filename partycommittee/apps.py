from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartyCommitteeConfig(AppConfig):
    name = "partycommittee"
    verbose_name = _("Bee colony: joint party building")
