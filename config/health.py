"""A health page for load balancers and operators: database, cache and worker.

Anyone gets a bare 200 "ok" or 503 "unavailable", enough for a load balancer. The
details (which part failed, the worker's heartbeat) are for staff users and for a
monitor sending ``Authorization: Bearer <HEALTH_TOKEN>``: they tell an attacker
what the site runs on and when its jobs are behind.
"""

from __future__ import annotations

import secrets
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.celery import HEARTBEAT_CACHE_KEY

# beat sends a heartbeat every minute; allow a few to be late before alarming.
WORKER_STALE_AFTER = 5 * 60


def _may_see_details(request) -> bool:
    token = settings.HEALTH_TOKEN
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if token and scheme.lower() == "bearer" and given:
        return secrets.compare_digest(given.strip().encode(), token.encode())
    # Only a session cookie makes it worth asking the database who this is.
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    try:
        return request.user.is_active and request.user.is_staff
    except Exception:  # the database holding sessions is down: no details
        return False


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
        # The cache fails open (config/cache.py); here an outage must show.
        last_beat = getattr(cache, "get_strict", cache.get)(HEARTBEAT_CACHE_KEY)
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
    if not _may_see_details(request):
        return HttpResponse(
            "ok" if healthy else "unavailable",
            status=200 if healthy else 503,
            content_type="text/plain; charset=utf-8",
        )
    return JsonResponse(
        {"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503
    )
