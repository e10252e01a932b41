"""A unit representative not yet linked to a unit is told to ask the community office:
its phone is shown there."""

import pytest
from django.urls import reverse

from hive.access.roles import Role
from tests.factories import user_with_role
from tests.partycommittee.factories import ResidentUnitFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url_name", ["partycommittee:unit_home", "partycommittee:evaluation_list"])
def test_unlinked_representative_sees_the_office_phone(world, client, url_name):
    rep = user_with_role(Role.UNIT_REP, community=world.a, username="unlinked_rep")
    client.force_login(rep)
    page = client.get(reverse(url_name)).content.decode()
    assert "data-office-phone" not in page  # the office has no number yet
    world.a.phone = "0571-88886666"
    world.a.save(update_fields=["phone"])
    world.b.phone = "0571-11112222"
    world.b.save(update_fields=["phone"])
    page = client.get(reverse(url_name)).content.decode()
    assert 'href="tel:0571-88886666"' in page and "0571-11112222" not in page
    # Once linked to a unit, the warning and the number go.
    ResidentUnitFactory(community=world.a).representatives.add(rep)
    assert "data-office-phone" not in client.get(reverse(url_name)).content.decode()
