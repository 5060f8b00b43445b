"""Middleware of the whole site: private pages are never cached, a database outage is a 503."""

from __future__ import annotations

from django.utils.cache import patch_cache_control


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
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return response
