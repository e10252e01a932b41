"""The hostile-input crawl of the admin (tests/audit/test_hostile_input.py says how): every
admin page as nobody and as a superuser with the second factor confirmed, its object id
hostile, its change list's query string and its forms. A module of its own, so that
`make test` (pytest-xdist, a file per process) crawls it beside the rest."""

from tests.audit.test_hostile_input import (  # noqa: F401 (fixtures)
    ADMIN,
    ADMIN_QUERY,
    ROUTES,
    crawl,
    crawl_routes,
    crawl_world,
    fast_hashing,
)


def test_admin_takes_hostile_input(crawl, crawl_world):  # noqa: F811 (fixtures)
    crawl_routes(crawl, crawl_world[1], [r for r in ROUTES if r.is_admin])
    # The superuser (second factor verified) reaches every change list: none was crawled
    # at the door. (Some add and delete views refuse even a superuser: read-only logs.)
    refused = [name for who, name in crawl.turned_away if who == ADMIN]
    assert not [name for name in refused if ADMIN_QUERY.search(name)], refused
    assert not crawl.unexpected(), f"{len(crawl.problems)} kinds of 5xx:\n{crawl.report()}"
