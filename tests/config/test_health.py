"""The health page: database, cache and worker heartbeat (config/health.py).

The public answer is a bare 200 / 503; the details are for staff and for a monitor
holding ``HEALTH_TOKEN``. What it answers while the database or Redis is down is
in the fault suite (tests/faults/).
"""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from config.celery import HEARTBEAT_CACHE_KEY
from config.health import WORKER_STALE_AFTER
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "a-long-random-token-for-the-monitor"


@pytest.fixture
def monitor(settings):
    """A client sending the health token, as an operator's monitor does."""
    settings.HEALTH_TOKEN = TOKEN
    return Client(HTTP_AUTHORIZATION=f"Bearer {TOKEN}")


def test_healthy_with_a_recent_heartbeat(monitor):
    cache.set(HEARTBEAT_CACHE_KEY, time.time() - 30)
    response = monitor.get(reverse("health"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok", "worker": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_no_heartbeat_yet_is_reported_but_still_healthy(monitor):
    response = monitor.get(reverse("health"))
    assert response.status_code == 200
    assert response.json()["worker"] == "unknown: no heartbeat yet"


def test_a_stale_heartbeat_is_reported(monitor):
    cache.set(HEARTBEAT_CACHE_KEY, time.time() - WORKER_STALE_AFTER - 60)
    body = monitor.get(reverse("health")).json()
    assert body["status"] == "ok"
    assert body["worker"].startswith("stale: last heartbeat ")


def test_anonymous_access_needs_no_login_and_shows_no_details(client):
    cache.set(HEARTBEAT_CACHE_KEY, time.time() - WORKER_STALE_AFTER - 60)
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.text == "ok"
    assert "no-cache" in response["Cache-Control"]


def test_a_staff_user_sees_the_details(client):
    client.force_login(UserFactory(is_staff=True))
    assert client.get(reverse("health")).json()["database"] == "ok"


def test_a_user_who_is_not_staff_sees_no_details(client_owner):
    assert client_owner.get(reverse("health")).text == "ok"


@pytest.mark.parametrize(
    "authorization", [f"Bearer {TOKEN}x", "Bearer ", f"Basic {TOKEN}", TOKEN, "Bearer wrong"]
)
def test_a_wrong_token_sees_no_details(settings, authorization):
    settings.HEALTH_TOKEN = TOKEN
    response = Client(HTTP_AUTHORIZATION=authorization).get(reverse("health"))
    assert response.text == "ok"


def test_without_a_configured_token_no_bearer_sees_details(settings):
    assert settings.HEALTH_TOKEN is None
    response = Client(HTTP_AUTHORIZATION="Bearer None").get(reverse("health"))
    assert response.text == "ok"


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_only_get(client, method):
    assert getattr(client, method)(reverse("health")).status_code == 405
