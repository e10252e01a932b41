import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from hive import tasks
from hive.models import Notification
from hive.notifications import notification_emails_send, notify

pytestmark = pytest.mark.django_db


def test_notify_creates_one_per_recipient_and_emails_those_with_an_address(
    world, django_capture_on_commit_callbacks, celery_eager
):
    world.grid_a.email = "grid@example.org"
    world.grid_a.save()
    with django_capture_on_commit_callbacks(execute=True):
        created = notify(
            recipients=[world.grid_a, world.party_a], title="请处理", body="有新任务", url="/x/"
        )
    assert created == 2
    assert Notification.objects.count() == 2
    assert [m.to for m in mail.outbox] == [["grid@example.org"]]
    assert mail.outbox[0].subject == "请处理"
    assert "/x/" in mail.outbox[0].body
    assert Notification.objects.get(recipient=world.grid_a).emailed_at is not None
    assert Notification.objects.get(recipient=world.party_a).emailed_at is None


def test_each_recipient_gets_an_email_of_their_own(
    world, django_capture_on_commit_callbacks, celery_eager
):
    """One message per person: recipients never see each other's addresses."""
    world.grid_a.email = "grid@example.org"
    world.grid_a.save()
    world.party_a.email = "party@example.org"
    world.party_a.save()
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[world.grid_a, world.party_a], title="会议通知", key="meeting:1")
    assert sorted(m.to[0] for m in mail.outbox) == ["grid@example.org", "party@example.org"]
    assert all(len(m.to) == 1 for m in mail.outbox)


def test_someone_who_turned_email_off_gets_the_portal_notification_only(
    world, django_capture_on_commit_callbacks, celery_eager
):
    world.grid_a.email = "grid@example.org"
    world.grid_a.notify_by_email = False
    world.grid_a.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert notify(recipients=[world.grid_a], title="提醒") == 1
    assert mail.outbox == []
    assert Notification.objects.filter(recipient=world.grid_a).count() == 1


def test_the_choice_is_read_when_the_email_goes_out(world, celery_eager):
    """Turning email off after the notification was made, before the worker ran, holds."""
    world.grid_a.email = "grid@example.org"
    world.grid_a.save()
    notify(recipients=[world.grid_a], title="提醒")  # on_commit never runs in this test
    notification = Notification.objects.get(recipient=world.grid_a)
    world.grid_a.notify_by_email = False
    world.grid_a.save()
    assert notification_emails_send(notification_ids=[notification.pk]) == 0
    assert mail.outbox == []


def test_the_email_task_sends_each_notification_once(world):
    world.grid_a.email = "grid@example.org"
    world.grid_a.save()
    notify(recipients=[world.grid_a], title="提醒")
    ids = list(Notification.objects.values_list("pk", flat=True))
    assert notification_emails_send(notification_ids=ids) == 1
    assert notification_emails_send(notification_ids=ids) == 0
    assert len(mail.outbox) == 1


def test_a_failed_send_gives_the_claim_back_for_the_retry(world, monkeypatch):
    world.grid_a.email = "grid@example.org"
    world.grid_a.save()
    notify(recipients=[world.grid_a], title="提醒")
    ids = list(Notification.objects.values_list("pk", flat=True))

    def refuse(self, fail_silently=False):
        raise ConnectionRefusedError

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    with pytest.raises(OSError):
        notification_emails_send(notification_ids=ids)
    assert Notification.objects.get().emailed_at is None
    monkeypatch.undo()
    assert notification_emails_send(notification_ids=ids) == 1


@pytest.mark.django_db(transaction=True)
def test_the_email_is_enqueued_after_commit_not_sent_inline(world, monkeypatch):
    world.grid_a.email = "grid@example.org"
    world.grid_a.save()
    sent = []
    monkeypatch.setattr(tasks.send_notification_emails, "apply_async", lambda **kw: sent.append(kw))
    with transaction.atomic():
        notify(recipients=[world.grid_a, world.party_a], title="提醒")
        assert sent == []  # nothing leaves before the commit
    notification = Notification.objects.get(recipient=world.grid_a)
    assert sent == [{"args": (), "kwargs": {"notification_ids": [notification.pk]}}]
    assert mail.outbox == []


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
    assert 'data-unread="1"' in home
    page = client.get(reverse("portal:notifications")).content.decode()
    assert "给网格员" in page and "给党员" not in page
    client.post(reverse("portal:notifications_read_all"))
    assert not Notification.objects.filter(recipient=world.grid_a, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=world.party_a, read_at__isnull=True).exists()
    home = client.get(reverse("portal:home")).content.decode()
    assert "data-unread" not in home


def test_opening_a_notification_marks_it_read_and_follows_its_link(world, client):
    notify(recipients=[world.grid_a], title="新事件", url="/portal/grids/incidents/")
    notify(recipients=[world.party_a], title="别人的")
    mine = Notification.objects.get(recipient=world.grid_a)
    theirs = Notification.objects.get(recipient=world.party_a)
    client.force_login(world.grid_a)
    response = client.get(reverse("portal:notification_open", args=[mine.pk]))
    assert response.status_code == 302
    assert response["Location"] == "/portal/grids/incidents/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert client.get(reverse("portal:notification_open", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_a_link_to_another_site_is_not_followed(world, client):
    notify(recipients=[world.grid_a], title="x", url="https://evil.example.com/")
    client.force_login(world.grid_a)
    notification = Notification.objects.get()
    response = client.get(reverse("portal:notification_open", args=[notification.pk]))
    assert response["Location"] == reverse("portal:notifications")


def test_settings_page_stores_the_email_choice(world, client):
    client.force_login(world.grid_a)
    url = reverse("portal:notification_settings")
    assert client.get(url).status_code == 200
    response = client.post(url, {"email": "grid@example.org", "notify_by_email": ""})
    assert response.status_code == 302
    world.grid_a.refresh_from_db()
    assert world.grid_a.email == "grid@example.org"
    assert world.grid_a.notify_by_email is False


def test_settings_page_refuses_a_bad_address_and_stores_nothing(world, client):
    client.force_login(world.grid_a)
    response = client.post(
        reverse("portal:notification_settings"), {"email": "not-an-address", "notify_by_email": ""}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    world.grid_a.refresh_from_db()
    assert world.grid_a.notify_by_email is True and world.grid_a.email == ""


def test_the_bell_count_is_cached_and_follows_new_and_read_notifications(world, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.grid_a)
    client.get(reverse("portal:home"))
    with CaptureQueriesContext(connection) as queries:
        home = client.get(reverse("portal:home")).content.decode()
    assert "data-unread" not in home
    assert not any("hive_notification" in q["sql"] for q in queries.captured_queries)

    notify(recipients=[world.grid_a], title="新事件", url="/portal/")
    notify(recipients=[world.grid_a], title="又一件", url="/portal/")
    assert 'data-unread="2"' in client.get(reverse("portal:home")).content.decode()
    client.post(reverse("portal:notifications_read_all"))
    assert "data-unread" not in client.get(reverse("portal:home")).content.decode()
