"""Django's form renderer, remembering the HTML of <select> widgets.

Rendering a select goes through a template per option (about 40 µs each): the filter forms
above the portal lists and the admin's selects re-rendered the same options on every
request. The HTML depends on nothing but the widget's context and the language, so it is
kept per process under a key made of both (every value with its type, so False and
"False" differ); a select whose context cannot be made into a key is rendered as usual.
"""

from django.forms.renderers import DjangoTemplates
from django.utils.translation import get_language

MEMO_TEMPLATES = frozenset({"django/forms/widgets/select.html"})
MEMO_MAX = 1024


def _freeze(value):
    if isinstance(value, dict):
        return ("dict", tuple(sorted((key, _freeze(item)) for key, item in value.items())))
    if isinstance(value, (list, tuple)):
        return ("list", tuple(_freeze(item) for item in value))
    if value is None or isinstance(value, (bool, int, float)):
        return (type(value).__name__, repr(value))
    return (type(value).__name__, str(value))


class MemoizingRenderer(DjangoTemplates):
    _memo: dict = {}

    def render(self, template_name, context, request=None):
        if template_name not in MEMO_TEMPLATES or request is not None:
            return super().render(template_name, context, request)
        try:
            key = (template_name, get_language(), _freeze(context))
        except Exception:  # something without a faithful str(): render it as usual
            return super().render(template_name, context, request)
        html = self._memo.get(key)
        if html is None:
            if len(self._memo) >= MEMO_MAX:
                self._memo.clear()
            html = self._memo[key] = super().render(template_name, context, request)
        return html
