"""Every page a user reaches, rendered in Chinese, shows no English from our catalogue.

The test logs in as each role (and as nobody, for the public pages), crawls the portal
and the public pages (tests/crawl.py), and looks for any English msgid whose Chinese
translation differs in the page's visible text and its accessible names (alt, title,
aria-label, placeholder). A hit is a string rendered without gettext, or translated
while the language was still English (e.g. a module-level gettext instead of
gettext_lazy).
"""

import re
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest

from tests.crawl import crawl
from tests.town import CRAWLERS, Town

pytestmark = pytest.mark.django_db

CATALOGUE = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
# Catalogue entries that may stand in a Chinese page: too short or too generic to tell
# an untranslated string from a name, a code or data (each was looked at).
ALLOWED = {
    "Hive",  # the product's Latin name, also inside Chinese text
    "English",  # the language switcher names each language in itself
    "API",
    "OK",
    "PDF",
    "Word",
}
MIN_LENGTH = 4
ATTRIBUTES = {"alt", "title", "aria-label", "placeholder"}


class _VisibleText(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._hidden += 1
        for name, value in attrs:
            if name in ATTRIBUTES and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return "\n".join(parser.parts)


def _patterns():
    """One regex per translated English msgid; placeholders match anything."""
    patterns = {}
    for entry in polib.pofile(str(CATALOGUE)):
        if entry.obsolete or "fuzzy" in entry.flags:
            continue
        translated = entry.msgstr or (entry.msgstr_plural or {}).get(0, "")
        for msgid in filter(None, [entry.msgid, entry.msgid_plural]):
            if not translated or translated == msgid or msgid in ALLOWED:
                continue
            literal = re.sub(r"%\(\w+\)[sd]|%[sd]|\{[^}]*\}", "\0", msgid)
            pieces = [p for p in literal.split("\0") if p.strip()]
            longest = max(pieces, key=len, default="").strip()
            if len(longest) < MIN_LENGTH or not re.search(r"[A-Za-z]{2}", longest):
                continue
            # Whole words only: "Grid" must not match inside "grid_a" or "Grids".
            patterns[msgid] = re.compile(r"(?<![\w-])" + re.escape(longest) + r"(?![\w-])")
    return patterns


def test_portal_and_public_pages_show_no_untranslated_english(world, client):
    town = Town(world)
    patterns = _patterns()
    assert len(patterns) > 500  # the catalogue was read
    problems = []
    visited = []
    for who in CRAWLERS:
        client.logout()
        if who:
            client.force_login(world.user(who))
        for path, response in crawl(
            client, town.start_paths(who), headers={"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
        ):
            assert response.status_code < 500, f"{who} {path}: {response.status_code}"
            if response.status_code != 200 or "html" not in response["Content-Type"]:
                continue
            visited.append(path)
            text = visible_text(response.content.decode())
            for msgid, pattern in patterns.items():
                if pattern.search(text):
                    problems.append(f"{who or 'public'} {path}: {msgid!r}")
    assert len(visited) > 40, visited
    assert not problems, "English left on Chinese pages:\n" + "\n".join(problems)
