from django.conf import settings


def portal(request):
    context = {"product_name": settings.HIVE_PRODUCT_NAME}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        from hive.notifications import unread_count

        # Lazy: evaluated only by templates that show the bell (cached per person).
        context["unread_notifications"] = lambda: unread_count(user)
    return context
