import os

import pytest

pytestmark = pytest.mark.django_db


def test_embedded_mode_reports_the_broker_as_not_configured(client, settings):
    settings.REDIS_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "not configured"}


@pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="REDIS_URL is not set: no Redis to check"
)
def test_configured_redis_is_reported_ok(client, settings):
    settings.REDIS_URL = os.environ["REDIS_URL"]
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["broker"] == "ok"


def test_unreachable_broker_makes_the_check_fail_with_503(client, settings):
    # Port 1 on loopback: nothing listens there, the connection is refused at once.
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] == "ok"
    assert body["broker"].startswith("error: ")


def test_healthz_is_not_cached_and_has_no_personal_data(client, settings):
    settings.REDIS_URL = ""
    response = client.get("/healthz")
    assert "no-cache" in response["Cache-Control"]
    assert set(response.json()) == {"status", "database", "broker"}
