"""Middleware of the whole site: private pages are never cached, a database outage is a 503."""

from __future__ import annotations

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control
from django.views import defaults

from config.outage_log import OutageLog


class PrivateCacheControlMiddleware:
    """``Cache-Control: private, no-store`` on every response to a logged-in user.

    Every page a signed-in person sees shows their money; neither a shared proxy
    nor the browser's back/forward cache on a shared computer should keep a copy.
    A view that chose its own Cache-Control (a download, the health page) keeps it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # The header first: the 503 of a database outage has one, and asking who the
        # user is would go to the database for the session.
        if response.has_header("Cache-Control"):
            return response
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response


# --- A database outage ------------------------------------------------------------

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30
# One traceback a minute says what happened; the other requests get a line each.
outage_log = OutageLog(logging.getLogger("config.outage"))


def _log_outage(request, exc: BaseException) -> None:
    outage_log.failed(exc, "Database unavailable: %s %s", request.method, request.path)


def outage_response() -> HttpResponse:
    """The static 503 page; rendered without a request, so it needs no database."""
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    patch_cache_control(response, no_store=True)
    # _log_outage has said it, sparingly; Django would add a line (or a whole
    # traceback, from handler500) for every request of the outage.
    response._has_been_logged = True
    return response


class DatabaseOutageMiddleware:
    """A view that cannot reach the database answers 503 "back in a moment", not 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            _log_outage(request, exception)
            return outage_response()
        return None


def server_error(request, template_name: str = "500.html"):
    """handler500: the 503 page when the database is why (e.g. loading the session in
    a middleware, outside any view); Django's own 500 page otherwise."""
    exc = sys.exc_info()[1]
    if isinstance(exc, DATABASE_ERRORS):
        _log_outage(request, exc)
        return outage_response()
    return defaults.server_error(request, template_name)
