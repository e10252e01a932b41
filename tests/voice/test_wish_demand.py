"""A micro-wish turned into a demand in one step, keeping the link; and the voice
app's personal data kept only as long as the notice says."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from hive.personal_data import ERASED
from hive.personal_data.retention import retention_apply_rule, rule_by_key
from partycommittee.models import DemandItem
from tests.voice.factories import SuggestionFactory
from tests.volunteers.factories import MicroWishFactory
from voice import services
from voice.models import Suggestion, WishDemand

pytestmark = pytest.mark.django_db


def test_a_wish_becomes_a_demand_with_the_link_both_ways(world):
    wish = MicroWishFactory(community=world.a, title="楼下路灯不亮，电话13812345678")
    link = services.wish_to_demand(
        wish=wish, actor=world.staff_a, category=DemandItem.Category.FACILITIES
    )
    demand = link.demand
    assert wish.demand_link == link and list(demand.wish_links.all()) == [link]
    assert (demand.community, demand.source) == (world.a, DemandItem.Source.RESIDENTS)
    assert "13812345678" not in demand.title and wish.resident_phone not in demand.description
    assert wish.tracking_code in demand.raised_by
    wish.refresh_from_db()
    assert wish.status == "submitted"  # the wish goes on as it was
    with pytest.raises(ValidationError):
        services.wish_to_demand(wish=wish, actor=world.staff_a, category="other")
    assert DemandItem.objects.count() == 1


def test_staff_of_another_community_cannot_turn_a_wish_into_a_demand(world):
    wish = MicroWishFactory(community=world.a)
    with pytest.raises(PermissionDenied):
        services.wish_to_demand(wish=wish, actor=world.staff_b, category="other")
    assert not WishDemand.objects.exists()


def test_one_step_in_the_admin_and_the_demand_page_lists_the_wish(world, client):
    wish = MicroWishFactory(community=world.a)
    other = MicroWishFactory(community=world.b)
    client.force_login(world.staff_a)
    add = reverse("admin:voice_wishdemand_add")
    form = client.get(add).context["adminform"].form
    assert list(form.fields["wish"].queryset) == [wish]  # scoped, B's wish not offered
    response = client.post(add, {"wish": wish.pk, "category": "elderly", "priority": "2"})
    assert response.status_code == 302
    link = WishDemand.objects.get()
    assert (link.wish, link.created_by, link.demand.category) == (wish, world.staff_a, "elderly")
    page = client.get(reverse("admin:partycommittee_demanditem_change", args=[link.demand.pk]))
    assert wish.tracking_code in page.content.decode()
    refused = client.post(add, {"wish": other.pk, "category": "elderly", "priority": "2"})
    assert refused.status_code == 200 and "wish" in refused.context["adminform"].form.errors
    assert WishDemand.objects.count() == 1


def test_contact_on_answered_suggestions_is_erased_after_the_retention_period(world, settings):
    settings.HIVE_VOICE_RETENTION_DAYS = 30
    old = SuggestionFactory(community=world.a)
    waiting = SuggestionFactory(community=world.a)
    services.suggestion_answer(suggestion=old, actor=world.staff_a, text="答", public=False)
    long_ago = timezone.now() - datetime.timedelta(days=31)
    Suggestion.objects.filter(pk__in=[old.pk, waiting.pk]).update(updated_at=long_ago)
    rule = rule_by_key("voice.suggestion_contact")
    assert retention_apply_rule(rule=rule) == 1
    assert retention_apply_rule(rule=rule) == 0
    old.refresh_from_db()
    waiting.refresh_from_db()
    assert (old.resident_name, old.resident_phone) == (ERASED, "")
    assert waiting.resident_phone


def test_the_micro_wish_list_offers_the_one_step_action(world, client):
    mine = MicroWishFactory(community=world.a)
    theirs = MicroWishFactory(community=world.b)
    client.force_login(world.staff_a)
    changelist = reverse("admin:volunteers_microwish_changelist")
    selected = {"action": "wishes_to_demands", "_selected_action": [mine.pk, theirs.pk]}
    asked = client.post(changelist, selected)
    assert asked.status_code == 200 and 'name="category"' in asked.content.decode()
    done = client.post(
        changelist, {**selected, "apply": "1", "category": "elderly", "priority": "2"}
    )
    assert done.status_code == 302
    # Only the wish of the staff member's own community (the list is scoped).
    assert list(WishDemand.objects.values_list("wish", flat=True)) == [mine.pk]
    again = client.post(
        changelist, {**selected, "apply": "1", "category": "elderly", "priority": "2"}
    )
    assert again.status_code == 302 and WishDemand.objects.count() == 1
