"""The health page: database, cache and worker heartbeat (config/health.py)."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from config.celery import HEARTBEAT_CACHE_KEY
from config.health import WORKER_STALE_AFTER

pytestmark = pytest.mark.django_db


def test_healthy_with_a_recent_heartbeat(client):
    cache.set(HEARTBEAT_CACHE_KEY, time.time() - 30)
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok", "worker": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_no_heartbeat_yet_is_reported_but_still_healthy(client):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json()["worker"] == "unknown: no heartbeat yet"


def test_a_stale_heartbeat_is_reported(client):
    cache.set(HEARTBEAT_CACHE_KEY, time.time() - WORKER_STALE_AFTER - 60)
    body = client.get(reverse("health")).json()
    assert body["status"] == "ok"
    assert body["worker"].startswith("stale: last heartbeat ")


def test_anonymous_access_needs_no_login(client):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_only_get(client, method):
    assert getattr(client, method)(reverse("health")).status_code == 405


def test_an_unreachable_cache_gives_503(client, settings):
    # A Redis cache on a port nobody listens on: a real connection error.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    response = client.get(reverse("health"))
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] == "ok"
    assert body["cache"].startswith("error: ")


def test_a_failing_database_gives_503(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise connection.Database.OperationalError("the database is gone")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get(reverse("health"))
    assert response.status_code == 503
    assert response.json()["database"] == "error: OperationalError"
