"""Progress towards a yearly goal, pure Python (no Django import).

Every goal metric is higher-is-better: a ratio, monthly passive income, runway
months, passive coverage or a savings rate. A goal runs on a straight path from
its baseline (on 1 January, or the day it was set if later) to its target on
31 December. Formulas of figures come from ``portfolio.metrics``; this module only
measures where a figure stands against a goal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from portfolio import metrics

ACHIEVED = "achieved"
ON_TRACK = "on_track"
BEHIND = "behind"
UNKNOWN = "unknown"  # the figure is undefined (e.g. a ratio without any income)

STATUS_LABELS = {
    ACHIEVED: "Achieved",
    ON_TRACK: "On track",
    BEHIND: "Behind",
    UNKNOWN: "Not enough data",
}

ONE_POINT = Decimal("0.01")


def check_target(baseline: Decimal, target: Decimal) -> None:
    """Every goal metric is higher-is-better, so a target must beat the baseline."""
    if not (baseline.is_finite() and target.is_finite()):
        raise ValueError("baseline and target must be finite")
    if target <= baseline:
        raise ValueError("target must be above the baseline")


def fraction_done(baseline: Decimal, target: Decimal, current: Decimal | None) -> Decimal | None:
    """(current - baseline) / (target - baseline): 0 at the baseline, 1 at the target.

    Not clamped: below 0 means worse than the start, above 1 beyond the target.
    """
    check_target(baseline, target)
    if current is None:
        return None
    if current.is_infinite():
        return metrics.INFINITY if current > 0 else -metrics.INFINITY
    return (current - baseline) / (target - baseline)


def expected_value(baseline: Decimal, target: Decimal, start: date, as_of: date) -> Decimal:
    """The value on the straight path from ``start`` (baseline) to 31 December (target)."""
    check_target(baseline, target)
    end = date(start.year, 12, 31)
    total = (end - start).days
    if total <= 0 or as_of >= end:
        return target
    elapsed = max((as_of - start).days, 0)
    return baseline + (target - baseline) * Decimal(elapsed) / Decimal(total)


def status(current: Decimal | None, projected: Decimal | None, target: Decimal) -> str:
    """From the projection: achieved when the figure meets the target now, on track when
    its projected value at 31 December does, behind otherwise.

    The straight path ("expected today") is a reference to show, never the status:
    a figure can be above the path today and still be heading below the target.
    """
    if current is None:
        return UNKNOWN
    if current >= target:
        return ACHIEVED
    if projected is not None and projected >= target:
        return ON_TRACK
    return BEHIND


def bar_percent(fraction: Decimal | None) -> int:
    """The progress bar's fill, 0 to 100."""
    if fraction is None or fraction <= 0:
        return 0
    if fraction >= 1:
        return 100
    return int(fraction * 100)


def suggest_ratio_target(current: Decimal | None) -> Decimal | None:
    """The ratio goal to suggest: double the ratio, capped at 100%, at least one point more.

    Rounded up to a whole point so the suggestion reads well ("from 5% to 10%").
    None when the ratio is unbounded (fully passive: nothing left to suggest).
    """
    if current is not None and current.is_infinite():
        return None
    now = max(current or Decimal(0), Decimal(0))
    target = max(min(now * 2, Decimal(1)), now + ONE_POINT)
    return (target / ONE_POINT).to_integral_value(rounding="ROUND_CEILING") * ONE_POINT


# What the goal invitation proposes.
DOUBLE = "double"  # double the ratio (capped at 100%, at least a point more)
FIRST_INCOME = "first_income"  # a ratio of 0: a first passive income, in money
ASK_EARNED = "ask_earned"  # no earned income recorded: ask for it, not for a ratio


def goal_year(today: date) -> int:
    """The year a goal set ``today`` is for: this year, but next year in December,
    when this one ends within a month. The dashboard's invitation and the goal
    form's default both ask this."""
    return today.year + 1 if today.month == 12 else today.year


@dataclass(frozen=True)
class GoalSuggestion:
    year: int
    kind: str
    target: Decimal | None = None  # the ratio to aim at
    monthly_passive: Decimal | None = None  # for FIRST_INCOME: the income that reaches it


def suggest_goal(
    *, ratio: Decimal | None, monthly_earned: Decimal, today: date
) -> GoalSuggestion | None:
    """The yearly goal to invite, as it makes sense where it is shown.

    In the year's last month the invitation is for next year. Without earned income
    a ratio means nothing yet: ask for it. At a ratio of 0, "double it" is still 0:
    propose a first point, in money ("about $50 a month"). Fully passive: nothing.
    """
    year = goal_year(today)
    if ratio is not None and ratio.is_infinite():
        return None
    if ratio is None or monthly_earned <= 0:
        return GoalSuggestion(year=year, kind=ASK_EARNED)
    target = suggest_ratio_target(ratio)
    if ratio <= 0:
        return GoalSuggestion(
            year=year,
            kind=FIRST_INCOME,
            target=target,
            monthly_passive=metrics.passive_needed(target, monthly_earned, Decimal(0)),
        )
    return GoalSuggestion(year=year, kind=DOUBLE, target=target)


@dataclass(frozen=True)
class RatioGap:
    """What reaching a ratio target takes, a month at a time."""

    passive_needed_monthly: Decimal
    capital_needed: Decimal


def ratio_gap(
    target_ratio: Decimal, monthly_earned: Decimal, monthly_passive: Decimal, yearly_yield: Decimal
) -> RatioGap:
    """The more passive income a month the target needs, and the capital that would pay it.

    From monthly figures (window totals / the window's months), so that the answer
    is right from the first day: with 5,000 earned and 800 passive a month, 25%
    needs 0.25 x 5,000 - 800 = 450 more a month.
    """
    needed = metrics.passive_needed(target_ratio, monthly_earned, monthly_passive)
    return RatioGap(
        passive_needed_monthly=needed,
        capital_needed=metrics.capital_needed(needed * 12, yearly_yield),
    )


def income_gap(
    target_monthly: Decimal, monthly_passive: Decimal, yearly_yield: Decimal
) -> RatioGap:
    """For a monthly passive income goal: the income still missing and its capital."""
    missing = max(target_monthly - monthly_passive, Decimal(0))
    return RatioGap(
        passive_needed_monthly=missing,
        capital_needed=metrics.capital_needed(missing * 12, yearly_yield),
    )
