"""GeoReport v2 under /open311/v2/; the format is the suffix (.json or .xml)."""

from django.urls import path, register_converter

from open311 import views


class FormatConverter:
    regex = "json|xml"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(FormatConverter, "fmt")

app_name = "open311"
urlpatterns = [
    path("open311/v2/services.<fmt:fmt>", views.service_list, name="services"),
    path(
        "open311/v2/services/<str:code>.<fmt:fmt>",
        views.service_definition,
        name="service_definition",
    ),
    path("open311/v2/requests.<fmt:fmt>", views.request_list, name="requests"),
    path(
        "open311/v2/requests/<str:request_id>.<fmt:fmt>",
        views.request_detail,
        name="request_detail",
    ),
    path("open311/v2/tokens/<str:token>.<fmt:fmt>", views.token_detail, name="token_detail"),
]
