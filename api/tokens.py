"""Personal access tokens: made, recognised and used, never stored in the clear.

A token is 32 random bytes, so a plain SHA-256 of it is as hard to reverse as the
token is to guess: no slow hash (and no salt) is needed, and a request finds its
token with one indexed lookup of the hash.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.utils import timezone

from api.models import AccessToken

PREFIX = "wr_"
# Recording every request's time would make each read a write; a minute is precise
# enough for "last used".
LAST_USE_PRECISION = timedelta(minutes=1)


def hash_of(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_create(*, user, name: str, scope: str, expires_at) -> tuple[AccessToken, str]:
    """Make a token; return it with its secret, which is never stored nor shown again."""
    secret = PREFIX + secrets.token_urlsafe(32)
    token = AccessToken.objects.create(
        user=user,
        name=name,
        scope=scope,
        expires_at=expires_at,
        key_hash=hash_of(secret),
        hint=secret[-4:],
    )
    return token, secret


def token_for(secret: str) -> AccessToken | None:
    """The live token with this secret, its last use recorded; None if unknown,
    revoked (deleted) or expired."""
    token = AccessToken.objects.select_related("user").filter(key_hash=hash_of(secret)).first()
    now = timezone.now()
    if token is None or not token.user.is_active or token.is_expired(now):
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USE_PRECISION:
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
