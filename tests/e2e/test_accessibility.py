"""axe-core on every page a crawl reaches, per role and for the public pages.

The Django test client finds the pages (tests/crawl.py, as the untranslated-English check
does); the browser then opens each distinct page once, as the first role that reaches it,
and axe-core reports what a screen-reader or low-vision user would trip on. Serious and
critical violations fail, all listed together.
"""

import pytest
from django.test import Client

from tests.crawl import crawl, shape
from tests.e2e.conftest import check_accessibility
from tests.town import CRAWLERS, Town

pytestmark = pytest.mark.django_db(transaction=True)


def test_every_portal_and_public_page_passes_axe(world, journey):
    town = Town(world)
    checked = set()
    problems = []
    for who in CRAWLERS:
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        person = journey(who or "public", phone=who in (None, "grid_a", "party_a"))
        if who:
            client.force_login(world.user(who))
            person.login(world.user(who).username, None)
        for path, response in crawl(client, town.start_paths(who)):
            if response.status_code != 200 or "html" not in response["Content-Type"]:
                continue
            if shape(path) in checked:
                continue
            checked.add(shape(path))
            page = person.goto(path)
            try:
                check_accessibility(page, where=f"{who or 'public'} {path}")
            except AssertionError as exc:
                problems.append(str(exc))
    assert len(checked) > 30, checked
    assert not problems, "\n".join(problems)
