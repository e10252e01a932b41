import re

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import QueryDict
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _


class LanguageMiddleware:
    """Chinese unless the person chose otherwise with the language switch.

    Django's LocaleMiddleware follows the browser's Accept-Language; community offices
    often share computers whose browsers are set to English, and the product's language
    is Chinese. So: the language cookie if set, else settings.LANGUAGE_CODE.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        try:
            language = translation.get_supported_language_variant(chosen or "")
        except LookupError:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Cookie",))
        return response


class MalformedInput(BadRequest):
    """A request no view should see: Django answers it with handler400 (hive.ui.errors).
    `field` names the parameter at fault, where there is one."""

    def __init__(self, message, *, field: str | None = None):
        super().__init__(message)
        self.field = field


# JSON nested deeper than this is refused before anything parses it: Python's parser
# recurses once per level and fails with a RecursionError (a 500) near 1,000, and every
# later walk over the data (serializers, JSONField) recurses again. Hive's deepest body is
# a GeoJSON boundary (a Feature's MultiPolygon: six levels).
MAX_JSON_DEPTH = 32
# A JSON string escape \u0000 (a NUL), where its backslash is not itself escaped.
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
# Every match succeeds (a string left open runs to the end of the body), and possessively:
# a failed match would start again at each later quote, quadratic in the body (an
# unauthenticated 2.5 MB body of `\"` held a worker for hours).
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*+(?:"|\\?\Z)', re.DOTALL)
_NOT_BRACKET = re.compile(rb"[^\[\]{}]")
_INNERMOST = re.compile(rb"\[\]|\{\}")


def json_depth_exceeds(body: bytes, limit: int) -> bool:
    """Whether the JSON text `body` nests containers deeper than `limit`, without
    recursion: strings dropped, only brackets kept, the innermost empty pairs removed
    one level per pass (in C, by the regex engine). Text that is no JSON stops
    shrinking early and is left to the parser to refuse."""
    brackets = _NOT_BRACKET.sub(b"", _JSON_STRING.sub(b'""', body))
    for _level in range(limit):
        if not brackets:
            return False
        shorter = _INNERMOST.sub(b"", brackets)
        if shorter == brackets:
            return False
        brackets = shorter
    return bool(_INNERMOST.search(brackets))


class MalformedInputMiddleware:
    """Refuses, with a 400, what no part of Hive can handle:

    - NUL (U+0000) in the path, the query string, a form field (name or value), a JSON
      string, a header (but the token: a bad credential, 401) or a cookie. PostgreSQL
      cannot store or even compare text holding one: psycopg refuses every query
      carrying it, so wherever such a value reached a query (a filter, a lookup by
      code, a service) the answer was a 500. Django's and DRF's form fields refuse NUL
      themselves; this covers everything that is no form field, in one place, before
      any view.
    - JSON nested deeper than MAX_JSON_DEPTH (see above).

    Form bodies are read here as Django reads them for the CSRF check (request.POST) and,
    for PUT and PATCH, as DRF's form parser does. Multipart PUT/PATCH bodies are left to
    the serializers (DRF's CharField refuses NUL): reading them here would load uploads
    into memory. The answer speaks the area's language (hive.ui.errors.bad_request)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        self.check(request)
        return self.get_response(request)

    @staticmethod
    def _refuse_nul(field: str | None = None):
        raise MalformedInput(_("Null characters (U+0000) are not allowed."), field=field)

    def check(self, request) -> None:
        if "\x00" in request.path_info:
            self._refuse_nul()
        for name, value in request.META.items():
            # A token holding NUL is a bad credential: hive.access.authentication answers 401.
            if name.startswith("HTTP_") and name != "HTTP_AUTHORIZATION" and "\x00" in value:
                self._refuse_nul()
        if any("\x00" in name + value for name, value in request.COOKIES.items()):
            self._refuse_nul()
        self._check_params(request.GET)
        content_type = request.content_type or ""
        if "json" in content_type:
            self._check_json(request.body)
        elif content_type == "application/x-www-form-urlencoded" or (
            content_type == "multipart/form-data" and request.method == "POST"
        ):
            if request.method == "POST":
                self._check_params(request.POST)
            else:
                self._check_params(QueryDict(request.body, encoding=request.encoding))

    def _check_params(self, params) -> None:
        for name, values in params.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                self._refuse_nul(field=name.replace("\x00", ""))
            # A form field may hold JSON (a grid's boundary, a schedule's arguments):
            # Django's JSON form field parses it recursively too.
            for value in values:
                if value.lstrip()[:1] in ("[", "{") and json_depth_exceeds(
                    value.encode(), MAX_JSON_DEPTH
                ):
                    self._refuse_too_deep(field=name)

    def _check_json(self, body: bytes) -> None:
        if b"\x00" in body or _JSON_NUL.search(body):
            self._refuse_nul()
        if json_depth_exceeds(body, MAX_JSON_DEPTH):
            self._refuse_too_deep()

    @staticmethod
    def _refuse_too_deep(field: str | None = None):
        raise MalformedInput(
            _("The JSON is nested too deeply (at most %(depth)s levels).")
            % {"depth": MAX_JSON_DEPTH},
            field=field,
        )
