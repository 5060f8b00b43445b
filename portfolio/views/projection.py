"""The projection page: years ahead from today's figures, under editable assumptions.

Every assumption travels in the query string, so a projection is a link that the
user can keep or share within the account; without any, the form starts from
the user's current figures (all portfolios, or ``?portfolio=<id>``). The formula
is ``metrics.project``; this module only gathers its inputs and presents its rows.
"""

from __future__ import annotations

from decimal import Context, Decimal

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from portfolio import metrics
from portfolio.figures import Figures
from portfolio.models import Portfolio
from portfolio.months import user_today
from portfolio.projection_form import ProjectionForm
from portfolio.selectors import figures_at
from portfolio.views.ownership import get_portfolio

ZERO = Decimal(0)
CENT = Decimal("0.01")
# Passive income that does not come from liquid capital: it grows at its own rate,
# while the yield applies to the projected capital.
OTHER_PASSIVE_CATEGORIES = ("rent", "royalties", "business_profit", "advertising", "other_passive")
DEFAULT_YEARS = 30
DEFAULT_RETURN = Decimal("0.06")
DEFAULT_WAGE_GROWTH = Decimal("0.03")
DEFAULT_PASSIVE_GROWTH = Decimal("0.05")
# Wide enough to round any projected figure to cents (50 years at 100% from 10^12).
_DISPLAY = Context(prec=60)


def projection_defaults(figures: Figures, *, assumed_yield: Decimal) -> dict:
    """The assumptions that start from the user's current (TTM) figures."""
    other_passive = sum(
        (figures.by_category.get(category, ZERO) for category in OTHER_PASSIVE_CATEGORIES),
        start=ZERO,
    )
    kept = figures.earned + figures.passive - figures.spending
    return {
        "years": DEFAULT_YEARS,
        "capital": max(figures.liquid_assets, ZERO),
        "monthly_saving": max(metrics.monthly(kept), ZERO).quantize(CENT),
        "yearly_return": DEFAULT_RETURN,
        "yearly_yield": assumed_yield,
        "reinvest": True,
        "earned_yearly": figures.earned,
        "wage_growth": DEFAULT_WAGE_GROWTH,
        "other_passive_yearly": max(other_passive, ZERO),
        "passive_growth": DEFAULT_PASSIVE_GROWTH,
        "spending_yearly": figures.spending,
    }


def _first_row(rows, reached):
    return next((row for row in rows if reached(row)), None)


def _covers(spending: Decimal):
    def covered(row: metrics.YearRow) -> bool:
        coverage = metrics.passive_coverage(row.passive_yearly, spending)
        return coverage is not None and coverage >= 1

    return covered


def _cents(value: Decimal) -> str:
    return str(value.quantize(CENT, context=_DISPLAY))


def _chart_data(rows: list[metrics.YearRow], start_year: int, currency: str) -> dict:
    """Series for static/js/projection.js: decimal strings, never floats."""
    return {
        "currency": currency,
        "labels": [str(start_year + row.year) for row in rows],
        "capital": [_cents(row.capital) for row in rows],
        "passive": [_cents(row.passive_yearly) for row in rows],
        "earned": [_cents(row.earned_yearly) for row in rows],
        # Percent; a ratio without earned income is unbounded and left out of the line.
        "ratio": [
            str((row.ratio * 100).quantize(Decimal("0.1"), context=_DISPLAY))
            if row.ratio is not None and row.ratio.is_finite()
            else None
            for row in rows
        ],
    }


@login_required
@require_GET
def projection(request):
    """The form, the headline years, a chart and a table of every year."""
    portfolios = Portfolio.objects.filter(owner=request.user)
    portfolio = None
    if chosen := request.GET.get("portfolio", "").strip():
        if not chosen.isdigit():
            chosen = "0"  # no such portfolio: 404 like any other that is not the user's
        portfolio = get_portfolio(request, int(chosen))
    today = user_today(request.user)
    figures = figures_at(
        portfolios=portfolios.filter(pk=portfolio.pk) if portfolio else portfolios, as_of=today
    )
    defaults = projection_defaults(figures, assumed_yield=request.user.assumed_yield)

    if any(name in request.GET for name in ProjectionForm.base_fields):
        form = ProjectionForm(request.GET)
        assumptions = form.cleaned_data if form.is_valid() else None
    else:
        form = ProjectionForm(initial=defaults)
        assumptions = defaults

    context = {
        "form": form,
        "portfolio": portfolio,
        "portfolios": portfolios,
        "figures": figures,
        "rows": None,
    }
    if assumptions is not None:
        rows = metrics.project(**assumptions)
        spending = assumptions["spending_yearly"]
        context.update(
            rows=[(today.year + row.year, row) for row in rows],
            years=assumptions["years"],
            spending=spending,
            ratio_row=_first_row(rows, lambda row: row.ratio is not None and row.ratio >= 1),
            covered_row=_first_row(rows, _covers(spending)),
            start_year=today.year,
            chart=_chart_data(rows, today.year, request.user.currency),
            last=rows[-1],
        )
    return render(request, "portfolio/projection.html", context)
