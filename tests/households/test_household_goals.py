"""Household goals (on what the members share, every member's to see and change) and
the household's figures in the monthly e-mail, for the members who ask for them."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from goals.models import Goal
from households import services as households
from notifications.jobs import emails_send_month_start
from portfolio.models import Portfolio
from portfolio.services import portfolio_share
from tests.factories import GoalFactory, StreamFactory, UserFactory
from tests.notifications.helpers import FEB_1_0830, at, investor, recompute

pytestmark = pytest.mark.django_db


def household_goal(client, **overrides):
    data = {"metric": "wealth_ratio", "year": "2026", "target": "30%", "for_household": "on"}
    return client.post(reverse("goals:goal_create"), data | overrides)


@pytest.fixture
def sharing(alice, bob, couple):
    """Alice shares salary 3,000 and dividends 600 a month; Bob shares nothing."""
    portfolio = alice.portfolios.get()
    StreamFactory(portfolio=portfolio, category="salary", amount=Decimal("3000"))
    StreamFactory(portfolio=portfolio, category="dividends", amount=Decimal("600"))
    portfolio_share(portfolio=portfolio, sharing=Portfolio.Sharing.VIEW)
    return couple


@pytest.fixture
def at_2026():
    with at(dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC)):
        yield


def test_a_member_sets_a_household_goal_every_member_sees_and_changes(
    client, alice, bob, sharing, at_2026
):
    client.force_login(bob)
    response = household_goal(client)
    assert response.status_code == 302, response.content
    goal = Goal.objects.get()
    assert goal.household == sharing and goal.portfolio is None
    # The baseline is the household's figure: Alice's shared 600 / 3,000.
    assert goal.baseline == Decimal("0.2")

    client.force_login(alice)
    page = client.get(reverse("goals:goal_list"))
    cards = page.context["household_cards"]
    assert [c.goal for c in cards] == [goal] and cards[0].current == Decimal("0.2")
    assert page.context["cards"] == []  # not one of Alice's own goals
    household_page = client.get(reverse("dashboard:household"))
    assert [c.goal for c in household_page.context["goal_cards"]] == [goal]
    response = client.post(
        reverse("goals:goal_edit", args=[goal.pk]),
        {
            "metric": "wealth_ratio",
            "year": "2026",
            "target": "40%",
            "baseline": "20%",
            "for_household": "on",
        },
    )
    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.target == Decimal("0.4") and goal.owner == bob


def test_in_december_next_years_household_goal_shows_on_the_household_page(
    client, alice, bob, sharing
):
    with at(dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)):
        client.force_login(bob)
        # The form's year in December is next year's: the goal set is 2027's.
        response = household_goal(client, year="2027")
        assert response.status_code == 302, response.content
        client.force_login(alice)
        page = client.get(reverse("dashboard:household"))
    content = " ".join(page.content.decode().split())
    assert page.context["goal_cards"] == []  # none for 2026
    assert [goal.year for goal in page.context["coming_goals"]] == [2027]
    assert "The household\u2019s goals for 2027" in content
    assert "from 20.0% to 30.0%, starting 1 January." in content


def test_in_december_next_years_household_goal_is_on_the_goals_page_in_its_currency(
    client, alice, bob, sharing
):
    bob.currency = "EUR"  # the household's figures are in Alice's, its creator's: USD
    bob.save()
    with at(dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)):
        client.force_login(bob)
        response = household_goal(client, year="2027", metric="monthly_passive", target="900")
        assert response.status_code == 302, response.content
        goal = Goal.objects.get()
        mine = GoalFactory(owner=bob, year=2027, metric="monthly_passive", target=Decimal("50"))
        goals_page = client.get(reverse("goals:goal_list"))
        household_page = client.get(reverse("dashboard:household"))
    # The household page's "All goals" leads to the goals page: the goal is there.
    assert [g.pk for g in goals_page.context["other_goals"]] == [mine.pk, goal.pk]
    (row,) = [
        " ".join(row.split())
        for row in re.findall(r"<tr>(.*?)</tr>", goals_page.content.decode(), flags=re.S)
        if reverse("goals:goal_edit", args=[goal.pk]) in row
    ]
    assert "The household “Home”" in row and "$900" in row and "€" not in row
    coming = " ".join(household_page.content.decode().split())
    assert "to $900" in coming and "to €900" not in coming
    assert "{#" not in coming  # no template comment shows


def test_without_a_household_goal_this_year_the_link_sets_one_for_this_year(client, alice, sharing):
    with at(dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)):
        client.force_login(alice)
        page = client.get(reverse("dashboard:household"))
    content = " ".join(page.content.decode().split())
    assert "No goal for the household this year." in content
    assert f'href="{reverse("goals:goal_create")}?year=2026"' in content


def test_one_household_goal_per_figure_and_year_and_none_on_a_portfolio(
    client, alice, bob, sharing, at_2026
):
    client.force_login(alice)
    household_goal(client)
    client.force_login(bob)
    assert (
        "already have a wealth ratio goal for 2026 on the household" in household_goal(client).text
    )
    response = household_goal(client, portfolio=bob.portfolios.get().pk, metric="savings_rate")
    assert "choose no portfolio" in response.text
    assert Goal.objects.count() == 1


def test_others_and_former_members_cannot_reach_a_household_goal(
    client, alice, bob, sharing, at_2026
):
    client.force_login(alice)
    household_goal(client)
    goal = Goal.objects.get()
    client.force_login(UserFactory(email="eve@example.com"))
    assert client.get(reverse("goals:goal_edit", args=[goal.pk])).status_code == 404
    households.member_leave(user=bob)
    client.force_login(bob)
    assert client.post(reverse("goals:goal_delete", args=[goal.pk])).status_code == 404
    assert Goal.objects.exists()


def test_the_monthly_e_mail_reports_on_the_household_to_who_asks(smtp_server):
    mail = smtp_server
    ann = investor(email="ann@example.com")  # a wealth ratio of 6.7% in January 2026
    ben = investor(email="ben@example.com", email_monthly_household=True)
    home = households.household_create(user=ann, name="Home")
    households.invitation_accept(
        invitation=households.invitation_create(by=ann, email=ben.email), user=ben
    )
    portfolio_share(portfolio=ann.portfolios.get(), sharing=Portfolio.Sharing.VIEW)
    recompute(ann, ben)
    assert home.snapshots.filter(month=dt.date(2026, 1, 1)).exists()

    with at(FEB_1_0830):
        report = emails_send_month_start(user_ids=[ann.pk, ben.pk], month=dt.date(2026, 1, 1))
    assert report.sent == 2
    ben_text = mail.text(mail.wait_for("ben@example.com")).replace("\r\n", "\n")
    assert "Your household, Home, on what its members share:\nWealth ratio: 6.7%." in ben_text
    assert "http://localhost:8000/household/dashboard/" in ben_text
    assert "household" not in mail.text(mail.wait_for("ann@example.com")).lower()
