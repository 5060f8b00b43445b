"""The year-end close: each goal closes once its owner's year has ended, with its final value."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

import pytest
import time_machine

from goals.models import Goal, Metric, Milestone
from goals.services import YearEndClose, goals_close_finished_years
from goals.tasks import close_finished_years
from portfolio.models import Stream
from tests.factories import EntryFactory, GoalFactory, PortfolioFactory, StreamFactory, UserFactory
from tests.helpers import break_with_raw_sql

pytestmark = pytest.mark.django_db

# 00:30 UTC on 1 January 2027: 14:30 on 1 January in Kiritimati (UTC+14),
# 16:30 on 31 December in Los Angeles (UTC-8).
NEW_YEAR_UTC = dt.datetime(2027, 1, 1, 0, 30, tzinfo=dt.UTC)
LA_NEW_YEAR = dt.datetime(2027, 1, 1, 9, 0, tzinfo=dt.UTC)  # 01:00 in Los Angeles


def at(moment: dt.datetime):
    return time_machine.travel(moment, tick=False)


def user_with_figures(time_zone: str):
    """Salary 4,000 a month; dividends 200 a month from July 2026: 1,200 in 2026."""
    user = UserFactory(time_zone=time_zone)
    portfolio = user.portfolios.get()
    StreamFactory(portfolio=portfolio, category="salary", amount=Decimal("4000"))
    StreamFactory(
        portfolio=portfolio,
        category="dividends",
        amount=Decimal("200"),
        first_date=dt.date(2026, 7, 1),
    )
    return user


def goals_of(user, year: int) -> dict[str, Goal]:
    return {g.metric: g for g in Goal.objects.filter(owner=user, year=year, portfolio=None)}


def history() -> list[tuple]:
    return list(
        Goal.objects.order_by("pk").values_list(
            "pk", "closed_at", "final_value", "final_infinite", "baseline", "target"
        )
    )


@pytest.fixture
def kiritimati():
    user = user_with_figures("Pacific/Kiritimati")
    portfolio = user.portfolios.get()
    # Actual flows count: interest paid in December 2026 is part of the year...
    EntryFactory(
        portfolio=portfolio, date=dt.date(2026, 12, 20), category="interest", amount=Decimal("600")
    )
    # ...a payment of January 2027 is not.
    EntryFactory(
        portfolio=portfolio, date=dt.date(2027, 1, 1), category="dividends", amount=Decimal("9000")
    )
    GoalFactory(owner=user, year=2026, baseline=Decimal("0.01"), target=Decimal("0.10"))
    GoalFactory(
        owner=user,
        year=2026,
        metric=Metric.MONTHLY_PASSIVE,
        baseline=Decimal("0"),
        target=Decimal("500"),
    )
    side = PortfolioFactory(owner=user, name="Side")
    StreamFactory(portfolio=side, category="salary", amount=Decimal("1000"))
    StreamFactory(portfolio=side, category="rent", amount=Decimal("100"))
    GoalFactory(owner=user, year=2026, portfolio=side, baseline=Decimal("0"))
    GoalFactory(owner=user, year=2027, baseline=Decimal("0.04"), target=Decimal("0.08"))
    return user


@pytest.fixture
def los_angeles():
    user = user_with_figures("America/Los_Angeles")
    GoalFactory(owner=user, year=2026, baseline=Decimal("0.01"), target=Decimal("0.10"))
    GoalFactory(owner=user, year=2027, baseline=Decimal("0.04"), target=Decimal("0.08"))
    return user


def test_goals_close_when_the_owners_year_has_ended(kiritimati, los_angeles):
    count_before = Goal.objects.count()

    with at(NEW_YEAR_UTC):
        assert goals_close_finished_years(now=NEW_YEAR_UTC) == YearEndClose(closed=3, failed=0)

    closed = goals_of(kiritimati, 2026)
    ratio, passive = closed[Metric.WEALTH_RATIO], closed[Metric.MONTHLY_PASSIVE]
    # TTM at 31 December 2026, both portfolios: passive 6 x 200 + 600 + 12 x 100 rent
    # = 3,000 over earned 48,000 + 12,000 = 60,000; 250 a month.
    assert ratio.final_value == Decimal("0.05")
    assert passive.final_value == Decimal("250")
    assert {ratio.closed_at, passive.closed_at} == {NEW_YEAR_UTC}
    assert not ratio.final_infinite and not passive.final_infinite
    side = Goal.objects.get(owner=kiritimati, portfolio__name="Side")
    assert (side.final_value, side.closed_at) == (Decimal("0.1"), NEW_YEAR_UTC)

    # Still 31 December in Los Angeles; and nobody's 2027 goal is touched.
    assert Goal.objects.filter(owner=los_angeles, closed_at__isnull=False).count() == 0
    assert Goal.objects.filter(year=2027, closed_at__isnull=False).count() == 0
    assert Goal.objects.count() == count_before

    with at(LA_NEW_YEAR):
        assert goals_close_finished_years(now=LA_NEW_YEAR) == YearEndClose(closed=1, failed=0)

    la_goal = goals_of(los_angeles, 2026)[Metric.WEALTH_RATIO]
    assert (la_goal.final_value, la_goal.closed_at) == (Decimal("0.025"), LA_NEW_YEAR)
    ratio.refresh_from_db()
    assert ratio.closed_at == NEW_YEAR_UTC  # closed once, not again
    assert Goal.objects.filter(year=2027, closed_at__isnull=False).count() == 0
    assert Goal.objects.count() == count_before


def test_the_task_closes_the_same_way_and_a_second_run_changes_nothing(kiritimati, los_angeles):
    goals_before, milestones_before = Goal.objects.count(), Milestone.objects.count()
    with at(NEW_YEAR_UTC):
        assert close_finished_years() == 3
    after_first = history()

    with at(NEW_YEAR_UTC + dt.timedelta(minutes=5)):
        assert close_finished_years() == 0
    assert history() == after_first

    with at(LA_NEW_YEAR):
        assert close_finished_years() == 1
        after_la = history()
        assert close_finished_years() == 0
    assert history() == after_la
    assert Goal.objects.count() == goals_before
    assert Milestone.objects.count() == milestones_before
    la_goal = goals_of(los_angeles, 2026)[Metric.WEALTH_RATIO]
    assert la_goal.final_value == Decimal("0.025")


def test_a_fully_passive_final_value_is_stored_as_infinite():
    user = UserFactory(time_zone="UTC")
    StreamFactory(portfolio=user.portfolios.get(), category="rent", amount=Decimal("900"))
    GoalFactory(owner=user, year=2026)  # wealth ratio: no earned income
    GoalFactory(owner=user, year=2026, metric=Metric.PASSIVE_COVERAGE)  # no spending
    GoalFactory(
        owner=user,
        year=2026,
        metric=Metric.SAVINGS_RATE,
        baseline=Decimal("0.5"),
        target=Decimal("0.9"),
    )
    with at(NEW_YEAR_UTC):
        assert close_finished_years() == 3
    closed = goals_of(user, 2026)
    assert closed[Metric.WEALTH_RATIO].final_infinite is True
    assert closed[Metric.WEALTH_RATIO].final_value is None
    # Coverage and savings rate rest on spending, and none was recorded: the year
    # closes with no final figure (not an unbounded coverage or a 100% savings rate).
    for metric in (Metric.PASSIVE_COVERAGE, Metric.SAVINGS_RATE):
        assert closed[metric].final_value is None
        assert closed[metric].final_infinite is False
    for goal in closed.values():
        assert goal.closed_at == NEW_YEAR_UTC


def test_an_undefined_final_value_is_empty_and_not_infinite():
    user = UserFactory(time_zone="UTC")  # no figures at all
    goal = GoalFactory(owner=user, year=2026)
    with at(NEW_YEAR_UTC):
        assert close_finished_years() == 1
    goal.refresh_from_db()
    assert (goal.closed_at, goal.final_value, goal.final_infinite) == (NEW_YEAR_UTC, None, False)


def test_an_old_goal_left_open_closes_with_its_own_years_figures(kiritimati):
    old = GoalFactory(owner=kiritimati, year=2025, baseline=Decimal("0"))
    with at(NEW_YEAR_UTC):
        close_finished_years()
    old.refresh_from_db()
    # No dividends before July 2026: in 2025 only the side portfolio's rent, 1,200 / 60,000.
    assert (old.final_value, old.closed_at) == (Decimal("0.02"), NEW_YEAR_UTC)


def test_before_anyones_new_year_nothing_closes(kiritimati, los_angeles):
    before = history()
    # 09:59 UTC on 31 December: 23:59 in Kiritimati.
    with at(dt.datetime(2026, 12, 31, 9, 59, tzinfo=dt.UTC)):
        assert close_finished_years() == 0
    assert history() == before


# --- One owner's bad data does not stop the others -------------------------------------------


@pytest.mark.parametrize("how", ["frequency", "time_zone"])
def test_an_owner_whose_figures_cannot_be_computed_does_not_stop_the_close(caplog, how):
    first, middle, last = (user_with_figures("UTC") for _ in range(3))
    for user in (first, middle, last):
        GoalFactory(owner=user, year=2026, baseline=Decimal("0.01"), target=Decimal("0.10"))
    break_with_raw_sql(middle, how)

    with at(NEW_YEAR_UTC), caplog.at_level(logging.ERROR, logger="goals.services"):
        assert goals_close_finished_years(now=NEW_YEAR_UTC) == YearEndClose(closed=2, failed=1)

    # Dividends from July: 1,200 over 48,000 of salary.
    for user in (first, last):
        goal = goals_of(user, 2026)[Metric.WEALTH_RATIO]
        assert (goal.final_value, goal.closed_at) == (Decimal("0.025"), NEW_YEAR_UTC)
    assert goals_of(middle, 2026)[Metric.WEALTH_RATIO].closed_at is None
    (record,) = caplog.records
    assert f"the goals of user {middle.pk} could not be closed" in record.getMessage()
    assert record.exc_info is not None  # the traceback says what was wrong


def test_the_failed_owner_is_closed_by_a_later_run_once_the_data_is_right():
    first, middle = user_with_figures("UTC"), user_with_figures("UTC")
    for user in (first, middle):
        GoalFactory(owner=user, year=2026, baseline=Decimal("0.01"), target=Decimal("0.10"))
    break_with_raw_sql(middle, "frequency")
    with at(NEW_YEAR_UTC):
        assert close_finished_years() == 1
        Stream.objects.filter(portfolio__owner=middle).update(frequency="monthly")
    with at(NEW_YEAR_UTC + dt.timedelta(hours=1)):
        assert close_finished_years() == 1
    goal = goals_of(middle, 2026)[Metric.WEALTH_RATIO]
    assert goal.final_value == Decimal("0.025")
