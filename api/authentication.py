"""``Authorization: Bearer <token>`` for scripts; the browser uses its session (with CSRF)."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from api.tokens import token_for


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        keyword, _, secret = header.partition(" ")
        if keyword != self.keyword:
            return None
        token = token_for(secret.strip()) if secret.strip() else None
        if token is None:
            raise exceptions.AuthenticationFailed("The token is unknown, revoked or expired.")
        return token.user, token

    def authenticate_header(self, request) -> str:
        # Makes an unauthenticated request a 401 (with this challenge), not a 403.
        return self.keyword


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """The token in the OpenAPI description, so the docs page can send one."""

    target_class = BearerTokenAuthentication
    name = "accessToken"

    def get_security_definition(self, auto_schema) -> dict:
        return {"type": "http", "scheme": "bearer", "description": "A personal access token."}
