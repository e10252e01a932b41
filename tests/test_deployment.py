"""The files that start Hive outside `make run`: docker compose, requirements."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_docker_compose_names_the_six_services_with_health_checks():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"db", "redis", "web", "nginx", "worker", "beat"}
    for name in ("db", "redis", "web", "nginx"):
        assert "healthcheck" in services[name], name
    assert "gunicorn" in " ".join(services["web"]["command"])
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["REDIS_URL"].startswith("redis://")


def test_nginx_sends_uploads_only_after_django_allowed_them():
    """docker compose: nginx is the only published port; its /protected-media/ location
    is internal and is where the web service's X-Accel-Redirect points."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert "ports" not in services["web"] and services["nginx"]["ports"] == ["8000:8080"]
    accel = services["web"]["environment"]["HIVE_MEDIA_ACCEL_REDIRECT"]
    assert services["web"]["environment"]["CLIENT_IP_META_KEY"] == "HTTP_X_REAL_IP"
    config = (ROOT / "deploy" / "nginx" / "hive.conf").read_text()
    location = config[config.index(f"location {accel} {{") :]
    location = location[: location.index("}")]
    assert "internal;" in location and "alias /srv/media/;" in location
    assert "media:/srv/media:ro" in services["nginx"]["volumes"]
    assert "proxy_set_header X-Real-IP $remote_addr;" in config


def test_every_requirement_is_pinned():
    for name in ("requirements.txt", "requirements-dev.txt"):
        for line in (ROOT / name).read_text().splitlines():
            line = line.split("#")[0].strip()
            if not line or line.startswith("-r "):
                continue
            assert "==" in line, f"{name}: {line} is not pinned"
