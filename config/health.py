"""A health page for load balancers and operators: database, cache and worker."""

from __future__ import annotations

import time

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.celery import HEARTBEAT_CACHE_KEY

# beat sends a heartbeat every minute; allow a few to be late before alarming.
WORKER_STALE_AFTER = 5 * 60


@require_GET
@never_cache
def health(request):
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # any failure means unhealthy, whatever its kind
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        last_beat = cache.get(HEARTBEAT_CACHE_KEY)
        checks["cache"] = "ok"
    except Exception as exc:
        last_beat = None
        checks["cache"] = f"error: {exc.__class__.__name__}"
    if last_beat is None:
        checks["worker"] = "unknown: no heartbeat yet"
    elif time.time() - last_beat > WORKER_STALE_AFTER:
        checks["worker"] = f"stale: last heartbeat {int(time.time() - last_beat)} s ago"
    else:
        checks["worker"] = "ok"
    healthy = checks["database"] == "ok" and checks["cache"] == "ok"
    return JsonResponse(
        {"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503
    )
