"""The dashboard's figures for one owner at one date, pure Python (no Django import).

``compute_figures`` combines the window's flows (``schedule.window_totals``) with
the balance-sheet values into every metric of docs/metrics.md, by calling
``metrics``; the dashboard, the snapshots, the goals and the e-mails all read a
``Figures`` and never redo a formula.

Flows are totals over the owner's window: the twelve months to the as-of month,
shortened to the months since the owner's first flow (``window_months``, 1 to
12). Monthly figures are the total / ``window_months``. Balances are unknown
(``None``), not zero, before the first valuation; so then are both runways.

A figure that needs a missing exchange rate is unknown too, and ``no_rate`` says
which currency lacks one (docs/metrics.md, "Currencies"): a balance without a rate
leaves the balances and runways unknown; a flow without one leaves every figure
unknown (``unknown_figures``), never converted 1:1.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from portfolio import metrics
from portfolio.months import add_months
from portfolio.schedule import Totals

# The "today's pace" line shows when the pace differs from the window's ratio by this much.
PACE_SHOWN_FROM = Decimal("0.01")
ZERO = Decimal(0)


# The figures that rest on spending: without any recorded they read as if none were
# needed (a free runway, an unbounded coverage, a savings rate of 100%) only for
# want of data, which is no achievement to show or celebrate.
SPENDING_FIGURES = frozenset(
    {"runway_months", "runway_with_passive_months", "passive_coverage", "savings_rate"}
)


class WindowFlows:
    """Monthly figures of window totals: ``earned``, ``passive`` and ``spending`` over
    ``window_months`` months. Shared by ``Figures`` and the stored ``Snapshot``."""

    earned: Decimal
    passive: Decimal
    spending: Decimal
    window_months: int

    @property
    def spending_recorded(self) -> bool:
        """Whether the window holds any spending: pages say "no spending recorded
        yet" where a figure rests on it (``SPENDING_FIGURES``)."""
        return self.spending > 0

    def rests_on_no_spending(self, name: str) -> bool:
        """Whether the figure ``name`` is what it is only for want of any spending."""
        return name in SPENDING_FIGURES and not self.spending_recorded

    @property
    def monthly_earned(self) -> Decimal:
        return metrics.per_month(self.earned, self.window_months)

    @property
    def monthly_passive(self) -> Decimal:
        return metrics.per_month(self.passive, self.window_months)

    @property
    def monthly_spending(self) -> Decimal:
        return metrics.per_month(self.spending, self.window_months)


@dataclass(frozen=True)
class Figures(WindowFlows):
    as_of: date
    window_months: int  # the window's length n, 1 to 12
    earned: Decimal  # window total
    passive: Decimal  # window total
    spending: Decimal  # window total
    by_category: dict[str, Decimal]  # window totals
    liquid_assets: Decimal | None  # None: no liquid holding has a value yet
    net_worth: Decimal | None  # None: no holding has a value yet
    passive_hours: Decimal  # hours per month that the passive streams take
    wealth_ratio: Decimal | None
    runway_months: Decimal | None  # None: unknown (no balance recorded yet)
    runway_with_passive_months: Decimal | None
    passive_coverage: Decimal | None
    savings_rate: Decimal | None
    passive_per_hour: Decimal | None
    # The ratio at the monthly equivalents of the streams running today; None where
    # not computed (history) or undefined.
    pace_ratio: Decimal | None = None
    # "no rate for ARS on or before 2024-01-31": why figures are unknown, if one is missing.
    no_rate: str | None = None
    # False when a missing rate left every figure unknown: the flows above are then
    # placeholders (0) that nothing may show.
    flows_known: bool = True
    # The newest day of the exchange rates the figures were converted with, if any.
    rates_on: date | None = None

    @property
    def window_start(self) -> date:
        """The first day of the window's first month."""
        return add_months(self.as_of, 1 - self.window_months)

    @property
    def full_window(self) -> bool:
        """Twelve months: the figures need no "over N months" beside them."""
        return self.window_months == 12

    @property
    def yearly_earned(self) -> Decimal:
        return self.monthly_earned * 12

    @property
    def yearly_passive(self) -> Decimal:
        return self.monthly_passive * 12

    @property
    def yearly_spending(self) -> Decimal:
        return self.monthly_spending * 12

    @property
    def balance_known(self) -> bool:
        return self.liquid_assets is not None

    @property
    def shows_pace(self) -> bool:
        """Whether today's pace differs from the window's ratio by a point or more."""
        if self.pace_ratio is None or not self.pace_ratio.is_finite():
            return False
        if self.wealth_ratio is None or not self.wealth_ratio.is_finite():
            return True
        return abs(self.pace_ratio - self.wealth_ratio) >= PACE_SHOWN_FROM

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


def unknown_figures(*, as_of: date, no_rate: str) -> Figures:
    """Figures that a missing rate leaves unknown, saying which (``no_rate``)."""
    return Figures(
        as_of=as_of,
        window_months=12,
        earned=Decimal(0),
        passive=Decimal(0),
        spending=Decimal(0),
        by_category={},
        liquid_assets=None,
        net_worth=None,
        passive_hours=Decimal(0),
        wealth_ratio=None,
        runway_months=None,
        runway_with_passive_months=None,
        passive_coverage=None,
        savings_rate=None,
        passive_per_hour=None,
        no_rate=no_rate,
        flows_known=False,
    )


def compute_figures(
    *,
    as_of: date,
    totals: Totals,
    liquid_assets: Decimal | None,
    net_worth: Decimal | None,
    passive_hours: Decimal,
    pace: Totals | None = None,
    no_rate: str | None = None,
) -> Figures:
    """Every figure from the window's ``totals`` and the balances at ``as_of``.

    ``liquid_assets`` / ``net_worth`` are None when no (liquid) holding has a value
    yet; ``pace`` (``schedule.pace``) gives the "today's pace" ratio; ``no_rate``
    says which rate left the balances unknown.
    """
    # Corrections (negative entries) can push a group below zero; no income or
    # spending is less than none, and the formulas rightly refuse negatives.
    earned, passive, spending = totals.group_sums()
    earned, passive, spending = max(earned, ZERO), max(passive, ZERO), max(spending, ZERO)
    window = metrics.window_metrics(
        earned=earned,
        passive=passive,
        spending=spending,
        months=totals.months,
        liquid_assets=liquid_assets,
        passive_hours=passive_hours,
    )
    pace_ratio = None
    if pace is not None:
        pace_ratio = metrics.wealth_ratio(
            max(pace.passive, Decimal(0)), max(pace.earned, Decimal(0))
        )
    return Figures(
        as_of=as_of,
        window_months=totals.months,
        earned=earned,
        passive=passive,
        spending=spending,
        by_category=dict(totals.by_category),
        liquid_assets=liquid_assets,
        net_worth=net_worth,
        passive_hours=passive_hours,
        wealth_ratio=window.wealth_ratio,
        runway_months=window.runway_months,
        runway_with_passive_months=window.runway_with_passive_months,
        passive_coverage=window.passive_coverage,
        savings_rate=window.savings_rate,
        passive_per_hour=window.passive_per_hour,
        pace_ratio=pace_ratio,
        no_rate=no_rate,
    )
