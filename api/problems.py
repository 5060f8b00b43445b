"""Every API error as ``application/problem+json`` (RFC 9457), field errors included.

A problem has ``type``, ``title``, ``status`` and ``detail``; a refused body adds
``errors``: for each field (or ``non_field_errors``) the messages the page's form
would show.
"""

from __future__ import annotations

from http import HTTPStatus

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.decorators import (
    api_view,
    authentication_classes,
    permission_classes,
    schema,
    throttle_classes,
)
from rest_framework.response import Response
from rest_framework.views import exception_handler, set_rollback

CONTENT_TYPE = "application/problem+json"


def problem(status: int, detail: str, *, errors: dict | None = None, headers=None) -> Response:
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    return Response(body, status=status, headers=headers, content_type=CONTENT_TYPE)


def _messages(detail) -> dict | list:
    if isinstance(detail, dict):
        return {key: _messages(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [str(item) for item in detail]
    return [str(detail)]


def handle(exc, context) -> Response | None:
    """DRF's exception handler, answering problems."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = exception_handler(exc, context)
    if response is None:
        return None
    set_rollback()
    headers = {k: v for k, v in response.items() if k in ("WWW-Authenticate", "Retry-After")}
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        return problem(
            response.status_code,
            "The request was refused: see the errors of each field.",
            errors=_messages(detail),
        )
    return problem(response.status_code, str(exc.detail), headers=headers)


@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@authentication_classes([])
@permission_classes([])
@throttle_classes([])
@schema(None)
def not_found(request):
    """Any address under /api/v1/ that names no operation (an id that is no number)."""
    raise exceptions.NotFound("Not found.")
