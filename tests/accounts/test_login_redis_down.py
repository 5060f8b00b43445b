"""With Redis unreachable, log-in still works: the cache fails open (config/cache.py)."""

from __future__ import annotations

import logging
import time
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.urls import reverse

from config import cache as fail_open
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def redis_down(settings, monkeypatch):
    """The cache as configured for production, pointed at a Redis that is not there."""
    monkeypatch.setattr(fail_open, "_last_warning_at", None)
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.FailOpenRedisCache",
            "LOCATION": DEAD_REDIS,
            "OPTIONS": settings.REDIS_CACHE_OPTIONS,
        }
    }


def test_production_settings_use_the_fail_open_cache(settings):
    if "redis" not in settings.CACHES["default"].get("LOCATION", ""):
        pytest.skip("runs only where REDIS_URL is set")
    from tests.support.run import CONFIGURED_CACHES

    assert CONFIGURED_CACHES["default"]["BACKEND"] == "config.cache.FailOpenRedisCache"


def test_log_in_works_while_redis_is_down(client, owner, redis_down, caplog):
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="config.cache"):
        response = client.post(
            reverse("account_login"), {"login": owner.email, "password": PASSWORD}
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:dashboard")
    assert client.session.get("_auth_user_id") == str(owner.pk)
    warnings = [r for r in caplog.records if r.name == "config.cache"]
    # Logged once, however many cache calls the log-in made.
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING
    assert "unreachable" in warnings[0].getMessage()
    assert time.monotonic() - started < 5


def test_reads_are_misses_and_writes_are_dropped(redis_down):
    assert cache.get("k", "default") == "default"
    assert cache.set("k", 1) is None
    assert cache.add("k", 1) is True
    assert cache.get_many(["k"]) == {}
    assert cache.delete("k") is False
    with pytest.raises(ValueError):
        cache.incr("k")


def test_the_warning_is_logged_at_most_once_a_minute(redis_down, caplog, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(fail_open, "time", SimpleNamespace(monotonic=lambda: clock[0]))
    with caplog.at_level(logging.WARNING, logger="config.cache"):
        cache.get("a")
        clock[0] += 59
        cache.get("b")
        clock[0] += 2
        cache.get("c")
    assert len([r for r in caplog.records if r.name == "config.cache"]) == 2
