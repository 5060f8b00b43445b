"""The projection page's assumptions: every one a field, so a projection is a link."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from accounts.fields import PercentField
from portfolio.forms import MoneyField, PlainIntegerField
from portfolio.limits import MAX_PROJECTION_YEARS

ZERO = Decimal(0)


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
    years = PlainIntegerField(
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
        "This becomes passive income: the yield times the capital. Starts at the yield your "
        "liquid assets are recorded to pay: the yearly income of the streams linked to them "
        "÷ their value.",
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
