"""Django's error handlers (handler400, handler404), answering in the language of the
area the request was for: the API's JSON ({"detail": …}), Open311's error format (a
list of {code, description}, JSON or XML by the path's extension), else the page.

A request Hive refuses before any view (hive.ops.middleware.MalformedInputMiddleware, or
Django's own limits: too many fields, too large a body) reaches handler400; an unknown
path reaches handler404, including those under /api/ and /open311/v2/ that no pattern
matches."""

from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views import defaults

from hive.ops.middleware import MalformedInput


def _area_answer(request, status: int, description: str, field=None) -> HttpResponse | None:
    """The API's and Open311's answer, or None for a page. A `field` at fault is named
    as each names a field error: DRF's {field: [message]}, Open311's "field: message"."""
    path = request.path_info
    if path.startswith("/open311/"):
        from open311.views import error_answer

        return error_answer(path, status, f"{field}: {description}" if field else description)
    if path.startswith("/api/"):
        data: dict[str, object] = {field: [description]} if field else {"detail": description}
        return JsonResponse(data, status=status)
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
