"""What one test process shares: its run id and the cache as configured.

``CONFIGURED_CACHES`` is read once, before any test changes ``settings``: it is the
cache a worker process uses, and the one the per-test key prefix is added to.
"""

from __future__ import annotations

import copy
import uuid

from django.conf import settings

RUN_ID = uuid.uuid4().hex[:12]
CONFIGURED_CACHES = copy.deepcopy(settings.CACHES)


def uses_redis_cache() -> bool:
    return CONFIGURED_CACHES["default"]["BACKEND"].endswith("RedisCache")
