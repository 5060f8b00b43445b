"""The passive-income calendar page, of all the user's portfolios or of one."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from portfolio.access import get_portfolio
from portfolio.income_calendar import income_calendar
from portfolio.models import Portfolio
from portfolio.months import user_today


def _render(request, *, portfolios, portfolio=None):
    today = user_today(request.user)
    context = {
        "calendar": income_calendar(request.user, portfolios, portfolio=portfolio, today=today),
        "portfolio": portfolio,
        "tab": "calendar",
    }
    return render(request, "dashboard/calendar.html", context)


@login_required
@require_GET
def calendar(request):
    """The next twelve months of passive payments, every portfolio together."""
    return _render(request, portfolios=Portfolio.objects.filter(owner=request.user))


@login_required
@require_GET
def portfolio_calendar(request, pk: int):
    """One portfolio's calendar; another user's portfolio is a 404."""
    portfolio = get_portfolio(request, pk)
    return _render(
        request, portfolios=Portfolio.objects.filter(pk=portfolio.pk), portfolio=portfolio
    )
