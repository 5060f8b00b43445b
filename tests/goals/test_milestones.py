"""Milestones are recorded from fresh snapshots, once, and e-mailed by a queued task."""

import logging
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from goals.milestones import MilestonesRecorded, milestones_record
from goals.models import Goal, Milestone
from goals.signals import milestones_recorded
from portfolio import snapshots
from tests.factories import GoalFactory, PortfolioFactory, StreamFactory, UserFactory
from tests.helpers import break_with_raw_sql

pytestmark = pytest.mark.django_db(transaction=True)


def _flows(portfolio, *, salary, dividends, spending):
    for name, category, amount in (
        ("Salary", "salary", salary),
        ("Dividends", "dividends", dividends),
        ("Living", "living_expenses", spending),
    ):
        if amount:
            StreamFactory(
                portfolio=portfolio,
                name=name,
                category=category,
                amount=Decimal(amount),
                frequency="monthly",
                first_date=date(2025, 1, 5),
            )


@time_machine.travel("2026-06-15 12:00Z", tick=False)
def test_a_goal_reached_is_recorded_once_from_the_snapshots(owner):
    portfolio = owner.portfolios.get()
    _flows(portfolio, salary="4000", dividends="600", spending="3000")
    goal = Goal.objects.create(
        owner=owner,
        year=2026,
        metric="wealth_ratio",
        baseline=Decimal("0.05"),
        baseline_date=date(2026, 1, 1),
        target=Decimal("0.10"),
    )

    snapshots.snapshots_recompute(user_ids=[owner.pk])
    snapshots.snapshots_recompute(user_ids=[owner.pk])  # again: nothing new

    (milestone,) = Milestone.objects.filter(user=owner)
    assert milestone.kind == Milestone.Kind.GOAL_ACHIEVED
    assert milestone.goal == goal
    assert milestone.value == Decimal("0.15")  # 600 / 4,000
    assert milestone.occurred_on == date(2026, 6, 15)


@time_machine.travel("2026-06-15 12:00Z", tick=False)
def test_ratio_past_100_and_passive_covering_spending_are_milestones(owner, stranger):
    _flows(owner.portfolios.get(), salary="1000", dividends="3500", spending="3000")
    _flows(stranger.portfolios.get(), salary="4000", dividends="100", spending="3000")

    snapshots.snapshots_recompute(user_ids=[owner.pk, stranger.pk])

    kinds = set(Milestone.objects.filter(user=owner).values_list("kind", flat=True))
    assert kinds == {Milestone.Kind.RATIO_100, Milestone.Kind.PASSIVE_COVERS_SPENDING}
    assert not Milestone.objects.filter(user=stranger).exists()


@time_machine.travel("2026-06-15 12:00Z", tick=False)
def test_only_milestones_recorded_for_the_first_time_call_for_an_e_mail(owner, stranger):
    _flows(owner.portfolios.get(), salary="1000", dividends="3500", spending="3000")
    _flows(stranger.portfolios.get(), salary="4000", dividends="100", spending="3000")
    announced = []

    def listener(sender, user_ids, **kwargs):
        announced.append(user_ids)

    milestones_recorded.connect(listener)
    try:
        snapshots.snapshots_recompute(user_ids=[owner.pk, stranger.pk])
        # The nightly job the next night: the same ratio, the same milestones.
        snapshots.snapshots_recompute(user_ids=[owner.pk, stranger.pk])
    finally:
        milestones_recorded.disconnect(listener)

    assert announced == [[owner.pk]]
    assert Milestone.objects.filter(user=owner).count() == 2


@time_machine.travel("2026-06-15 12:00Z", tick=False)
def test_an_unreached_goal_records_nothing(owner):
    _flows(owner.portfolios.get(), salary="4000", dividends="200", spending="3000")
    Goal.objects.create(
        owner=owner,
        year=2026,
        metric="wealth_ratio",
        baseline=Decimal("0.05"),
        baseline_date=date(2026, 1, 1),
        target=Decimal("0.10"),
    )
    snapshots.snapshots_recompute(user_ids=[owner.pk])

    assert milestones_record([owner.pk], now=timezone.now()) == MilestonesRecorded(0, 0)
    assert not Milestone.objects.exists()


@time_machine.travel("2026-06-15 12:00Z", tick=False)
def test_a_user_whose_milestones_cannot_be_worked_out_does_not_stop_the_others(caplog):
    users = [UserFactory(time_zone="UTC") for _ in range(3)]
    for user in users:
        _flows(user.portfolios.get(), salary="1000", dividends="3500", spending="3000")
    snapshots.snapshots_recompute(user_ids=[u.pk for u in users])
    Milestone.objects.all().delete()  # recorded again below, with one user broken
    first, middle, last = users
    break_with_raw_sql(middle, "time_zone")

    with caplog.at_level(logging.ERROR, logger="goals.milestones"):
        result = milestones_record([u.pk for u in users], now=timezone.now())

    assert result == MilestonesRecorded(found=4, failed=1, news_for=frozenset({first.pk, last.pk}))
    for user in (first, last):
        kinds = set(Milestone.objects.filter(user=user).values_list("kind", flat=True))
        assert kinds == {Milestone.Kind.RATIO_100, Milestone.Kind.PASSIVE_COVERS_SPENDING}
    assert not Milestone.objects.filter(user=middle).exists()
    (record,) = caplog.records
    assert f"user {middle.pk} has no today (time zone 'Mars/Olympus')" in record.getMessage()
    assert record.exc_info is not None


@time_machine.travel("2026-06-15 12:00Z", tick=False)
def test_a_portfolio_goal_follows_that_portfolio_not_all_portfolios_together(owner):
    # Reached by the pension portfolio's own figures (600 / 1,000), not by the
    # figures of both portfolios together (600 / 5,000).
    _flows(owner.portfolios.get(), salary="4000", dividends=None, spending="3000")
    pension = PortfolioFactory(owner=owner, name="Pension")
    _flows(pension, salary="1000", dividends="600", spending=None)
    mine = GoalFactory(owner=owner, portfolio=pension, target=Decimal("0.50"))
    GoalFactory(owner=owner, target=Decimal("0.50"))  # all portfolios: 12%, not reached

    snapshots.snapshots_recompute(user_ids=[owner.pk])

    (milestone,) = Milestone.objects.filter(user=owner)
    assert (milestone.kind, milestone.goal) == (Milestone.Kind.GOAL_ACHIEVED, mine)
    assert milestone.value == Decimal("0.6")


@time_machine.travel("2026-06-15 12:00Z", tick=False)
def test_figures_resting_on_no_spending_are_no_milestone_until_spending_is_recorded(owner):
    # A newcomer with a salary and dividends but no spending yet: passive income
    # "covers" nothing, and a coverage goal is not reached by dividing by zero.
    portfolio = owner.portfolios.get()
    _flows(portfolio, salary="4000", dividends="500", spending=None)
    Goal.objects.create(
        owner=owner,
        year=2026,
        metric="passive_coverage",
        baseline=Decimal("0"),
        baseline_date=date(2026, 1, 1),
        target=Decimal("0.50"),
    )
    snapshots.snapshots_recompute(user_ids=[owner.pk])
    assert not Milestone.objects.filter(user=owner).exists()

    _flows(portfolio, salary=None, dividends=None, spending="400")
    snapshots.snapshots_recompute(user_ids=[owner.pk])
    assert set(Milestone.objects.filter(user=owner).values_list("kind", flat=True)) == {
        Milestone.Kind.PASSIVE_COVERS_SPENDING,
        Milestone.Kind.GOAL_ACHIEVED,
    }
