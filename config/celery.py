"""The Celery app. Workers and beat start with ``celery -A config worker|beat``."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("wealthratio")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

HEARTBEAT_CACHE_KEY = "health:worker-heartbeat"


@app.task(name="health.heartbeat")
def heartbeat() -> None:
    """Record that a worker is consuming the queue; beat sends it every minute.

    The health page reads the timestamp back, so an operator sees at once when
    no worker is running or the broker is unreachable.
    """
    import time

    from django.core.cache import cache

    cache.set(HEARTBEAT_CACHE_KEY, time.time(), timeout=None)
