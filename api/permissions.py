"""Who may call the API: a signed-in user; a read token only reads."""

from __future__ import annotations

from rest_framework import permissions

from api.models import AccessToken


class TokenScope(permissions.BasePermission):
    message = "This token may only read; make a read-and-write token to change data."

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        token = request.auth
        return not isinstance(token, AccessToken) or token.can_write
