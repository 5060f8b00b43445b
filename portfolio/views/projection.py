"""The projection page: years ahead from today's figures, under editable assumptions.

Every assumption travels in the query string, so a projection is a link that the
user can keep or share within the account; without any, the form starts from
the user's current figures (all portfolios, or ``?portfolio=<id>``). The formula
is ``metrics.project``; this module only gathers its inputs and presents its rows.
"""

from __future__ import annotations

from decimal import Context, Decimal
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from accounts.page_cache import cached_page
from portfolio import metrics
from portfolio.access import get_portfolio, owned_portfolios
from portfolio.figures import Figures
from portfolio.months import month_end, user_today, window_start
from portfolio.projection_form import ProjectionForm
from portfolio.selectors import liquid_income_at, load_owner_data

ZERO = Decimal(0)
YIELD_PLACES = Decimal("0.0001")
DEFAULT_YEARS = 30
DEFAULT_RETURN = Decimal("0.06")
DEFAULT_WAGE_GROWTH = Decimal("0.03")
DEFAULT_PASSIVE_GROWTH = Decimal("0.05")
# Wide enough to round any projected figure to cents (50 years at 100% from 10^12).
_DISPLAY = Context(prec=60)
MONEY_CENT = Decimal("0.01")


def projection_defaults(figures: Figures, *, liquid_income: Decimal) -> dict:
    """The assumptions that start from the dashboard's figures.

    The capital is the liquid assets; its yield is the one it is recorded to pay
    (the yearly passive income of streams linked to liquid holdings / liquid
    assets), and "other passive income" is the rest of the passive income, so
    that today's row holds the dashboard's ratio. Nothing is assumed that the
    dashboard does not count.
    """
    capital = max(figures.liquid_assets or ZERO, ZERO)
    recorded_yield = min(liquid_income / capital, Decimal(1)) if capital else ZERO
    recorded_yield = recorded_yield.quantize(YIELD_PLACES)
    passive = figures.yearly_passive
    other_passive = max(passive - recorded_yield * capital, ZERO)
    kept = figures.monthly_earned + figures.monthly_passive - figures.monthly_spending
    return {
        "years": DEFAULT_YEARS,
        "capital": capital.quantize(MONEY_CENT),
        "monthly_saving": max(kept, ZERO).quantize(MONEY_CENT),
        "yearly_return": DEFAULT_RETURN,
        "yearly_yield": recorded_yield,
        "reinvest": True,
        "earned_yearly": figures.yearly_earned.quantize(MONEY_CENT),
        "wage_growth": DEFAULT_WAGE_GROWTH,
        "other_passive_yearly": other_passive.quantize(MONEY_CENT),
        "passive_growth": DEFAULT_PASSIVE_GROWTH,
        "spending_yearly": figures.yearly_spending.quantize(MONEY_CENT),
    }


def _form_data(query, defaults: dict) -> dict:
    """The assumptions of the address, and the defaults for those it leaves out.

    The form's own submission carries every field: there an absent checkbox means
    "not ticked". A shorter address (a link, a bookmark) keeps the default.
    """
    data = {name: query[name] for name in ProjectionForm.base_fields if name in query}
    submitted = all(name in query for name in ProjectionForm.base_fields if name != "reinvest")
    for name, value in defaults.items():
        if name in data or (name == "reinvest" and submitted):
            continue
        if name == "reinvest":
            if value:
                data[name] = "on"
        else:
            data[name] = str(ProjectionForm.base_fields[name].prepare_value(value))
    return data


def _link(query: dict) -> str:
    return f"{reverse('portfolio:projection')}?{urlencode(query)}"


def _first_row(rows, reached):
    return next((row for row in rows if reached(row)), None)


def _covers(spending: Decimal):
    def covered(row: metrics.YearRow) -> bool:
        coverage = metrics.passive_coverage(row.passive_yearly, spending)
        return coverage is not None and coverage >= 1

    return covered


def _cents(value: Decimal) -> str:
    return str(value.quantize(MONEY_CENT, context=_DISPLAY))


def _chart_data(rows: list[metrics.YearRow], start_year: int, currency: str) -> dict:
    """Series for static/js/projection.js: decimal strings, never floats."""
    return {
        "currency": currency,
        "labels": ["Today" if row.year == 0 else str(start_year + row.year) for row in rows],
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
@cached_page
def projection(request):
    """The form, the headline years, a chart and a table of every year."""
    portfolios = owned_portfolios(request.user)
    portfolio = None
    if chosen := request.GET.get("portfolio", "").strip():
        if not chosen.isdigit():
            chosen = "0"  # no such portfolio: 404 like any other that is not the user's
        portfolio = get_portfolio(request, int(chosen))
    today = user_today(request.user)
    data = load_owner_data(
        [portfolio] if portfolio else portfolios,
        first=window_start(today),
        last=month_end(today),
        values_on=today,
        currency=request.user.currency,
    )
    figures = data.figures_at(today)
    liquid_income = liquid_income_at(data, figures)
    defaults = projection_defaults(figures, liquid_income=liquid_income)

    if not figures.flows_known:
        # A missing rate: no figures to start from, and the page says which.
        form = ProjectionForm(initial=defaults)
        assumptions = None
    elif any(name in request.GET for name in ProjectionForm.base_fields):
        form = ProjectionForm(_form_data(request.GET, defaults))
        assumptions = form.cleaned_data if form.is_valid() else None
    else:
        form = ProjectionForm(initial=defaults)
        assumptions = defaults
    scope = {"portfolio": portfolio.pk} if portfolio else {}
    capital = defaults["capital"]

    context = {
        "form": form,
        "portfolio": portfolio,
        "portfolios": portfolios,
        "figures": figures,
        "rows": None,
        # Liquid assets that pay nothing recorded: say so, and offer the assumed yield.
        "unpaid_capital": capital if capital and not liquid_income else None,
        "assumed_yield": request.user.assumed_yield,
        "assumed_yield_url": _link(
            {
                **scope,
                "yearly_yield": ProjectionForm.base_fields["yearly_yield"].prepare_value(
                    request.user.assumed_yield
                ),
            }
        ),
    }
    if assumptions is not None:
        rows = metrics.project(**assumptions)
        spending = assumptions["spending_yearly"]
        now = metrics.projection_today(
            capital=assumptions["capital"],
            yearly_yield=assumptions["yearly_yield"],
            earned_yearly=assumptions["earned_yearly"],
            spending_yearly=spending,
            other_passive_yearly=assumptions["other_passive_yearly"],
        )
        context.update(
            today_row=now,
            rows=[(today.year + row.year, row) for row in rows],
            years=assumptions["years"],
            spending=spending,
            ratio_row=_first_row(rows, lambda row: row.ratio is not None and row.ratio >= 1),
            covered_row=_first_row(rows, _covers(spending)),
            start_year=today.year,
            chart=_chart_data([now, *rows], today.year, request.user.currency),
            last=rows[-1],
        )
    return render(request, "portfolio/projection.html", context)
