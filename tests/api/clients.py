"""A JSON test client with a bearer token, for the API tests."""

from __future__ import annotations

from django.test import Client

from api.tokens import token_create


class ApiClient:
    """A test client that speaks JSON with a bearer token."""

    def __init__(self, secret: str):
        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    def get(self, path, params=None, **extra):
        return self.client.get(path, params or {}, **self.headers, **extra)

    def _send(self, method, path, body, **extra):
        return getattr(self.client, method)(
            path, body, content_type="application/json", **self.headers, **extra
        )

    def post(self, path, body=None, **extra):
        return self._send("post", path, body or {}, **extra)

    def patch(self, path, body=None, **extra):
        return self._send("patch", path, body or {}, **extra)

    def delete(self, path, **extra):
        return self.client.delete(path, **self.headers, **extra)


def api_client(user, scope="read-write") -> ApiClient:
    _, secret = token_create(user=user, name=f"Test {scope}", scope=scope, expires_at=None)
    return ApiClient(secret)
