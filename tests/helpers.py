"""Small helpers shared by the view tests."""

from __future__ import annotations

from django.contrib.messages import get_messages


def texts(response) -> list[str]:
    """The messages (django.contrib.messages) that a response's request left."""
    return [str(m) for m in get_messages(response.wsgi_request)]
