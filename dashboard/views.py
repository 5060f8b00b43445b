"""The dashboard (all portfolios, or one) and the page explaining its figures."""

from __future__ import annotations

from functools import cache

import markdown
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from dashboard.charts import dashboard_charts, recompute_pending
from goals import progress
from goals.models import Goal
from goals.services import goal_cards
from portfolio.access import get_portfolio, may_change, owned_portfolios
from portfolio.history_trend import own_trend
from portfolio.models import Portfolio
from portfolio.months import user_today
from portfolio.selectors import figures_at, has_any_data


def render_dashboard(request, *, portfolios, portfolio=None):
    """The figures of ``portfolios`` (a queryset) today; ``portfolio`` when only one."""
    today = user_today(request.user)
    figures = figures_at(
        portfolios=portfolios, as_of=today, currency=request.user.currency, with_pace=True
    )
    cards = goal_cards(user=request.user, today=today, portfolio=portfolio)
    suggestion = None
    if portfolio is None and figures.flows_known:
        # The user-level dashboard invites a goal for the year (next year's, in
        # December) while there is none (and figures are known to suggest one).
        suggestion = progress.suggest_goal(
            ratio=figures.wealth_ratio, monthly_earned=figures.monthly_earned, today=today
        )
        if (
            suggestion
            and Goal.objects.filter(
                owner=request.user, household=None, year=suggestion.year
            ).exists()
        ):
            suggestion = None
    context = {
        "figures": figures,
        "goal_cards": cards,
        "goal_suggestion": suggestion,
        "portfolio": portfolio,
        # Where the guided first step adds things: this portfolio, or the first one.
        "start_portfolio": portfolio or portfolios.first(),
        "has_data": has_any_data(portfolios),
        # History charts read snapshots only: three queries, whatever the history's length.
        "charts": dashboard_charts(user=request.user, portfolio=portfolio),
        "tab": "overview",
        "can_change": portfolio is None or may_change(request.user, portfolio),
        "trend": own_trend(request.user, portfolio=portfolio, today=today),
    }
    return render(request, "dashboard/dashboard.html", context)


@login_required
@require_GET
def dashboard(request):
    """All of the user's portfolios summed."""
    return render_dashboard(request, portfolios=owned_portfolios(request.user))


@login_required
@require_GET
def portfolio_dashboard(request, pk: int):
    """One portfolio's figures."""
    portfolio = get_portfolio(request, pk)
    return render_dashboard(
        request, portfolios=Portfolio.objects.filter(pk=portfolio.pk), portfolio=portfolio
    )


@login_required
@require_GET
@never_cache
def status(request):
    """Whether the user's history is being recomputed; static/js/charts.js asks it
    every few seconds while the page says so, then redraws the charts."""
    return JsonResponse({"pending": recompute_pending(request.user)})


@cache
def _metrics_doc_html() -> str:
    text = (settings.BASE_DIR / "docs" / "metrics.md").read_text(encoding="utf-8")
    return markdown.markdown(text, extensions=["toc", "tables"], output_format="html")


@require_GET
def metrics_help(request):
    """docs/metrics.md as a page: the one text that explains every figure."""
    return render(request, "dashboard/metrics_help.html", {"body": mark_safe(_metrics_doc_html())})  # noqa: S308 (our own file)
