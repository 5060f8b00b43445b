"""Goals against the user's figures: baselines, dashboard cards, the year-end close.

Data is loaded in a fixed number of queries (``portfolio.selectors.load_owner_data``)
and every figure comes from the portfolio core; progress from ``goals.progress``.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction

from config.tasks import TRANSIENT
from goals import progress
from goals.models import Goal, Metric, metric_value
from households.page_versions import pages_changed
from portfolio import access
from portfolio.figures import Figures
from portfolio.limits import GOAL_COLUMN_LIMIT
from portfolio.models import Portfolio
from portfolio.months import local_today, month_end, window_start
from portfolio.selectors import OwnerData, figures_at, load_owner_data

logger = logging.getLogger(__name__)


def baseline_date(year: int, today: date) -> date:
    """1 January of the goal's year, or today when the goal is set during that year."""
    return today if today.year == year else date(year, 1, 1)


def scope_portfolios(user, portfolio: Portfolio | None, *, household: bool = False):
    """What a goal follows: one portfolio, all the user's, or what their household shares."""
    if household:
        return access.household_portfolios(user)
    return access.owned_portfolios(user).filter(**({"pk": portfolio.pk} if portfolio else {}))


def goal_baseline(
    *,
    user,
    portfolio: Portfolio | None,
    year: int,
    metric: str,
    today: date,
    household: bool = False,
):
    """(value, date) of the metric where the goal starts; the value may be None or infinite."""
    on = baseline_date(year, today)
    figures = figures_at(
        portfolios=scope_portfolios(user, portfolio, household=household),
        as_of=on,
        currency=access.household_currency(user) if household else user.currency,
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


def goal_cards(
    *, user, today: date, portfolio: Portfolio | None = None, data: OwnerData | None = None
) -> list[GoalCard]:
    """A card for each goal of ``today``'s year (of one portfolio, or all of the user's).

    Four queries whatever the number of goals: goals, streams, entries, holdings;
    only the goals' when ``data`` is given (``cards_data``: the dashboard loads once
    for its figures and its cards).
    """
    goals = own_goals(user).filter(year=today.year).select_related("portfolio")
    if portfolio is not None:
        goals = goals.filter(portfolio=portfolio)
    return _cards(user, list(goals.order_by("portfolio__name", "metric")), today, data=data)


def cards_data(*, user, today: date) -> OwnerData:
    """What ``goal_cards`` loads for ``user``'s goals of ``today``'s year: all their
    portfolios, from the window at ``today`` to the year's end."""
    return load_owner_data(
        access.owned_portfolios(user),
        first=window_start(today),
        last=date(today.year, 12, 31),
        values_on=today,
        currency=user.currency,
    )


def coming_goals(goals, today: date) -> list[Goal]:
    """In December, the goals of ``goals`` (a queryset) set for next year, which start
    on 1 January: listed beside this year's cards, since the goal form sets next
    year's in December (``progress.goal_year``). None before December."""
    year = progress.goal_year(today)
    if year == today.year:
        return []
    return list(
        goals.filter(year=year).select_related("portfolio").order_by("portfolio__name", "metric")
    )


def own_goals(user):
    """The goals ``user`` set for themselves (not their household's)."""
    return Goal.objects.filter(owner=user, household=None)


def household_goals(user):
    """The goals of ``user``'s household (none without one): every member's to see and change."""
    return Goal.objects.filter(household__memberships__user=user)


def household_goal_cards(*, user, today: date) -> list[GoalCard]:
    """A card for each goal of the user's household this year, on what its members share."""
    goals = list(household_goals(user).filter(year=today.year).order_by("metric"))
    return _cards(
        user,
        goals,
        today,
        portfolios=access.household_portfolios(user),
        currency=access.household_currency(user),
    )


def _cards(
    user,
    goals: list[Goal],
    today: date,
    portfolios=None,
    currency: str | None = None,
    data: OwnerData | None = None,
) -> list[GoalCard]:
    """Four queries whatever the number of goals: streams, entries, first entries,
    holdings (none when ``data`` is given)."""
    if not goals:
        return []
    year_end = date(today.year, 12, 31)
    if data is None:
        data = load_owner_data(
            access.owned_portfolios(user) if portfolios is None else portfolios,
            first=window_start(today),
            last=year_end,
            values_on=today,
            currency=currency or user.currency,
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


@dataclass(frozen=True)
class YearEndClose:
    """What a run of the year-end close did: goals closed, and owners whose goals could
    not be (logged, left open, so the next hourly run tries them again)."""

    closed: int
    failed: int


def goals_close_finished_years(*, now: datetime) -> YearEndClose:
    """Close every open goal whose year has ended in its owner's time zone.

    The final value is the figure at 31 December of the goal's year. Creates
    nothing; safe to run again and again (only open goals are touched, each with a
    conditional UPDATE). One owner's data that cannot be computed (or a bug it
    reveals) is logged with the owner and leaves that owner's goals open: the other
    owners' goals still close.
    """
    # The earliest time zone reaches a new year 14 hours before UTC does.
    candidates = (
        Goal.objects.filter(closed_at__isnull=True, year__lte=now.year)
        .select_related("owner")
        .order_by("owner_id", "year")
    )
    by_owner: dict[int, list[Goal]] = defaultdict(list)
    for goal in candidates:
        by_owner[goal.owner_id].append(goal)
    closed = failed = 0
    for owner_id, goals in by_owner.items():
        try:
            # A savepoint: a database error of this owner undoes only this owner's closes.
            with transaction.atomic():
                closed += _close_finished_years_of(goals, now)
        except TRANSIENT:
            raise  # the database itself is in trouble: the task retries the whole run
        except Exception:
            logger.exception(
                "Year-end close: the goals of user %s could not be closed; "
                "they stay open for the next run",
                owner_id,
            )
            failed += 1
    return YearEndClose(closed=closed, failed=failed)


def _close_finished_years_of(goals: list[Goal], now: datetime) -> int:
    """Close the goals of one owner whose year has ended in the owner's time zone."""
    owner = goals[0].owner
    local_year = local_today(owner.time_zone, now).year
    by_scope_year: dict[tuple[int | None, int], list[Goal]] = defaultdict(list)
    for goal in goals:
        if goal.year < local_year:
            # A household's goal closes on what its household shares then.
            by_scope_year[(goal.household_id, goal.year)].append(goal)
    closed = 0
    for (household_id, year), of_year in by_scope_year.items():
        year_end = date(year, 12, 31)
        currency = owner.currency
        if household_id is None:
            portfolios = Portfolio.objects.filter(owner_id=owner.pk)
        else:
            currency = of_year[0].household.currency()
            portfolios = Portfolio.objects.filter(
                sharing__in=access.SHARED,
                owner__household_membership__household_id=household_id,
            )
        data = load_owner_data(
            portfolios,
            first=window_start(year_end),
            last=month_end(year_end),
            values_on=year_end,
            currency=currency,
        )
        for goal in of_year:
            value = metric_value(data.figures_at(year_end, goal.portfolio_id), goal.metric)
            # A figure too large for the column (a runway of 10^14 months) is as good as
            # unbounded: stored, it would fail this owner's close every hour.
            infinite = value is not None and (
                value.is_infinite() or abs(value) >= GOAL_COLUMN_LIMIT
            )
            closed += Goal.objects.filter(pk=goal.pk, closed_at__isnull=True).update(
                closed_at=now,
                final_value=None if infinite else value,
                final_infinite=infinite,
            )
        pages_changed([owner.pk], household_ids=[household_id] if household_id else [])
    return closed
