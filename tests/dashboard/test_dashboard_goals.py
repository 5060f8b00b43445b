"""Goals on the dashboard: a card per goal of the year, or an invitation to set one."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from goals.models import Goal, Metric
from tests.factories import (
    GoalFactory,
    HoldingFactory,
    PortfolioFactory,
    StreamFactory,
    ValuationFactory,
)

pytestmark = pytest.mark.django_db

DASHBOARD = "dashboard:dashboard"
ACTION = "You need about $200 more passive income a month — about $60,000 invested at 4.0%"


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2026, 10, 15, 12, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def streams(portfolio):
    """Salary 4,000, dividends 200 and spending 3,000 a month: a wealth ratio of 5%."""
    StreamFactory(portfolio=portfolio, category="salary", amount=Decimal("4000"))
    StreamFactory(portfolio=portfolio, category="dividends", amount=Decimal("200"))
    StreamFactory(portfolio=portfolio, category="living_expenses", amount=Decimal("3000"))


def goal_figures(content: str) -> dict[str, str]:
    """The data-goal="…" texts of the first goal card."""
    return dict(re.findall(r'data-goal="(\w+)">\s*(.*?)\s*</', content, flags=re.S))


def test_ratio_goal_card(client_owner, owner, streams):
    GoalFactory(owner=owner, year=2026, baseline=Decimal("0.05"), target=Decimal("0.10"))

    response = client_owner.get(reverse(DASHBOARD))

    assert response.status_code == 200
    content = response.content.decode()
    (card,) = response.context["goal_cards"]
    assert card.current == Decimal("0.05")
    assert card.status == "behind"
    figures = goal_figures(content)
    # On 15 October the path from 5% on 1 January to 10% on 31 December is at
    # 5% + 5% x 287/364 = 8.9%.
    assert figures == {
        "current": "5.0%",
        "expected": "8.9%",
        "target": "10.0%",
        "projected": "5.0%",
        "action": ACTION + ".",
    }
    assert "Behind" in content
    assert "Your goals for 2026" in content
    assert "Set your goal for" not in content


def test_ratio_goal_already_met(client_owner, owner, streams):
    GoalFactory(owner=owner, year=2026, baseline=Decimal("0.01"), target=Decimal("0.04"))
    content = client_owner.get(reverse(DASHBOARD)).content.decode()
    figures = goal_figures(content)
    assert figures["action"] == "Your passive income already reaches this target."
    assert "Achieved" in content


def test_ratio_gap_uses_the_users_assumed_yield(client_owner, owner, streams):
    owner.assumed_yield = Decimal("0.05")
    owner.save()
    GoalFactory(owner=owner, year=2026)
    content = client_owner.get(reverse(DASHBOARD)).content.decode()
    assert "about $200 more passive income a month — about $48,000 invested at 5.0%" in content


def test_monthly_passive_goal_card(client_owner, owner, streams):
    GoalFactory(
        owner=owner,
        year=2026,
        metric=Metric.MONTHLY_PASSIVE,
        baseline=Decimal("150"),
        baseline_date=dt.date(2026, 7, 1),
        target=Decimal("500"),
    )
    content = client_owner.get(reverse(DASHBOARD)).content.decode()
    figures = goal_figures(content)
    assert figures["current"] == "$200.00"
    assert figures["target"] == "$500.00"
    assert figures["action"] == (
        "You need about $300 more passive income a month — about $90,000 invested at 4.0%."
    )


def test_runway_goal_card_has_no_income_sentence(client_owner, owner, streams):
    GoalFactory(
        owner=owner,
        year=2026,
        metric=Metric.RUNWAY_MONTHS,
        baseline=Decimal("0"),
        target=Decimal("6"),
    )
    content = client_owner.get(reverse(DASHBOARD)).content.decode()
    figures = goal_figures(content)
    assert figures["target"] == "6.0 months"
    assert "action" not in figures


def test_without_a_goal_the_dashboard_invites_one_with_the_suggestion(client_owner, streams):
    response = client_owner.get(reverse(DASHBOARD))
    content = response.content.decode()
    assert response.context["goal_suggestion"].target == Decimal("0.10")
    assert "Set your goal for 2026" in content
    assert "Your wealth ratio is 5.0%" in content
    assert "raise it to <strong>10%</strong> by 31 December" in content
    link = reverse("goals:goal_create") + "?metric=wealth_ratio&amp;target=10%25&amp;year=2026"
    assert link in content
    assert "data-goal=" not in content


def test_a_goal_of_another_year_or_user_still_invites(client_owner, owner, stranger, streams):
    GoalFactory(owner=owner, year=2027)
    GoalFactory(owner=owner, year=2025)
    GoalFactory(owner=stranger, year=2026)
    content = client_owner.get(reverse(DASHBOARD)).content.decode()
    assert "Set your goal for 2026" in content
    assert "data-goal=" not in content


def test_the_invitation_follows_the_users_new_year(client_owner, owner, streams):
    owner.time_zone = "Pacific/Kiritimati"  # UTC+14: already 2027 there
    owner.save()
    GoalFactory(owner=owner, year=2026)
    with time_machine.travel(dt.datetime(2026, 12, 31, 12, tzinfo=dt.UTC), tick=False):
        client_owner.force_login(owner)  # a fresh session on that day
        response = client_owner.get(reverse(DASHBOARD))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Set your goal for 2027" in content
    assert "data-goal=" not in content


def test_fully_passive_gets_no_invitation(client_owner, portfolio):
    StreamFactory(portfolio=portfolio, category="dividends", amount=Decimal("200"))
    response = client_owner.get(reverse(DASHBOARD))
    assert response.context["goal_suggestion"] is None
    assert "Set your goal for" not in response.content.decode()


def test_a_goal_on_one_portfolio_counts_as_this_years_goal(client_owner, owner, portfolio, streams):
    GoalFactory(owner=owner, year=2026, portfolio=portfolio)
    content = client_owner.get(reverse(DASHBOARD)).content.decode()
    assert f"Wealth ratio 2026 · {portfolio.name}" in content
    assert "Set your goal for" not in content


def test_portfolio_page_shows_only_that_portfolios_goals(client_owner, owner, portfolio, streams):
    side = PortfolioFactory(owner=owner, name="Side business")
    StreamFactory(portfolio=side, category="salary", amount=Decimal("1000"))
    StreamFactory(portfolio=side, category="rent", amount=Decimal("300"))
    GoalFactory(owner=owner, year=2026, portfolio=side, target=Decimal("0.5"))
    GoalFactory(owner=owner, year=2026, portfolio=portfolio, metric=Metric.SAVINGS_RATE)
    GoalFactory(owner=owner, year=2026)

    response = client_owner.get(reverse("dashboard:portfolio", args=[side.pk]))

    (card,) = response.context["goal_cards"]
    assert card.goal.portfolio == side
    assert card.current == Decimal("0.3")  # 300 / 1,000 of this portfolio only
    assert response.context["goal_suggestion"] is None


def test_dashboard_queries_do_not_grow_with_goals(client_owner, owner, portfolio, streams):
    GoalFactory(owner=owner, year=2026)
    with CaptureQueriesContext(connection) as one:
        assert client_owner.get(reverse(DASHBOARD)).status_code == 200

    others = [PortfolioFactory(owner=owner), PortfolioFactory(owner=owner)]
    for other in others:
        StreamFactory(portfolio=other, category="salary", amount=Decimal("1000"))
        StreamFactory(portfolio=other, category="rent", amount=Decimal("100"))
    scopes = [None, portfolio, *others]
    targets = {Metric.MONTHLY_PASSIVE: Decimal("900"), Metric.RUNWAY_MONTHS: Decimal("12")}
    wanted = [(2026, scope, metric) for scope in scopes for metric in Metric]  # 20
    wanted += [(year, None, metric) for year in (2025, 2027) for metric in Metric]  # 10
    for year, scope, metric in wanted:
        Goal.objects.get_or_create(
            owner=owner,
            portfolio=scope,
            year=year,
            metric=metric,
            defaults={
                "baseline": Decimal("0"),
                "baseline_date": dt.date(year, 1, 1),
                "target": targets.get(metric, Decimal("0.5")),
            },
        )
    assert Goal.objects.filter(owner=owner).count() == 30

    with CaptureQueriesContext(connection) as many:
        response = client_owner.get(reverse(DASHBOARD))

    assert response.status_code == 200
    assert len(response.context["goal_cards"]) == 20
    assert len(many) == len(one), "\n".join(q["sql"] for q in many.captured_queries)
    content = response.content.decode()
    assert content.count('data-goal="current"') == 20
    ratio_on_other = next(
        c
        for c in response.context["goal_cards"]
        if c.goal.portfolio == others[0] and c.goal.metric == Metric.WEALTH_RATIO
    )
    assert ratio_on_other.current == Decimal("0.1")


def test_ratio_goal_without_any_income_claims_nothing(client_owner, owner):
    GoalFactory(owner=owner, year=2026)
    response = client_owner.get(reverse(DASHBOARD))
    content = response.content.decode()
    (card,) = response.context["goal_cards"]
    assert (card.current, card.status) == (None, "unknown")
    assert "Not enough data" in content
    assert goal_figures(content)["current"] == "—"
    # No income at all: the ratio is undefined, so no passive income "reaches" the target.
    assert "already reaches this target" not in content


# --- Invitations that make sense where they are shown -------------------------------------


def test_in_december_the_invitation_is_for_next_year(client_owner, owner, streams):
    GoalFactory(owner=owner, year=2026)  # this year's goal is set: next year's is invited
    with time_machine.travel(dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC), tick=False):
        client_owner.force_login(owner)
        content = client_owner.get(reverse(DASHBOARD)).content.decode()
    assert "Set your goal for 2027" in content
    assert "by 31 December 2027" in content
    assert "raise it to" in content and "by 31 December 2026" not in content


def test_in_december_next_years_goals_show_once_set(client_owner, owner, streams):
    GoalFactory(owner=owner, year=2026, baseline=Decimal("0.04"), target=Decimal("0.08"))
    GoalFactory(owner=owner, year=2027, baseline=Decimal("0.05"), target=Decimal("0.10"))
    with time_machine.travel(dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC), tick=False):
        client_owner.force_login(owner)
        response = client_owner.get(reverse(DASHBOARD))
    content = response.content.decode()
    # This year's card still runs to 31 December; next year's goal is listed beside it
    # instead of the invitation to set it.
    assert [card.goal.year for card in response.context["goal_cards"]] == [2026]
    assert "Your goals for 2027" in content
    (coming,) = re.findall(r'<li data-goal="coming">(.*?)</li>', content, flags=re.S)
    assert "from 5.0% to 10.0%, starting 1 January" in " ".join(coming.split())
    assert "Set your goal for 2027" not in content


def test_next_years_goals_are_not_listed_before_december(client_owner, owner, streams):
    GoalFactory(owner=owner, year=2027)
    content = client_owner.get(reverse(DASHBOARD)).content.decode()  # 15 October 2026
    assert "Your goals for 2027" not in content
    assert "Set your goal for 2026" in content


def test_without_earned_income_the_invitation_asks_for_it(client_owner, portfolio):
    StreamFactory(portfolio=portfolio, category="living_expenses", amount=Decimal("900"))
    response = client_owner.get(reverse(DASHBOARD))
    content = response.content.decode()
    assert response.context["goal_suggestion"].kind == "ask_earned"
    assert "Add your earned income" in content
    assert "raise it to" not in content and "Your wealth ratio is —" not in content


def test_at_a_ratio_of_zero_the_invitation_is_a_first_income_in_money(client_owner, portfolio):
    StreamFactory(portfolio=portfolio, category="salary", amount=Decimal("5000"))
    content = client_owner.get(reverse(DASHBOARD)).content.decode()
    assert (
        "Your first goal could be a wealth ratio of 1%: about <strong>$50 a month</strong>"
        " of passive income by 31 December 2026."  # 1% of 5,000
    ) in content
    assert "doubles it" not in content


def test_a_runway_goal_is_not_achieved_by_recording_no_spending(client_owner, owner, portfolio):
    # A salary and cash but no spending yet: the runway is unbounded only for want
    # of data, so the goal has not enough data, rather than being "achieved".
    StreamFactory(portfolio=portfolio, category="salary", amount=Decimal("4000"))
    cash = HoldingFactory(portfolio=portfolio, kind="cash")
    ValuationFactory(holding=cash, date=dt.date(2026, 1, 1), value=Decimal("10000"))
    GoalFactory(
        owner=owner,
        year=2026,
        metric=Metric.RUNWAY_MONTHS,
        baseline=Decimal("0"),
        target=Decimal("6"),
    )
    response = client_owner.get(reverse(DASHBOARD))
    (card,) = response.context["goal_cards"]
    assert card.status == "unknown"
    assert "Achieved" not in response.content.decode()
