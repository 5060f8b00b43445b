"""A real worker process consumes the queue: the heartbeat makes the round trip."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache
from django.urls import reverse

from config.celery import HEARTBEAT_CACHE_KEY, heartbeat

pytestmark = pytest.mark.celery_worker


def test_heartbeat_sent_with_delay_reaches_the_cache_through_a_real_worker(
    celery_worker, wait_for_heartbeat, client, settings
):
    assert cache.get(HEARTBEAT_CACHE_KEY) is None
    sent_at = time.time()
    heartbeat.delay()
    beat = wait_for_heartbeat(celery_worker, sent_at, timeout=30)
    assert sent_at <= beat <= time.time()
    # The health page, reading the same cache, now sees a live worker (details need
    # the monitor's token).
    settings.HEALTH_TOKEN = "monitor-token"
    response = client.get(reverse("health"), HTTP_AUTHORIZATION="Bearer monitor-token")
    assert response.json()["worker"] == "ok"
