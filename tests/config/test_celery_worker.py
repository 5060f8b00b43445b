"""A real worker process consumes its queue: the heartbeat makes the round trip."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache, caches
from django.urls import reverse

from config.celery import HEARTBEAT_CACHE_KEY, heartbeat
from tests.support.run import QUEUE, SHARED_CACHE_PREFIX
from tests.support.workers import _start_worker, drained

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


def test_a_worker_takes_only_its_own_queue_and_writes_under_its_own_prefix(
    celery_worker, tmp_path, settings
):
    """What keeps test processes running side by side (and deployments sharing one
    Redis) apart: ``CELERY_QUEUE`` and ``CACHE_KEY_PREFIX``. A worker set to another
    queue answers a heartbeat sent to that queue, in its own part of the cache; this
    process's worker and cache never see it."""
    other_queue, other_prefix = f"{QUEUE}-other", f"{SHARED_CACHE_PREFIX}-other"
    other = _start_worker(
        "other",
        tmp_path / "other.log",
        "--pool=solo",
        "-l",
        "INFO",
        CELERY_QUEUE=other_queue,
        CACHE_KEY_PREFIX=other_prefix,
    )
    try:
        other.wait_until(lambda: " ready." in other.output(), 60, what="start")
        other_cache = caches.create_connection("default")  # a copy of the same cache...
        other_cache.key_prefix = other_prefix  # ...under the other worker's prefix
        sent_at = time.time()
        heartbeat.apply_async(queue=other_queue)
        beat = other.wait_until(lambda: other_cache.get(HEARTBEAT_CACHE_KEY), 30, "heartbeat")
        assert beat >= sent_at
        assert cache.get(HEARTBEAT_CACHE_KEY) is None
        # This process's queue still reaches its own worker.
        drained(celery_worker)
    finally:
        other.process.terminate()
        other.process.wait(timeout=30)
