"""hive.ui.form_renderer: a select's HTML is reused only for the very same context and
language, and is the HTML Django's own renderer makes."""

from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from hive.ui.form_renderer import MemoizingRenderer


class ColourForm(forms.Form):
    colour = forms.ChoiceField(
        choices=[("", "---"), ("red", _("Category")), ("blue", _("Status"))], required=False
    )
    done = forms.NullBooleanField(required=False)


def render(form):
    return [str(form["colour"]), str(form["done"])]


def test_the_same_html_as_djangos_renderer_and_reused(monkeypatch):
    memo = MemoizingRenderer()
    memo._memo.clear()
    plain = DjangoTemplates()
    assert render(ColourForm({"colour": "red"}, renderer=memo)) == render(
        ColourForm({"colour": "red"}, renderer=plain)
    )
    calls = []
    original = DjangoTemplates.render
    monkeypatch.setattr(
        DjangoTemplates, "render", lambda self, *a, **k: calls.append(a) or original(self, *a, **k)
    )
    render(ColourForm({"colour": "red"}, renderer=memo))
    assert calls == []  # both selects came from the memo


def test_another_value_or_language_is_rendered_afresh():
    memo = MemoizingRenderer()
    memo._memo.clear()
    red = str(ColourForm({"colour": "red"}, renderer=memo)["colour"])
    blue = str(ColourForm({"colour": "blue"}, renderer=memo)["colour"])
    assert 'value="red" selected' in red and 'value="blue" selected' in blue
    with translation.override("zh-hans"):
        chinese = str(ColourForm({"colour": "red"}, renderer=memo)["colour"])
    with translation.override("en"):
        english = str(ColourForm({"colour": "red"}, renderer=memo)["colour"])
    assert "Category" in english and "Category" not in chinese


def test_false_and_the_string_false_are_different_keys():
    from hive.ui.form_renderer import _freeze

    assert _freeze({"value": False}) != _freeze({"value": "False"})
    assert _freeze({"value": None}) != _freeze({"value": "None"})
    assert _freeze([1]) != _freeze(["1"])
