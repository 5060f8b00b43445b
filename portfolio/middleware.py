"""Tell the user when a save could not queue its snapshot recompute (broker down).

The change and its marker are saved; only the task that redraws the charts was not
sent. The sweep (``portfolio.tasks.sweep_stale_markers``) sends it within minutes,
so the user is told the charts will catch up rather than wonder why they did not.
It costs a context variable per request; nothing is looked up.
"""

from __future__ import annotations

from django.contrib import messages

from portfolio import snapshots

CHARTS_LATER = "Saved. Your charts will update in a few minutes."


class ChartsLaterMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        failures: list[int] = []
        token = snapshots.publish_failures.set(failures)
        try:
            response = self.get_response(request)
        finally:
            snapshots.publish_failures.reset(token)
        if failures and hasattr(request, "_messages"):
            messages.info(request, CHARTS_LATER)
        return response
