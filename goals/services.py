"""Goals against the user's figures: baselines, dashboard cards, the year-end close.

Data is loaded in a fixed number of queries (``portfolio.selectors.load_owner_data``)
and every figure comes from the portfolio core; progress from ``goals.progress``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from goals import progress
from goals.models import Goal, Metric, metric_value
from portfolio.figures import Figures
from portfolio.limits import GOAL_COLUMN_LIMIT
from portfolio.models import Portfolio
from portfolio.months import local_today, month_end, window_start
from portfolio.selectors import figures_at, load_owner_data


def baseline_date(year: int, today: date) -> date:
    """1 January of the goal's year, or today when the goal is set during that year."""
    return today if today.year == year else date(year, 1, 1)


def scope_portfolios(user, portfolio: Portfolio | None):
    return Portfolio.objects.filter(owner=user, **({"pk": portfolio.pk} if portfolio else {}))


def goal_baseline(*, user, portfolio: Portfolio | None, year: int, metric: str, today: date):
    """(value, date) of the metric where the goal starts; the value may be None or infinite."""
    on = baseline_date(year, today)
    figures = figures_at(
        portfolios=scope_portfolios(user, portfolio), as_of=on, currency=user.currency
    )
    return metric_value(figures, metric), on


@dataclass(frozen=True)
class GoalCard:
    goal: Goal
    current: Decimal | None
    expected: Decimal
    fraction: Decimal | None
    bar_percent: int
    status: str
    projected: Decimal | None
    gap: progress.RatioGap | None

    @property
    def status_label(self) -> str:
        return progress.STATUS_LABELS[self.status]

    @property
    def status_css(self) -> str:
        return self.status.replace("_", "-")


def goal_cards(*, user, today: date, portfolio: Portfolio | None = None) -> list[GoalCard]:
    """A card for each goal of ``today``'s year (of one portfolio, or all of the user's).

    Four queries whatever the number of goals: goals, streams, entries, holdings.
    """
    goals = Goal.objects.filter(owner=user, year=today.year).select_related("portfolio")
    if portfolio is not None:
        goals = goals.filter(portfolio=portfolio)
    goals = list(goals.order_by("portfolio__name", "metric"))
    if not goals:
        return []
    year_end = date(today.year, 12, 31)
    data = load_owner_data(
        Portfolio.objects.filter(owner=user),
        first=window_start(today),
        last=year_end,
        values_on=today,
        currency=user.currency,
    )
    now_by_scope: dict[int | None, Figures] = {}
    end_by_scope: dict[int | None, Figures] = {}
    cards = []
    for goal in goals:
        scope = goal.portfolio_id
        if scope not in now_by_scope:
            now_by_scope[scope] = data.figures_at(today, scope)
            # Projected year end: actual flows so far, expected ones for the months left.
            end_by_scope[scope] = data.figures_at(year_end, scope)
        now, end = now_by_scope[scope], end_by_scope[scope]
        cards.append(
            goal_card(
                goal,
                as_of=today,
                current=metric_value(now, goal.metric),
                projected=metric_value(end, goal.metric),
                monthly_earned=now.monthly_earned,
                monthly_passive=now.monthly_passive,
                yearly_yield=user.assumed_yield,
            )
        )
    return cards


def goal_card(
    goal: Goal,
    *,
    as_of: date,
    current: Decimal | None,
    projected: Decimal | None,
    monthly_earned: Decimal | None,
    monthly_passive: Decimal | None,
    yearly_yield: Decimal,
) -> GoalCard:
    """Where ``goal`` stands at ``as_of``: its figure then, its projected value at
    31 December (the status comes from it), and the monthly flows for the gap.

    The dashboard passes live figures, the e-mails a month's snapshot and the
    projection from the data; the flows are None when there is no figure at all.
    """
    expected = progress.expected_value(goal.baseline, goal.target, goal.baseline_date, as_of)
    fraction = progress.fraction_done(goal.baseline, goal.target, current)
    return GoalCard(
        goal=goal,
        current=current,
        expected=expected,
        fraction=fraction,
        bar_percent=progress.bar_percent(fraction),
        status=progress.status(current, projected, goal.target),
        projected=projected,
        gap=_gap(goal, current, monthly_earned, monthly_passive, yearly_yield),
    )


def _gap(
    goal: Goal,
    current: Decimal | None,
    monthly_earned: Decimal | None,
    monthly_passive: Decimal | None,
    yearly_yield: Decimal,
) -> progress.RatioGap | None:
    if monthly_earned is None or monthly_passive is None:
        return None
    if goal.metric == Metric.WEALTH_RATIO:
        if current is None:
            # No income at all: the ratio is undefined and no amount is "needed" yet;
            # a gap of 0 would read as "your passive income already reaches this target".
            return None
        return progress.ratio_gap(goal.target, monthly_earned, monthly_passive, yearly_yield)
    if goal.metric == Metric.MONTHLY_PASSIVE:
        return progress.income_gap(goal.target, monthly_passive, yearly_yield)
    return None


def goals_close_finished_years(*, now: datetime) -> int:
    """Close every open goal whose year has ended in its owner's time zone.

    The final value is the figure at 31 December of the goal's year. Creates
    nothing; safe to run again and again (only open goals are touched, each with a
    conditional UPDATE). Returns the number of goals closed.
    """
    # The earliest time zone reaches a new year 14 hours before UTC does.
    candidates = (
        Goal.objects.filter(closed_at__isnull=True, year__lte=now.year)
        .select_related("owner")
        .order_by("owner_id", "year")
    )
    by_owner_year: dict[tuple[int, int], list[Goal]] = defaultdict(list)
    for goal in candidates:
        local_year = local_today(goal.owner.time_zone, now).year
        if goal.year < local_year:
            by_owner_year[(goal.owner_id, goal.year)].append(goal)
    closed = 0
    for (owner_id, year), goals in by_owner_year.items():
        year_end = date(year, 12, 31)
        data = load_owner_data(
            Portfolio.objects.filter(owner_id=owner_id),
            first=window_start(year_end),
            last=month_end(year_end),
            values_on=year_end,
            currency=goals[0].owner.currency,
        )
        for goal in goals:
            value = metric_value(data.figures_at(year_end, goal.portfolio_id), goal.metric)
            # A figure too large for the column (a runway of 10^14 months) is as good as
            # unbounded; storing it would fail the whole sweep for every user.
            infinite = value is not None and (
                value.is_infinite() or abs(value) >= GOAL_COLUMN_LIMIT
            )
            closed += Goal.objects.filter(pk=goal.pk, closed_at__isnull=True).update(
                closed_at=now,
                final_value=None if infinite else value,
                final_infinite=infinite,
            )
    return closed
