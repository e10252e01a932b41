import pytest
from django.core.management import call_command

from partycommittee.evaluations.models import EvaluationRound, EvaluationSheet, UnitResult

pytestmark = pytest.mark.django_db


def test_demo_has_a_published_round_and_an_open_one_with_work_left(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    published = EvaluationRound.objects.get(community__code="huweigou", status="published")
    assert UnitResult.objects.filter(round=published).count() == 18
    assert UnitResult.objects.filter(round=published, rank=1).exists()
    current = EvaluationRound.objects.get(community__code="huweigou", status="open")
    owed = EvaluationSheet.objects.filter(
        round=current, rater_unit__representatives__username="hwg_unit", status="pending"
    )
    assert owed.count() == 7  # a sample of six peers, and the community
    assert EvaluationSheet.objects.filter(round=current, status="submitted").exists()
    call_command("seed_demo")
    assert EvaluationRound.objects.filter(community__code="huweigou").count() == 2
