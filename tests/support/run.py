"""What one test process shares: its run id, its queue and the cache as configured.

``CONFIGURED_CACHES`` is read once, before any test changes ``settings``: it is the
cache a worker process uses, and the one the per-test key prefix is added to.

Test processes run side by side (``pytest -n``) on one Redis or one broker folder,
so each has a Celery queue and a cache key prefix of its own: it publishes to its
queue, the workers and web processes it starts inherit both through the environment
(``CELERY_QUEUE``, ``CACHE_KEY_PREFIX``, read by config/settings.py), and no other
process's worker takes its tasks or answers its heartbeat.
"""

from __future__ import annotations

import copy
import os
import uuid

from django.conf import settings

from config.celery import app as celery_app

RUN_ID = uuid.uuid4().hex[:12]
QUEUE = f"test-{RUN_ID}"
SHARED_CACHE_PREFIX = f"test-{RUN_ID}-shared"

os.environ["CELERY_QUEUE"] = QUEUE
os.environ["CACHE_KEY_PREFIX"] = SHARED_CACHE_PREFIX
# Settings were read before this module: this process's Celery app and cache too.
celery_app.conf.task_default_queue = QUEUE
CONFIGURED_CACHES = copy.deepcopy(settings.CACHES)
CONFIGURED_CACHES["default"]["KEY_PREFIX"] = SHARED_CACHE_PREFIX


def uses_redis_cache() -> bool:
    return CONFIGURED_CACHES["default"]["BACKEND"].endswith("RedisCache")
