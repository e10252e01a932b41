import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from hive.demo import DEMO_PASSWORD, DEMO_USERS
from hive.models import Community, RoleAssignment, Street, User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def development_mode(settings):
    # `make run` runs with DEBUG on; pytest-django turns it off.
    settings.DEBUG = True


def _snapshot():
    """Every row of every project model, as stored."""
    from django.conf import settings

    rows = {}
    models = [m for app in settings.PROJECT_APPS for m in apps.get_app_config(app).get_models()]
    for model in models:
        rows[model._meta.label] = list(model.objects.order_by("pk").values())
    return rows


def test_seed_demo_creates_the_street_communities_and_one_login_per_role():
    call_command("seed_demo")

    street = Street.objects.get(code="saiyu")
    assert street.name == "赛鱼街道"
    assert set(Community.objects.values_list("name", flat=True)) == {"虎尾沟社区", "新泽苑社区"}
    roles = set(RoleAssignment.objects.values_list("role", flat=True))
    assert roles == {role for _u, _n, role, _c in DEMO_USERS}
    for username, _name, _role, _community in DEMO_USERS:
        assert User.objects.get(username=username).check_password(DEMO_PASSWORD)
    assert User.objects.get(username="hwg_staff").is_staff
    assert not User.objects.get(username="hwg_grid").is_staff
    # Apps seed in dependency order: grids escalates a dispute to disputes' room and hands
    # a demand to partycommittee's unit.
    from disputes.models import DisputeCase
    from grids.models import Incident

    for code in ("huweigou", "xinzeyuan"):
        escalated = Incident.objects.get(community__code=code, status="escalated")
        assert DisputeCase.objects.get(source_id=escalated.pk, source="incident").parties.count()
    unit_work = Incident.objects.get(community__code="huweigou", assigned_unit__isnull=False)
    assert unit_work.assigned_unit.representatives.filter(username="hwg_unit").exists()


def test_seed_demo_twice_changes_nothing():
    call_command("seed_demo")
    before = _snapshot()
    assert before["partycommittee.ResidentUnit"]  # the apps' demo data is in the snapshot
    call_command("seed_demo")
    assert _snapshot() == before


def test_seed_demo_refuses_production_without_the_flag(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="allow-production"):
        call_command("seed_demo")
    assert not Street.objects.exists()


def test_seed_demo_puts_back_built_in_key_person_tags_a_superuser_deleted():
    from grids.models import KeyPersonTag, Resident

    KeyPersonTag.objects.filter(community__isnull=True).delete()

    call_command("seed_demo")

    builtin = set(
        KeyPersonTag.objects.filter(community__isnull=True).values_list("code", flat=True)
    )
    assert {"elderly_alone", "disabled", "low_income", "veteran"} <= builtin
    assert Resident.objects.filter(tags__isnull=False).exists()
