"""Pages about the user's portfolios and figures."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET


@login_required
@require_GET
def dashboard(request):
    portfolios = list(request.user.portfolios.all())
    return render(request, "portfolio/dashboard.html", {"portfolios": portfolios})
