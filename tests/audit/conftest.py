"""Shared data for the audits: the demo data seeded once per module, rolled back after it.

The demo (`seed_demo`) has an object of every model, attached to the people who own it:
the grid member's households, the unit representative's unit, the mediator's cases, the
party member's claimed wishes. Building that with factories would repeat the demo. Each
test still runs in its own savepoint inside the module's transaction.
"""

from importlib import import_module, util

import pytest
from django.conf import settings
from django.db import transaction

from hive.access.roles import Role
from tests.factories import StreetFactory, user_with_role

# The demo logins of Huweigou, one per role ("own": the objects picked are theirs).
OWN_USERS = {
    "sa": "street_admin",
    "staff": "hwg_staff",
    "unit": "hwg_unit",
    "grid": "hwg_grid",
    "mediator": "hwg_mediator",
    "party": "hwg_party",
}
# The same roles held elsewhere: Xinzeyuan (same street), and another street's admin.
OTHER_USERS = {
    "sa": "other_street_admin",
    "staff": "xzy_staff",
    "unit": "xzy_unit",
    "grid": "xzy_grid",
    "mediator": "xzy_mediator",
    "party": "xzy_party",
}
ROLES = tuple(OWN_USERS)


def seed_demo_data():
    from hive import demo

    context = demo.seed()
    for app_label in settings.PROJECT_APPS:
        module_name = f"{app_label}.demo"
        if app_label != "hive" and util.find_spec(module_name):
            import_module(module_name).seed(context)
    xinzeyuan = context.communities["xinzeyuan"]
    # The demo has no unit representative in Xinzeyuan, nor a second street.
    user_with_role(Role.UNIT_REP, community=xinzeyuan, username="xzy_unit")
    other_street = StreetFactory(name="别的街道", code="other-street")
    # Nor a home visit: one by the grid member, to a household of their grid.
    from grids.models import FiveRole, Household, Visit

    household = Household.objects.filter(grid__member=context.users["hwg_grid"]).first()
    Visit.objects.create(
        community=household.community,
        grid=household.grid,
        household=household,
        visitor=context.users["hwg_grid"],
        role=FiveRole.values[0],
        notes="入户走访",
    )
    user_with_role(Role.STREET_ADMIN, street=other_street, username="other_street_admin")
    return context


@pytest.fixture(scope="module")
def demo_data(django_db_setup, django_db_blocker):
    """The demo, seeded once for the module inside a transaction that is rolled back."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield seed_demo_data()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
