"""One way to tell people things: an in-portal notification, and email where the person
has an address. Apps call `notify()`; the `key` makes repeated calls (a reminder task run
twice) create one notification per recipient, enforced by a unique constraint."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

logger = logging.getLogger(__name__)


def notify(
    *, recipients, title: str, body: str = "", url: str = "", key: str = "", community=None
) -> int:
    """Create notifications; return how many were new. Email goes out after commit."""
    from hive.models import Notification

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
    Notification.objects.bulk_create(
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
    emails = [user.email for user in fresh if user.email]
    if emails:
        transaction.on_commit(lambda: _send_email(emails, title, body, url))
    return len(fresh)


def _send_email(emails: list[str], title: str, body: str, url: str) -> None:
    message = f"{body}\n\n{url}".strip()
    try:
        send_mail(title, message, settings.DEFAULT_FROM_EMAIL, emails, fail_silently=False)
    except OSError:
        logger.exception("Could not send notification email %r", title)


def notification_mark_read(*, user, notification_ids=None) -> int:
    from django.utils import timezone

    from hive.models import Notification

    queryset = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        queryset = queryset.filter(pk__in=notification_ids)
    return queryset.update(read_at=timezone.now())
