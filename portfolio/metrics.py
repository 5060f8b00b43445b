"""The formulas of Wealth Ratio, pure Python with no Django import.

docs/metrics.md explains each figure to users; ``project()`` is described below.

Conventions, shared by every function here:

- Money and rates are ``Decimal`` (``int`` is accepted and converted; ``float`` and
  ``bool`` raise ``TypeError``). Results are ``Decimal`` and are never rounded for
  display: that happens once, in the template layer.
- Arithmetic runs in a fixed local context of 28 significant digits (``_CTX``), so a
  caller's thread context cannot change a figure. Sums, differences and products of
  money are exact at that precision; a quotient is exact when it has a finite
  decimal expansion that fits, otherwise it is correctly rounded to 28 digits
  (1/3 has no exact ``Decimal``). The only irrational step is the monthly rate of
  ``project()``.
- Undefined (0/0) is ``None``; unbounded (x/0 with x > 0) is ``Decimal("Infinity")``.
- A negative amount where only amounts >= 0 make sense, and any non-finite input
  (NaN, infinity), raises ``ValueError`` whose message names the argument.
- Rates are fractions: ``Decimal("0.05")`` is 5 %, a ratio of ``Decimal(1)`` is 100 %.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Context, Decimal, DivisionByZero, InvalidOperation, Overflow, localcontext
from typing import NamedTuple

from portfolio.limits import MAX_PROJECTION_YEARS

__all__ = [
    "INFINITY",
    "YearRow",
    "capital_needed",
    "checked_decimal",
    "holding_class",
    "monthly",
    "passive_coverage",
    "passive_income_per_hour",
    "passive_needed",
    "project",
    "runway_months",
    "savings_rate",
    "wealth_ratio",
    "window_metrics",
]

INFINITY = Decimal("Infinity")
ZERO = Decimal(0)
ONE = Decimal(1)

# 28 digits is Python's default; fixing it here makes results independent of the caller.
_CTX = Context(prec=28, traps=[InvalidOperation, DivisionByZero, Overflow])
# The monthly rate (1 + r) ** (1/12) - 1 is irrational: compute it with 12 guard digits,
# then round once to 28 digits.
_RATE_CTX = Context(prec=40, traps=[InvalidOperation, DivisionByZero, Overflow])


def checked_decimal(name: str, value: Decimal | int, *, non_negative: bool = True) -> Decimal:
    """Return ``value`` as a finite ``Decimal``, or raise an error naming ``name``."""
    # Most values are already Decimals: they skip the conversion (a copy of itself).
    if type(value) is not Decimal:
        if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
            raise TypeError(f"{name} must be a Decimal, not {type(value).__name__}")
        value = Decimal(value)
    if not value.is_finite():
        raise ValueError(f"{name} must be a finite number")
    if non_negative and value < 0:
        raise ValueError(f"{name} must be >= 0")
    return value


def _rate(name: str, value: Decimal | int) -> Decimal:
    value = checked_decimal(name, value, non_negative=False)
    if value <= -1:
        raise ValueError(f"{name} must be > -1")
    return value


# The bodies of the formulas below (``_ratio``, ``_per_month``, ``_runway_months``,
# ``_savings_rate``) compute in the context they are called in: each public function
# enters ``_CTX`` once, and so does ``window_metrics`` for all of them together.


def _ratio(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    """numerator / denominator for amounts >= 0: x/0 is infinite, 0/0 undefined."""
    if denominator == 0:
        return INFINITY if numerator > 0 else None
    return numerator / denominator


def _in_context(formula, *arguments):
    with localcontext(_CTX):
        return formula(*arguments)


def monthly(yearly: Decimal) -> Decimal:
    """A monthly figure from a yearly one: yearly / 12. May be negative."""
    yearly = checked_decimal("yearly", yearly, non_negative=False)
    with localcontext(_CTX):
        return yearly / 12


def per_month(total: Decimal, months: int) -> Decimal:
    """A monthly figure from the total of a window of ``months`` months. May be negative."""
    total = checked_decimal("total", total, non_negative=False)
    _check_months(months)
    return _in_context(_per_month, total, months)


def _check_months(months: int) -> None:
    if isinstance(months, bool) or not isinstance(months, int) or months < 1:
        raise ValueError("months must be a whole number of months, at least 1")


def _per_month(total: Decimal, months: int) -> Decimal:
    return total / months


def wealth_ratio(passive: Decimal, earned: Decimal) -> Decimal | None:
    """Passive income / earned income over the same period.

    Earned 0 and passive > 0 is ``Infinity`` ("fully passive"); both 0 is ``None``.
    """
    passive = checked_decimal("passive", passive)
    earned = checked_decimal("earned", earned)
    return _in_context(_ratio, passive, earned)


def runway_months(
    liquid_assets: Decimal, monthly_spending: Decimal, monthly_passive: Decimal = ZERO
) -> Decimal:
    """Months the liquid assets last: max(liquid, 0) / (spending - passive).

    Leave ``monthly_passive`` at 0 for the plain runway; pass it for the runway with
    passive income. A burn <= 0 is ``Infinity`` ("free"). ``liquid_assets`` may be
    negative (debts), which gives 0 months.
    """
    liquid_assets = checked_decimal("liquid_assets", liquid_assets, non_negative=False)
    monthly_spending = checked_decimal("monthly_spending", monthly_spending)
    monthly_passive = checked_decimal("monthly_passive", monthly_passive)
    return _in_context(_runway_months, liquid_assets, monthly_spending, monthly_passive)


def _runway_months(
    liquid_assets: Decimal, monthly_spending: Decimal, monthly_passive: Decimal
) -> Decimal:
    burn = monthly_spending - monthly_passive
    if burn <= 0:
        return INFINITY
    return max(liquid_assets, ZERO) / burn


def passive_coverage(passive: Decimal, spending: Decimal) -> Decimal | None:
    """Passive income / spending. Spending 0: ``Infinity`` if passive > 0, else ``None``."""
    passive = checked_decimal("passive", passive)
    spending = checked_decimal("spending", spending)
    return _in_context(_ratio, passive, spending)


def savings_rate(earned: Decimal, passive: Decimal, spending: Decimal) -> Decimal | None:
    """(earned + passive - spending) / (earned + passive); ``None`` without income.

    Negative when spending exceeds income.
    """
    earned = checked_decimal("earned", earned)
    passive = checked_decimal("passive", passive)
    spending = checked_decimal("spending", spending)
    return _in_context(_savings_rate, earned, passive, spending)


def _savings_rate(earned: Decimal, passive: Decimal, spending: Decimal) -> Decimal | None:
    income = earned + passive
    if income == 0:
        return None
    return (income - spending) / income


def passive_income_per_hour(monthly_passive: Decimal, hours: Decimal) -> Decimal | None:
    """Monthly passive income / hours per month spent on passive streams.

    Hours 0: ``Infinity`` if passive > 0, else ``None``.
    """
    monthly_passive = checked_decimal("monthly_passive", monthly_passive)
    hours = checked_decimal("hours", hours)
    return _in_context(_ratio, monthly_passive, hours)


class WindowMetrics(NamedTuple):
    """The figures of one window of flows and one balance (``window_metrics``)."""

    runway_months: Decimal | None  # None: the balance is unknown
    runway_with_passive_months: Decimal | None
    wealth_ratio: Decimal | None
    passive_coverage: Decimal | None
    savings_rate: Decimal | None
    passive_per_hour: Decimal | None


def window_metrics(
    *,
    earned: Decimal,
    passive: Decimal,
    spending: Decimal,
    months: int,
    liquid_assets: Decimal | None,
    passive_hours: Decimal,
) -> WindowMetrics:
    """Every formula above over the totals of a window of ``months`` months: the
    same results as calling each, with each argument checked once (a snapshot
    history asks this for every month of every user).

    ``liquid_assets`` None (no balance yet) leaves both runways unknown.
    """
    earned = checked_decimal("earned", earned)
    passive = checked_decimal("passive", passive)
    spending = checked_decimal("spending", spending)
    passive_hours = checked_decimal("passive_hours", passive_hours)
    if liquid_assets is not None:
        liquid_assets = checked_decimal("liquid_assets", liquid_assets, non_negative=False)
    _check_months(months)
    with localcontext(_CTX):
        monthly_spending = _per_month(spending, months)
        monthly_passive = _per_month(passive, months)
        runway = runway_with_passive = None
        if liquid_assets is not None:
            runway = _runway_months(liquid_assets, monthly_spending, ZERO)
            runway_with_passive = _runway_months(liquid_assets, monthly_spending, monthly_passive)
        return WindowMetrics(
            runway_months=runway,
            runway_with_passive_months=runway_with_passive,
            wealth_ratio=_ratio(passive, earned),
            passive_coverage=_ratio(passive, spending),
            savings_rate=_savings_rate(earned, passive, spending),
            passive_per_hour=_ratio(monthly_passive, passive_hours),
        )


def passive_needed(target_ratio: Decimal, earned: Decimal, passive: Decimal) -> Decimal:
    """Extra passive income to reach ``target_ratio``: max(0, target * earned - passive).

    Same period as its inputs (yearly in, yearly out).
    """
    target_ratio = checked_decimal("target_ratio", target_ratio)
    earned = checked_decimal("earned", earned)
    passive = checked_decimal("passive", passive)
    with localcontext(_CTX):
        return max(ZERO, target_ratio * earned - passive)


def capital_needed(yearly_income: Decimal, yearly_yield: Decimal) -> Decimal:
    """Capital that pays ``yearly_income`` at ``yearly_yield``: income / yield.

    A yield <= 0 can pay nothing and raises ``ValueError``.
    """
    yearly_income = checked_decimal("yearly_income", yearly_income)
    yearly_yield = checked_decimal("yearly_yield", yearly_yield, non_negative=False)
    if yearly_yield <= 0:
        raise ValueError("yearly_yield must be > 0")
    with localcontext(_CTX):
        return yearly_income / yearly_yield


def holding_class(monthly_net: Decimal) -> str:
    """Classify a holding by its own monthly net cash flow, not its price.

    > 0 is ``"asset"``, < 0 ``"liability"``, 0 ``"neutral"``.
    """
    monthly_net = checked_decimal("monthly_net", monthly_net, non_negative=False)
    if monthly_net > 0:
        return "asset"
    if monthly_net < 0:
        return "liability"
    return "neutral"


@dataclass(frozen=True)
class YearRow:
    """Figures at the end of projected year ``year`` (1-based; 0 is today)."""

    year: int
    capital: Decimal
    passive_yearly: Decimal
    earned_yearly: Decimal
    ratio: Decimal | None
    runway_months: Decimal


def _monthly_factor(yearly_rate: Decimal) -> Decimal:
    """1 + the monthly rate equivalent to an effective yearly rate: (1 + r) ** (1/12)."""
    if yearly_rate == 0:
        return ONE  # keeps a zero-return projection exact, digit for digit
    with localcontext(_RATE_CTX):
        factor = (1 + yearly_rate) ** (Decimal(1) / 12)
    return _CTX.plus(factor)


def projection_today(
    *,
    capital: Decimal,
    yearly_yield: Decimal,
    earned_yearly: Decimal,
    spending_yearly: Decimal,
    other_passive_yearly: Decimal = ZERO,
) -> YearRow:
    """Row 0 of a projection: today, before any growth, by the same formulas as its rows.

    From the dashboard's figures (capital = liquid assets, earned and passive =
    monthly figures x 12, with passive = yield x capital + other passive) it holds
    the dashboard's ratio, so that the way from today to year 1 is visible.
    """
    capital = checked_decimal("capital", capital)
    yearly_yield = checked_decimal("yearly_yield", yearly_yield)
    earned_yearly = checked_decimal("earned_yearly", earned_yearly)
    spending_yearly = checked_decimal("spending_yearly", spending_yearly)
    other_passive_yearly = checked_decimal("other_passive_yearly", other_passive_yearly)
    with localcontext(_CTX):
        passive = yearly_yield * capital + other_passive_yearly
        return YearRow(
            year=0,
            capital=capital,
            passive_yearly=passive,
            earned_yearly=earned_yearly,
            ratio=wealth_ratio(passive, earned_yearly),
            runway_months=runway_months(capital, spending_yearly / 12),
        )


def project(
    *,
    years: int,
    capital: Decimal,
    monthly_saving: Decimal,
    yearly_return: Decimal,
    yearly_yield: Decimal,
    earned_yearly: Decimal,
    spending_yearly: Decimal,
    other_passive_yearly: Decimal = ZERO,
    wage_growth: Decimal = Decimal("0.03"),
    passive_growth: Decimal = Decimal("0.05"),
    reinvest: bool = True,
) -> list[YearRow]:
    """Project capital, passive and earned income year by year.

    - ``yearly_return`` is the effective yearly total return on capital, applied
      monthly as (1 + r) ** (1/12) - 1; ``monthly_saving`` is added at each month end,
      after that month's growth.
    - ``yearly_yield`` is the part of capital paid out as cash each year. With
      ``reinvest=True`` the cash stays invested and capital grows at the full return;
      with ``reinvest=False`` it is taken out and capital grows at the effective rate
      ``yearly_return - yearly_yield``.
    - Row n (n = 1 .. ``years``) holds the figures at the end of year n. Earned income
      and other passive income are the amounts received during year n: they grow
      once a year, so row 1 holds today's figures unchanged and row n holds
      ``earned_yearly * (1 + wage_growth) ** (n - 1)`` (the same for
      ``other_passive_yearly`` with ``passive_growth``).
    - ``passive_yearly`` = ``yearly_yield`` * capital at the end of year n + other
      passive income of year n; ``ratio`` = ``wealth_ratio(passive_yearly,
      earned_yearly)``; ``runway_months`` = ``runway_months(capital,
      spending_yearly / 12)``, spending staying constant in today's money.

    ``years`` must be 1..``MAX_PROJECTION_YEARS``; rates > -1 (and return - yield > -1
    without reinvesting); amounts and the yield >= 0.
    """
    if isinstance(years, bool) or not isinstance(years, int):
        raise TypeError(f"years must be an int, not {type(years).__name__}")
    if not 1 <= years <= MAX_PROJECTION_YEARS:
        raise ValueError(f"years must be between 1 and {MAX_PROJECTION_YEARS}")
    capital = checked_decimal("capital", capital)
    monthly_saving = checked_decimal("monthly_saving", monthly_saving)
    yearly_return = _rate("yearly_return", yearly_return)
    yearly_yield = checked_decimal("yearly_yield", yearly_yield)
    earned_yearly = checked_decimal("earned_yearly", earned_yearly)
    spending_yearly = checked_decimal("spending_yearly", spending_yearly)
    other_passive_yearly = checked_decimal("other_passive_yearly", other_passive_yearly)
    wage_growth = _rate("wage_growth", wage_growth)
    passive_growth = _rate("passive_growth", passive_growth)

    with localcontext(_CTX):
        growth = yearly_return if reinvest else yearly_return - yearly_yield
        if growth <= -1:
            raise ValueError("yearly_return - yearly_yield must be > -1 when not reinvesting")
        factor = _monthly_factor(growth)
        monthly_spending = spending_yearly / 12

        rows = []
        for year in range(1, years + 1):
            earned = earned_yearly * (1 + wage_growth) ** (year - 1)
            other_passive = other_passive_yearly * (1 + passive_growth) ** (year - 1)
            for _ in range(12):
                capital = capital * factor + monthly_saving
            passive = yearly_yield * capital + other_passive
            rows.append(
                YearRow(
                    year=year,
                    capital=capital,
                    passive_yearly=passive,
                    earned_yearly=earned,
                    ratio=wealth_ratio(passive, earned),
                    runway_months=runway_months(capital, monthly_spending),
                )
            )
    return rows
