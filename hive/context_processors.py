from django.conf import settings


def portal(request):
    return {"product_name": settings.HIVE_PRODUCT_NAME}
