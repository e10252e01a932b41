import pytest
from django.core import mail
from django.urls import reverse

from hive.models import Notification
from hive.notifications import notify

pytestmark = pytest.mark.django_db


def test_notify_creates_one_per_recipient_and_emails_those_with_an_address(
    world, django_capture_on_commit_callbacks
):
    world.grid_a.email = "grid@example.org"
    world.grid_a.save()
    with django_capture_on_commit_callbacks(execute=True):
        created = notify(recipients=[world.grid_a, world.party_a], title="请处理", body="有新任务")
    assert created == 2
    assert Notification.objects.count() == 2
    assert [m.to for m in mail.outbox] == [["grid@example.org"]]
    assert mail.outbox[0].subject == "请处理"


def test_notify_with_a_key_is_idempotent(world):
    assert notify(recipients=[world.grid_a], title="提醒", key="thing:1:late") == 1
    assert notify(recipients=[world.grid_a], title="提醒", key="thing:1:late") == 0
    assert Notification.objects.filter(recipient=world.grid_a).count() == 1


def test_inactive_users_are_not_notified(world):
    world.grid_a.is_active = False
    world.grid_a.save()
    assert notify(recipients=[world.grid_a], title="x") == 0


def test_portal_lists_only_my_notifications_and_marks_them_read(world, client):
    notify(recipients=[world.grid_a], title="给网格员")
    notify(recipients=[world.party_a], title="给党员")
    client.force_login(world.grid_a)
    home = client.get(reverse("portal:home")).content.decode()
    assert "badge rounded-pill" in home
    page = client.get(reverse("portal:notifications")).content.decode()
    assert "给网格员" in page and "给党员" not in page
    client.post(reverse("portal:notifications_read_all"))
    assert not Notification.objects.filter(recipient=world.grid_a, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=world.party_a, read_at__isnull=True).exists()
