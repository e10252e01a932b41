"""Django's error handlers (handler400, handler404), answering in the language of the
area the request was for: the API's JSON ({"detail": …}), an area's own format (one an
app registers with `register_area`, e.g. Open311's), else the page.

A request Hive refuses before any view (hive.ops.middleware.MalformedInputMiddleware, or
Django's own limits: too many fields, too large a body) reaches handler400; an unknown
path reaches handler404, including those under /api/ and /open311/v2/ that no pattern
matches."""

from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views import defaults

from hive.ops.middleware import MalformedInput


def _api_answer(path, status, description, field):
    # A `field` at fault is named as DRF names a field error: {field: [message]}.
    return JsonResponse({field: [description]} if field else {"detail": description}, status=status)


_AREAS = {"/api/": _api_answer}


def register_area(prefix: str, answer) -> None:
    """Requests whose path starts with `prefix` get `answer(path, status, description,
    field)` instead of the page (e.g. Open311's own error format, from its AppConfig)."""
    _AREAS[prefix] = answer


def _area_answer(request, status: int, description: str, field=None) -> HttpResponse | None:
    """The answer of the area the path is in, or None for a page."""
    path = request.path_info
    for prefix, answer in _AREAS.items():
        if path.startswith(prefix):
            return answer(path, status, description, field)
    return None


def bad_request(request, exception, template_name="400.html"):
    # Only Hive's own refusals say why: Django's SuspiciousOperation messages are for logs.
    field = None
    if isinstance(exception, MalformedInput):
        description, field = str(exception), exception.field
    else:
        description = _("The request could not be understood.")
    response = _area_answer(request, 400, description, field)
    if response is not None:
        return response
    # Without a request context, like the 500 page: the refusal came before the session
    # and the user were read, and reading them now is what was refused.
    body = loader.get_template(template_name).render({"description": description})
    return HttpResponse(body, status=400)


def page_not_found(request, exception, template_name="404.html"):
    # Django's own words for it (its catalogue translates them).
    response = _area_answer(request, 404, _("The requested resource was not found on this server."))
    if response is not None:
        return response
    return defaults.page_not_found(request, exception, template_name=template_name)
