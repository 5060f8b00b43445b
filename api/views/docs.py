"""The API's documentation page, served by the app under its strict CSP."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_safe


@login_required
@require_safe
def api_docs(request):
    return render(request, "api/docs.html")
