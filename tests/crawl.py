"""Walk the site's own pages as one user: follow same-site links from a few starting
pages, breadth first, to a bounded depth. Used by the page-wide checks (untranslated
English, accessibility) so they cover pages nobody remembered to list."""

import re
from html.parser import HTMLParser

from django.urls import URLPattern, URLResolver, get_resolver

# Pages the crawl does not open: other areas (admin, API), side effects or downloads
# behind a GET (revealing personal data is logged; logout), files.
SKIP = re.compile(
    r"^/(admin|api|i18n|static|media|healthz|bench)(/|$)"
    r"|/logout/|/reveal/|/photos/|/export|\.xlsx$|\.pdf$"
)
FOLLOW = re.compile(r"^/(portal/|wishes/|$)")


def url_patterns(patterns=None, namespace=None, prefix=""):
    """Yield (namespace, pattern, route) for every URL pattern of the URLconf, `route`
    being the whole pattern from the site's root (e.g. "api/incidents/<pk>/")."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from url_patterns(pattern.url_patterns, inner, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield namespace, pattern, prefix + str(pattern.pattern)


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href") or ""
            self.links.append(href)


def links_of(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.links


def shape(path: str) -> str:
    """Pages that differ only by ids or codes are the same page for these checks."""
    path = re.sub(r"/\d+/", "/N/", path)
    return re.sub(r"/wishes/track/[A-Z0-9]{8,}/", "/wishes/track/CODE/", path)


def crawl(client, start, *, depth=3, limit=60, seen_shapes=None, headers=None):
    """Yield (path, response) for each distinct page shape reached from `start`."""
    seen_shapes = set() if seen_shapes is None else seen_shapes
    frontier = list(start)
    for _level in range(depth + 1):
        following = []
        for path in frontier:
            if shape(path) in seen_shapes or len(seen_shapes) >= limit:
                continue
            seen_shapes.add(shape(path))
            response = client.get(path, **(headers or {}))
            yield path, response
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            for href in links_of(response.content.decode()):
                href = href.split("#")[0]
                if not href or "?" in href or not FOLLOW.match(href) or SKIP.search(href):
                    continue
                following.append(href)
        frontier = following
