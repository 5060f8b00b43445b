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

from accounts.page_cache import cached_page
from dashboard.charts import history_section, recompute_pending
from goals import progress
from goals.services import cards_data, coming_goals, goal_cards, own_goals
from portfolio.access import get_portfolio, may_change, owned_portfolios
from portfolio.models import Portfolio
from portfolio.months import month_end, user_today
from portfolio.selectors import figures_at, has_any_data


def render_dashboard(request, *, portfolios, portfolio=None):
    """The figures of ``portfolios`` (a queryset) today; ``portfolio`` when only one."""
    today = user_today(request.user)
    figures = data = None
    if portfolio is None:
        # One load for the figures and the goal cards: the window to the year's end.
        data = cards_data(user=request.user, today=today)
        now = data.until(month_end(today))
        figures = now and now.figures_at(today, with_pace=True)
    if figures is None:
        figures = figures_at(
            portfolios=portfolios, as_of=today, currency=request.user.currency, with_pace=True
        )
    cards = goal_cards(user=request.user, today=today, portfolio=portfolio, data=data)
    coming = []
    if portfolio is None:
        coming = coming_goals(own_goals(request.user), today)
    suggestion = None
    if portfolio is None and figures.flows_known:
        # The user-level dashboard invites a goal for the year (next year's, in
        # December) while there is none (and figures are known to suggest one).
        suggestion = progress.suggest_goal(
            ratio=figures.wealth_ratio, monthly_earned=figures.monthly_earned, today=today
        )
        # None once a goal is set for the year it is for: this one, or next in December.
        if suggestion is not None and (coming if suggestion.year != today.year else cards):
            suggestion = None
    # Where the guided first step adds things: this portfolio, or the first one.
    start_portfolio = portfolio or portfolios.first()
    history = history_section(
        user=request.user, today=today, portfolio=portfolio, start_portfolio=start_portfolio
    )
    context = {
        "figures": figures,
        "goal_cards": cards,
        "coming_goals": coming,
        "goal_suggestion": suggestion,
        "portfolio": portfolio,
        "start_portfolio": start_portfolio,
        "has_data": has_any_data(portfolios) if data is None else data.has_any(),
        # History charts and trend read snapshots only, made once per change of them.
        "charts_section": history.html,
        "tab": "overview",
        "can_change": portfolio is None or may_change(request.user, portfolio),
        "trend": history.trend,
    }
    return render(request, "dashboard/dashboard.html", context)


@login_required
@require_GET
@cached_page
def dashboard(request):
    """All of the user's portfolios summed."""
    return render_dashboard(request, portfolios=owned_portfolios(request.user))


@login_required
@require_GET
@cached_page
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
