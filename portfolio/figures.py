"""The dashboard's figures for one owner at one date, pure Python (no Django import).

``compute_figures`` combines the TTM flows of ``schedule`` with the balance-sheet
values into every metric of docs/metrics.md, by calling ``metrics``; the dashboard, the
snapshots and the e-mails all read a ``Figures`` and never redo a formula.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from portfolio import metrics
from portfolio.schedule import Totals


@dataclass(frozen=True)
class Figures:
    as_of: date
    earned: Decimal  # TTM
    passive: Decimal  # TTM
    spending: Decimal  # TTM
    by_category: dict[str, Decimal]  # TTM
    liquid_assets: Decimal
    net_worth: Decimal
    passive_hours: Decimal  # hours per month that the passive streams take
    wealth_ratio: Decimal | None
    runway_months: Decimal
    runway_with_passive_months: Decimal
    passive_coverage: Decimal | None
    savings_rate: Decimal | None
    passive_per_hour: Decimal | None

    @property
    def monthly_earned(self) -> Decimal:
        return metrics.monthly(self.earned)

    @property
    def monthly_passive(self) -> Decimal:
        return metrics.monthly(self.passive)

    @property
    def monthly_spending(self) -> Decimal:
        return metrics.monthly(self.spending)

    def figure(self, name: str) -> Decimal | None:
        """A figure by name, as ``Snapshot.figure`` gives a stored one."""
        if name not in FIGURE_NAMES:
            raise ValueError(f"{name!r} is not a figure")
        return getattr(self, name)


# The figures that goals and e-mails read by name.
FIGURE_NAMES = frozenset(
    {
        "wealth_ratio",
        "runway_months",
        "runway_with_passive_months",
        "passive_coverage",
        "savings_rate",
        "passive_per_hour",
        "monthly_passive",
    }
)


def compute_figures(
    *,
    as_of: date,
    totals: Totals,
    liquid_assets: Decimal,
    net_worth: Decimal,
    passive_hours: Decimal,
) -> Figures:
    # Corrections (negative entries) can push a group below zero; no income or
    # spending is less than none, and the formulas rightly refuse negatives.
    earned, passive, spending = (
        max(v, Decimal(0)) for v in (totals.earned, totals.passive, totals.spending)
    )
    monthly_spending = metrics.monthly(spending)
    monthly_passive = metrics.monthly(passive)
    return Figures(
        as_of=as_of,
        earned=earned,
        passive=passive,
        spending=spending,
        by_category=dict(totals.by_category),
        liquid_assets=liquid_assets,
        net_worth=net_worth,
        passive_hours=passive_hours,
        wealth_ratio=metrics.wealth_ratio(passive, earned),
        runway_months=metrics.runway_months(liquid_assets, monthly_spending),
        runway_with_passive_months=metrics.runway_months(
            liquid_assets, monthly_spending, monthly_passive
        ),
        passive_coverage=metrics.passive_coverage(passive, spending),
        savings_rate=metrics.savings_rate(earned, passive, spending),
        passive_per_hour=metrics.passive_income_per_hour(monthly_passive, passive_hours),
    )
