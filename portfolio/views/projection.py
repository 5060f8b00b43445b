"""The projection page: years ahead from today's figures, under editable assumptions.

Every assumption travels in the query string, so a projection is a link that the
user can keep or share within the account; without any, the form starts from
the user's current figures (all portfolios, or ``?portfolio=<id>``). The formula
is ``metrics.project``; this module only gathers its inputs and presents its rows.
"""

from __future__ import annotations

from decimal import Context, Decimal

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.fields import PercentField
from portfolio import metrics
from portfolio.figures import Figures
from portfolio.forms import MoneyField
from portfolio.limits import MAX_PROJECTION_YEARS
from portfolio.models import Portfolio
from portfolio.months import user_today
from portfolio.services import figures_for
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


def _rate(label: str, help_text: str) -> PercentField:
    return PercentField(
        label=label, min_value=ZERO, max_value=Decimal(1), help_text=help_text, required=True
    )


def _amount(label: str, help_text: str) -> MoneyField:
    return MoneyField(
        label=label,
        allow_negative=False,
        help_text=help_text,
        error_messages={"negative": "Enter zero or more."},
    )


class ProjectionForm(forms.Form):
    years = forms.IntegerField(
        label="Years",
        min_value=1,
        max_value=MAX_PROJECTION_YEARS,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "invalid": "Enter a whole number of years.",
            "min_value": "Project at least 1 year.",
            "max_value": f"Project at most {MAX_PROJECTION_YEARS} years.",
        },
    )
    capital = _amount(
        "Invested capital today",
        "Starts at your liquid assets: cash, deposits, funds, bonds and listed shares.",
    )
    monthly_saving = _amount(
        "Saved and invested each month",
        "Starts at what you kept over the last twelve months (income minus spending) / 12.",
    )
    yearly_return = _rate(
        "Yearly return on capital",
        "The total return a year, payouts included, e.g. 6%. Applied month by month.",
    )
    yearly_yield = _rate(
        "Part of the capital paid out each year (yield)",
        "This becomes passive income: the yield times the capital. Starts at your assumed yield.",
    )
    reinvest = forms.BooleanField(
        label="Reinvest the payouts",
        required=False,
        help_text="On: the payouts stay invested and capital grows at the full return. "
        "Off: you take them out and capital grows at the return minus the yield.",
    )
    earned_yearly = _amount("Earned income a year", "Your last twelve months of earned income.")
    wage_growth = _rate("Wage growth a year", "Earned income rises by this once a year.")
    other_passive_yearly = _amount(
        "Other passive income a year",
        "Rent, royalties, business profit, advertising and other passive income that the "
        "capital above does not pay; dividends and interest come from the yield instead.",
    )
    passive_growth = _rate("Growth of other passive income a year", "It rises by this once a year.")
    spending_yearly = _amount(
        "Spending a year",
        "Stays the same in today's money; it gives the runway and when passive income "
        "covers your spending.",
    )

    def clean(self):
        cleaned = super().clean()
        rate, paid_out = cleaned.get("yearly_return"), cleaned.get("yearly_yield")
        taken_out = not cleaned.get("reinvest")
        if taken_out and rate is not None and paid_out is not None and rate - paid_out <= -1:
            self.add_error(
                "yearly_yield",
                "Without reinvesting, the yield must stay below the return plus 100%.",
            )
        return cleaned


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
    figures = figures_for(
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
