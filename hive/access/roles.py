"""The roles a user can act in, and the admin permissions the staff roles carry."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    STREET_ADMIN = "street_admin", _("Street administrator")
    COMMUNITY_STAFF = "community_staff", _("Community staff")
    UNIT_REP = "unit_rep", _("Resident-unit representative")
    GRID_MEMBER = "grid_member", _("Grid member")
    MEDIATOR = "mediator", _("Mediator")
    PARTY_MEMBER = "party_member", _("Party member / volunteer")


# Roles that work in the Django admin; the others use the portal.
STAFF_ROLES = frozenset({Role.STREET_ADMIN, Role.COMMUNITY_STAFF})

ROLE_DESCRIPTIONS = {
    Role.STREET_ADMIN: _(
        "Configures the communities of the street and sees every community's work."
    ),
    Role.COMMUNITY_STAFF: _(
        "Runs the community's daily work in the admin: units, grids, cases, wishes, ledgers."
    ),
    Role.UNIT_REP: _(
        "Keeps the unit's profile, offers resources, updates responsibilities and reports duties."
    ),
    Role.GRID_MEMBER: _(
        "Keeps the grid's household information, logs visits and reports six-small incidents."
    ),
    Role.MEDIATOR: _("Records mediation sessions, agreements and follow-up visits."),
    Role.PARTY_MEMBER: _(
        "Claims micro-wishes, signs up for activities and follows points and stars."
    ),
}

# Admin permissions carried by staff roles, as fnmatch patterns over "app_label.codename".
# Feature apps add theirs with grant_to_staff; narrow here, not in each admin.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.STREET_ADMIN: [
        "hive.*",
        "django_celery_beat.*",
        # Login lock-outs (django-axes): see them and lift them.
        "axes.view_accessattempt",
        "axes.delete_accessattempt",
    ],
    Role.COMMUNITY_STAFF: [
        "hive.view_street",
        "hive.view_community",
        "hive.change_community",
        "hive.*_user",
        "hive.*_roleassignment",
        "hive.view_timelineentry",
        "hive.view_personaldataaccess",
        # Their people's API tokens: see them and revoke them (hive.admin.ApiTokenAdmin).
        "hive.view_apitoken",
        "hive.delete_apitoken",
        # The consent records, and through them the subject-access page.
        "hive.view_consentrecord",
    ],
}


def grant_to_staff(pattern: str) -> None:
    """Give street administrators and community staff the admin permissions `pattern`
    matches (e.g. "grids.*"): from a feature app's AppConfig.ready()."""
    for role in (Role.STREET_ADMIN, Role.COMMUNITY_STAFF):
        if pattern not in ROLE_PERMISSIONS[role]:
            ROLE_PERMISSIONS[role].append(pattern)
