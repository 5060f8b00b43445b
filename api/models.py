"""Personal access tokens for scripts (docs/api.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AccessToken(models.Model):
    class Scope(models.TextChoices):
        READ = "read", "Read"
        READ_WRITE = "read-write", "Read and write"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_tokens"
    )
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. “Spreadsheet”.")
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.READ)
    # Only the SHA-256 of the secret (api/tokens.py); the secret is shown once.
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The secret's last characters, so a user can tell their tokens apart.
    hint = models.CharField(max_length=4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="accesstoken_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.READ_WRITE

    def is_expired(self, now) -> bool:
        return self.expires_at is not None and self.expires_at <= now


class IdempotentRequest(models.Model):
    """A POST made with an ``Idempotency-Key``, and the response it got.

    The row is claimed in the transaction that makes the POST's rows: a second
    request with the same key waits on the unique index until the first commits,
    then finds its response (api/idempotency.py).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="idempotent_requests"
    )
    key = models.CharField(max_length=255)
    # SHA-256 of the method, path and body: the same key with another body is refused.
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotentrequest_unique_key"),
        ]

    def __str__(self) -> str:
        return self.key
