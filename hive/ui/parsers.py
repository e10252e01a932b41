"""The API's JSON parser: every Hive endpoint takes an object (its fields by name), so a
body that is a list, a number, a string or null is refused as a parse error (400) before
any view or serializer reads it as a dict. Nesting depth is bounded earlier, for every
JSON request, by hive.ops.middleware.MalformedInputMiddleware."""

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from hive.ops.middleware import MAX_JSON_DEPTH


class JSONObjectParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            # Not reached behind the middleware; a parser must not answer 500 on its own.
            raise ParseError(
                _("The JSON is nested too deeply (at most %(depth)s levels).")
                % {"depth": MAX_JSON_DEPTH}
            ) from None
        if not isinstance(data, dict):
            raise ParseError(_("The request body must be a JSON object."))
        return data
