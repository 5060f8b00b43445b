"""Rate limits per token (per user for the browser's session), apart from the
log-in limits: counted in the fail-open Redis cache (config/cache.py), so while
Redis is down the API is not limited rather than down."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from api.models import AccessToken


class PerTokenThrottle(SimpleRateThrottle):
    scope = "api"

    def get_rate(self) -> str:
        return settings.API_RATE_LIMIT

    def get_cache_key(self, request, view) -> str | None:
        if isinstance(request.auth, AccessToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            return None
        return f"api-throttle-{ident}"
