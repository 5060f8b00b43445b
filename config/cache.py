"""The Redis cache, failing open: a Redis that is down is a cache miss, not a 500.

The cache holds nothing that must survive: allauth's rate-limit counters (log-in,
sign-up, password reset), the TOTP codes already used, the worker's heartbeat.
With Django's ``RedisCache`` a connection error reaches the view, so while Redis is
down nobody can even log in. Here reads are misses and writes are dropped, with a
warning logged at most once a minute. The trade-off, accepted on purpose: while
Redis is down the rate limits do not count (the password hasher still makes
guessing slow) and a TOTP code could be used twice within its 30 seconds; the
health page still reports the outage (``get_strict``). The short socket timeouts
in ``settings.REDIS_CACHE_OPTIONS`` make a dead Redis cost milliseconds a request.
See docs/production.md.
"""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
WARN_EVERY = 60  # seconds between two warnings of the same outage

_last_warning_at: float | None = None


def _warn(operation: str, exc: BaseException) -> None:
    global _last_warning_at
    now = time.monotonic()
    if _last_warning_at is not None and now - _last_warning_at < WARN_EVERY:
        return
    _last_warning_at = now
    logger.warning(
        "Redis cache unreachable (%s: %s): %s treated as a miss; rate limits are not "
        "counted until it is back",
        exc.__class__.__name__,
        exc,
        operation,
    )


class FailOpenRedisCache(RedisCache):
    """``RedisCache`` whose connection errors and timeouts are misses (see the module)."""

    def get_strict(self, key, default=None, version=None):
        """``get`` that raises when Redis is unreachable (for the health page)."""
        return super().get(key, default, version)

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except UNREACHABLE as exc:
            _warn("get", exc)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except UNREACHABLE as exc:
            _warn("get_many", exc)
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except UNREACHABLE as exc:
            _warn("has_key", exc)
            return False

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set(key, value, timeout, version)
        except UNREACHABLE as exc:
            _warn("set", exc)
            return None

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except UNREACHABLE as exc:
            _warn("set_many", exc)
            return list(data)  # the keys that failed to be set

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        # "Added": allauth takes a lock with ``add`` and would otherwise wait for it
        # a whole second on every request.
        try:
            return super().add(key, value, timeout, version)
        except UNREACHABLE as exc:
            _warn("add", exc)
            return True

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except UNREACHABLE as exc:
            _warn("incr", exc)
            raise ValueError(f"Key {key!r} not found (the cache is unreachable).") from exc

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().touch(key, timeout, version)
        except UNREACHABLE as exc:
            _warn("touch", exc)
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except UNREACHABLE as exc:
            _warn("delete", exc)
            return False

    def delete_many(self, keys, version=None):
        try:
            return super().delete_many(keys, version)
        except UNREACHABLE as exc:
            _warn("delete_many", exc)
            return None
