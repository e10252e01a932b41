from django.conf import settings


def portal(request):
    context = {"product_name": settings.HIVE_PRODUCT_NAME}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        from hive.models import Notification

        # Lazy: evaluated (one COUNT) only by templates that show the bell.
        context["unread_notifications"] = lambda: Notification.objects.filter(
            recipient=user, read_at__isnull=True
        ).count()
    return context
