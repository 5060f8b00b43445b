"""Redis down: people still log in and save; the charts catch up once Redis is back.

The real web process (gunicorn) runs with its cache (``REDIS_URL``) at a port where
nothing listens, and its Celery broker at a port that drops every connection, so
the test can count how often a save tried to publish its recompute. Then a
private ``redis-server`` comes up, a real worker connects to it, and the sweep
(``snapshots.sweep_stale_markers``) redoes the recompute the save could not queue.
How the fail-open cache treats each call is checked in this process (config/cache.py).
"""

from __future__ import annotations

import json
import logging
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.conf import global_settings
from django.core.cache import cache
from django.db.models import F

from config import cache as fail_open
from config.celery import app as celery_app
from portfolio import snapshots
from portfolio.middleware import CHARTS_LATER
from portfolio.models import Entry, Snapshot, SnapshotQueue
from portfolio.tasks import sweep_stale_markers
from tests.factories import PASSWORD, UserFactory
from tests.support.run import CONFIGURED_CACHES
from tests.support.workers import worker_database_url

TOKEN = "a-long-random-token-for-the-monitor"
# One publish: the first try and the retries of the policy, then it gives up.
PUBLISH_ATTEMPTS = 1 + snapshots.PUBLISH_RETRY_POLICY["max_retries"]
ENTRY = {"date": "2026-10-03", "amount": "42.10", "category": "dividends", "stream": ""}


@pytest.fixture
def web(transactional_db, start_web, dead_port, dropping_server):
    """The app with Redis down: the cache refused, the broker dropping connections."""
    return start_web(
        DATABASE_URL=worker_database_url(),
        REDIS_URL=f"redis://127.0.0.1:{dead_port}/0",
        # Celery reads CELERY_BROKER_URL before its settings: the broker on its own port.
        CELERY_BROKER_URL=dropping_server.url,
        HEALTH_TOKEN=TOKEN,
    )


@pytest.fixture
def person(settings, transactional_db):
    """A user whose password the web process can check (it has the default hashers)."""
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    return UserFactory(email="person@example.com")


@pytest.fixture
def redis_is_back(start_private_redis, settings, monkeypatch):
    """``redis_is_back()``: a private Redis up, and this process's cache and Celery app
    on it (as a worker with ``REDIS_URL`` at it will be)."""

    def back():
        server = start_private_redis()
        settings.CACHES = {
            "default": {
                "BACKEND": "config.cache.FailOpenRedisCache",
                "LOCATION": server.url,
                "OPTIONS": settings.REDIS_CACHE_OPTIONS,
                # The worker's prefix, which it inherits from this process.
                "KEY_PREFIX": CONFIGURED_CACHES["default"]["KEY_PREFIX"],
            }
        }
        monkeypatch.setattr(celery_app.conf, "broker_url", server.url)
        monkeypatch.setattr(celery_app, "_pool", None)
        monkeypatch.setattr(celery_app.amqp, "_producer_pool", None)
        return server

    yield back
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()


def log_in(web, user):
    browser = web.browser()
    assert browser.get("/accounts/login/").status == 200
    response = browser.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    return browser, response


def test_log_in_works_and_the_outage_is_logged_once(web, person):
    browser, response = log_in(web, person)

    assert response.status == 302, response.text[:1000]
    assert response.headers["Location"] == "/dashboard/"
    assert browser.get("/dashboard/").status == 200
    warnings = [line for line in web.output().splitlines() if "Redis cache unreachable" in line]
    # Once, however many cache calls the pages made (allauth's rate limits, ...).
    assert len(warnings) == 1, web.output()
    assert "ConnectionError" in warnings[0]


def test_the_health_page_reports_the_cache(web):
    response = web.browser(Authorization=f"Bearer {TOKEN}").get("/health/")
    assert response.status == 503
    body = json.loads(response.text)
    assert (body["status"], body["database"]) == ("error", "ok")
    assert body["cache"] == "error: ConnectionError"
    assert web.browser().get("/health/").text == "unavailable"


def test_each_save_tries_the_broker_twice_and_only_the_first_logs_a_traceback(
    web, person, dropping_server
):
    browser, _ = log_in(web, person)
    portfolio = person.portfolios.get()
    for day in ("2026-10-03", "2026-10-04", "2026-10-05"):
        before = dropping_server.attempts()
        response = browser.post(
            f"/portfolios/{portfolio.pk}/entries/new/", {**ENTRY, "date": day, "note": ""}
        )
        assert response.status == 302
        assert dropping_server.attempts() - before == PUBLISH_ATTEMPTS

    log = web.output().splitlines()
    failures = [i for i, line in enumerate(log) if "Could not queue the snapshot" in line]
    assert len(failures) == 3, "\n".join(log)
    assert log[failures[0] + 1].startswith("Traceback (most recent call last)")
    assert not any("Traceback" in line for line in log[failures[1] :])
    assert log[failures[1]].endswith(f"of user {person.pk} (OperationalError)")


def test_a_save_is_kept_then_the_sweep_recomputes_it_once_redis_is_back(
    web, person, dropping_server, redis_is_back, start_worker
):
    browser, _ = log_in(web, person)
    portfolio = person.portfolios.get()
    before = dropping_server.attempts()

    response = browser.post(f"/portfolios/{portfolio.pk}/entries/new/", {**ENTRY, "note": ""})

    # Saved, with its marker for the sweep; the publish tried a bounded number of
    # times and gave up, and the user is told why the charts have not moved.
    assert response.status == 302, response.text[:1000]
    assert dropping_server.attempts() - before == PUBLISH_ATTEMPTS
    assert Entry.objects.filter(portfolio=portfolio, amount=Decimal("42.10")).exists()
    assert SnapshotQueue.objects.filter(user=person).exists()
    assert not Snapshot.objects.filter(owner=person).exists()
    assert CHARTS_LATER in browser.get(response.headers["Location"]).text
    web.stop()

    # Redis is back, and a worker on it.
    worker = start_worker(REDIS_URL=redis_is_back().url)
    # The minute after which the sweep counts a marker as lost has passed.
    SnapshotQueue.objects.filter(user=person).update(
        requested_at=F("requested_at") - snapshots.STALE_AFTER - timedelta(seconds=1)
    )

    sweep_stale_markers.delay()

    worker.wait_until(
        lambda: not SnapshotQueue.objects.filter(user=person).exists(),
        what="recompute of the swept marker",
    )
    october = Snapshot.objects.get(owner=person, portfolio=None, month=date(2026, 10, 1))
    assert october.passive == Decimal("42.10")


# --- How the fail-open cache answers, in this process -------------------------------


@pytest.fixture
def redis_down(settings, monkeypatch, dead_port):
    """The cache as configured for production, pointed at a Redis that is not there."""
    monkeypatch.setattr(fail_open, "_last_warning_at", None)
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.FailOpenRedisCache",
            "LOCATION": f"redis://127.0.0.1:{dead_port}/0",
            "OPTIONS": settings.REDIS_CACHE_OPTIONS,
        }
    }


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
