import pytest
from django.core.management import call_command
from django.db.models import Count

from disputes.models import Agreement, DisputeCase, MediationRoom, Mediator, PartnerInstitution

pytestmark = pytest.mark.django_db


def test_demo_has_both_rooms_the_partners_and_cases_in_every_state(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    assert set(MediationRoom.objects.values_list("name", flat=True)) == {"蜂音会客室", "枫桥之家"}
    partners = PartnerInstitution.objects.filter(community__code="huweigou")
    assert set(partners.values_list("kind", flat=True)) == {"court", "police", "property"}
    # Linked to the partycommittee demo's resident units.
    assert all(p.resident_unit_id for p in partners)
    assert Mediator.objects.filter(institution__isnull=False).count() == 3
    resolved = DisputeCase.objects.filter(status="closed", agreement__isnull=False).count()
    assert resolved > 50
    states = set(DisputeCase.objects.values_list("status", flat=True))
    assert states == set(DisputeCase.Status.values)
    per_community = DisputeCase.objects.values("community").annotate(n=Count("id"))
    assert all(row["n"] > 8 for row in per_community)
    assert Agreement.objects.count() >= resolved
    # The demo mediator sees their cases in the portal.
    mediator = Mediator.objects.get(user__username="hwg_mediator")
    assert DisputeCase.objects.visible_to(mediator.user).count() > 50
    from disputes.selectors import followups_due

    assert followups_due(mediator.user).exists()
