"""One way to tell people things: an in-portal notification always, and email where the
person has an address and has not turned email off (`User.notify_by_email`, portal
settings page). Apps call `notify()`; the `key` makes repeated calls (a reminder task run
twice) create one notification per recipient, enforced by a unique constraint.

Email leaves from a Celery task (`hive.send_notification_emails`), enqueued after commit:
a slow or unreachable mail server never holds up the request or the reminder run that
notified, and the task claims each notification with a conditional UPDATE on `emailed_at`,
so a repeated or retried task sends each email at most once."""

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone


def wants_email(user) -> bool:
    return bool(user.email) and user.notify_by_email


def notify(
    *, recipients, title: str, body: str = "", url: str = "", key: str = "", community=None
) -> int:
    """Create notifications; return how many were new. Email is enqueued after commit."""
    from hive.models import Notification
    from hive.queue import enqueue
    from hive.tasks import send_notification_emails

    recipients = [user for user in recipients if user is not None and user.is_active]
    if not recipients:
        return 0
    existing = set()
    if key:
        existing = set(
            Notification.objects.filter(key=key, recipient__in=recipients).values_list(
                "recipient_id", flat=True
            )
        )
    fresh = [user for user in recipients if user.pk not in existing]
    if not fresh:
        return 0
    with transaction.atomic():
        created = Notification.objects.bulk_create(
            [
                Notification(
                    recipient=user,
                    community=community,
                    title=title[:200],
                    body=body,
                    url=url,
                    key=key,
                )
                for user in fresh
            ],
            # A concurrent run that got there first wins; the constraint keeps one row.
            ignore_conflicts=bool(key),
        )
        emailed = [user.pk for user in fresh if wants_email(user)]
        if emailed:
            if key:
                # Rows inserted with ignore_conflicts come back without ids.
                ids = list(
                    Notification.objects.filter(
                        key=key, recipient_id__in=emailed, emailed_at__isnull=True
                    ).values_list("pk", flat=True)
                )
            else:
                ids = [n.pk for n in created if n.recipient_id in emailed]
            enqueue(send_notification_emails, notification_ids=ids)
        unread_changed(user.pk for user in fresh)
    return len(fresh)


# The bell's unread count, shown on every portal page, is kept in the cache per person;
# notify() and notification_mark_read() drop it (now and after commit), and it lives
# UNREAD_CACHE_SECONDS at most (retention deletes old notifications in bulk).
UNREAD_CACHE_SECONDS = 120


def _unread_key(user_id) -> str:
    return f"hive:unread:{user_id}"


def unread_count(user) -> int:
    """How many of the user's notifications are unread (from the cache when it can)."""
    from django.core.cache import cache

    from hive.models import Notification

    key = _unread_key(user.pk)
    count = cache.get(key)
    if count is None:
        count = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
        cache.set(key, count, UNREAD_CACHE_SECONDS)
    return count


def unread_changed(user_ids) -> None:
    from django.core.cache import cache

    keys = [_unread_key(user_id) for user_id in user_ids]
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


def notification_emails_send(*, notification_ids: list[int]) -> int:
    """Email each notification to its recipient, once; return how many were sent.

    The recipient's choice is read now, not when the notification was made: someone who
    turned email off in between gets none. Each row is claimed (emailed_at set) before it
    is sent; a send that fails gives the claim back so a retry can try again.
    """
    from hive.models import Notification

    candidates = Notification.objects.filter(
        pk__in=notification_ids,
        emailed_at__isnull=True,
        recipient__is_active=True,
        recipient__notify_by_email=True,
    ).exclude(recipient__email="")
    sent = 0
    connection = get_connection()
    for notification in candidates.select_related("recipient"):
        now = timezone.now()
        claimed = Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(
            emailed_at=now
        )
        if not claimed:
            continue
        body = f"{notification.body}\n\n{_absolute(notification.url)}".strip()
        message = EmailMessage(
            notification.title,
            body,
            settings.DEFAULT_FROM_EMAIL,
            [notification.recipient.email],
            connection=connection,
        )
        try:
            message.send(fail_silently=False)
        except OSError:
            Notification.objects.filter(pk=notification.pk, emailed_at=now).update(emailed_at=None)
            raise
        sent += 1
    return sent


def _absolute(url: str) -> str:
    base = settings.HIVE_SITE_URL.rstrip("/")
    if url.startswith("/") and base:
        return base + url
    return url


def notification_mark_read(*, user, notification_ids=None) -> int:
    from hive.models import Notification

    queryset = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        queryset = queryset.filter(pk__in=notification_ids)
    marked = queryset.update(read_at=timezone.now())
    unread_changed([user.pk])
    return marked
