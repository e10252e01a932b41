"""With the cache (Redis) down, every door still answers: the cache is a speed-up, never a
dependency (config.env.redis_cache_config). Each test runs against the production cache
configuration pointed at an address where nothing listens (the `cache_down` fixture);
tests/faults/test_broker_down.py stops a real Redis under a running portal."""

import logging

import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import api_token_key, otp_code
from tests.volunteers.factories import wish_form_data
from volunteers.models import MicroWish

pytestmark = pytest.mark.django_db


def test_every_cache_call_answers_as_a_miss_and_is_logged(cache_down, caplog):
    with caplog.at_level(logging.ERROR, logger="hive.cache"):
        assert cache.get("k") is None and cache.get("k", 7) == 7
        assert cache.get_many(["a", "b"]) == {}
        assert not cache.add("k", 1)
        cache.set("k", 1)
        cache.set_many({"a": 1})
        cache.delete("k")
        cache.delete_many(["a", "b"])
        assert cache.incr("k") is None
    assert len(caplog.records) == 9  # one per call


def test_token_requests_are_answered_when_the_cache_is_down(world, cache_down):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_key(world.staff_a)}")
    assert client.get("/api/incidents/").status_code == 200
    assert client.get("/api/incidents/").status_code == 200
    # A deactivation still counts at once: the database answers.
    world.staff_a.is_active = False
    world.staff_a.save()
    assert client.get("/api/incidents/").status_code in (401, 403)


def test_a_token_is_issued_when_the_cache_is_down(world, cache_down):
    world.staff_a.set_password("a-good-pass-2026")
    world.staff_a.save()
    response = APIClient().post(
        "/api/auth/token/",
        {"username": "staff_a", "password": "a-good-pass-2026", "code": otp_code(world.staff_a)},
    )
    assert response.status_code == 200 and response.json()["token"]


def test_portal_pages_are_served_when_the_cache_is_down(client, world, cache_down):
    client.force_login(world.party_a)
    assert client.get("/portal/wishes/").status_code == 200
    assert client.get("/portal/notifications/").status_code == 200
    world.party_a.name = "改名"
    world.party_a.save()  # invalidating with the cache down is not an error either
    assert client.get("/portal/").status_code == 200


def test_public_pages_are_served_when_the_cache_is_down(client, world, cache_down):
    assert client.get(f"/wishes/wall/{world.a.code}/").status_code == 200
    world.a.save()  # a change while the cache is down is not an error either
    assert client.get("/").status_code == 200


def test_the_wish_form_takes_a_wish_when_the_rate_limit_store_is_down(client, world, cache_down):
    response = client.post(reverse("volunteers:wish_new"), wish_form_data(world))
    assert response.status_code == 302
    assert MicroWish.objects.count() == 1


def test_the_dashboard_is_computed_when_the_cache_is_down(client, world, cache_down):
    client.force_login(world.staff_a)
    assert client.get("/admin/dashboard/").status_code == 200


def test_open311_answers_when_the_cache_is_down(client, world, cache_down):
    response = client.get("/open311/v2/services.json", {"jurisdiction_id": world.a.code})
    assert response.status_code == 200
