"""Whole-page cache for the public pages anonymous visitors read most: the landing page
and the wish walls (about half of all requests in the load mix, scripts/locustfile.py).

A page is cached per path, query string and language, only for a visitor without a
session or a pending message (so never a signed-in person's page), only when it came out
200 without setting a cookie or using a CSRF token (a token is personal). Entries carry
a generation number: `public_pages_changed()` (called when a community, or a wish that
is or was on a wall, is saved or deleted) starts a new generation, so a change shows at
once; HIVE_PUBLIC_PAGE_CACHE_SECONDS bounds an entry's life anyway (0 turns the cache
off). When the cache (Redis) is down, pages are rendered as if there were none.
"""

import hashlib
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.translation import get_language

GENERATION_KEY = "hive:public-pages:generation"


def public_cache_prefix() -> str:
    """The prefix of what the public doors keep in the cache (whole pages, the community
    named by its code, its time limits). Tests give each test a prefix of its own
    (tests/conftest.py), as for rate limits."""
    return getattr(settings, "HIVE_PUBLIC_PAGE_CACHE_PREFIX", "hive:public-page")


def public_pages_changed() -> None:
    """Start a new generation: every cached public page is rendered afresh."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # no generation yet
        cache.add(GENERATION_KEY, 1, timeout=None)


def refresh_on_change(model, *, shown=None, uid: str) -> None:
    """Start a new generation after a row of `model` is saved or deleted, at once and
    again when the transaction commits (a page rendered in between, from the rows before
    the commit, must not live on under the new generation); `shown(instance)` limits it
    to rows the public pages show."""
    from django.db import transaction
    from django.db.models.signals import post_delete, post_save

    def receiver(sender, instance, **kwargs):
        if shown is None or shown(instance):
            public_pages_changed()
            transaction.on_commit(public_pages_changed)

    post_save.connect(receiver, sender=model, weak=False, dispatch_uid=f"{uid}.save")
    post_delete.connect(receiver, sender=model, weak=False, dispatch_uid=f"{uid}.delete")


def _anonymous_without_state(request) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and getattr(settings, "MESSAGES_COOKIE_NAME", "messages") not in request.COOKIES
    )


def _storable(request, response) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
    )


def cache_public_page(view):
    """Serve `view` from the cache to anonymous visitors (see the module's docstring)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        seconds = settings.HIVE_PUBLIC_PAGE_CACHE_SECONDS
        if not seconds or not _anonymous_without_state(request):
            return view(request, *args, **kwargs)
        path = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
        key = f"{public_cache_prefix()}:{get_language()}:{path}"
        # One round trip: the generation, and the page with the generation it is of.
        found = cache.get_many([GENERATION_KEY, key])
        generation = found.get(GENERATION_KEY, 0)
        hit = found.get(key)
        if hit is not None and hit[0] == generation:
            _generation, content, content_type = hit
            return HttpResponse(content, content_type=content_type)
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and callable(response.render):
            response = response.render()
        if _storable(request, response):
            cache.set(key, (generation, response.content, response["Content-Type"]), seconds)
        return response

    return wrapper
