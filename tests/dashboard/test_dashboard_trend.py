"""The dashboard's "at the pace of the last N months" sentence and its projection link."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
import time_machine
from django.urls import reverse

from tests.factories import StreamFactory
from tests.trend_history import growing_snapshots

pytestmark = pytest.mark.django_db
OCTOBER = dt.date(2026, 10, 1)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2026, 10, 15, 12, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture(autouse=True)
def _salary(portfolio):
    """Something recorded, so that the dashboard shows figures rather than a first step."""
    StreamFactory(portfolio=portfolio, name="Salary")


def trend_line(response) -> str | None:
    match = re.search(r'data-figure="trend">(.*?)</p>', response.content.decode(), re.S)
    return None if match is None else html.unescape(match.group(1))


def test_growth_of_ten_and_five_percent_reaches_100_percent_in_2056(client_owner, owner):
    # 25% today, passive 10% and earned 5% a year: 12 ln 4 / ln(1.10/1.05) = 357.6
    # months after October 2026, in August 2056.
    growing_snapshots(owner, OCTOBER, skip=(7,), balance_unknown=(3,))
    line = trend_line(client_owner.get(reverse("dashboard:dashboard")))
    assert "At the pace of the last 24 months, your ratio reaches 100% in 2056." in line


def test_the_link_opens_the_projection_with_the_fitted_growth_rates(client_owner, owner):
    growing_snapshots(owner, OCTOBER)
    response = client_owner.get(reverse("dashboard:dashboard"))
    link = html.unescape(
        re.search(r'data-figure="trend">.*?href="([^"]+)"', response.content.decode(), re.S)[1]
    )
    assert link == reverse("portfolio:projection") + "?wage_growth=0.0500&passive_growth=0.1000"
    projection = client_owner.get(link).content.decode()
    assert re.search(r'name="wage_growth"[^>]*value="0.0500"', projection)
    assert re.search(r'name="passive_growth"[^>]*value="0.1000"', projection)


def test_passive_income_growing_slower_is_not_at_this_pace(client_owner, owner):
    growing_snapshots(owner, OCTOBER, passive_growth=0.02, earned_growth=0.05)
    line = trend_line(client_owner.get(reverse("dashboard:dashboard")))
    assert (
        "At the pace of the last 24 months, your ratio does not reach 100%: not at this pace."
        in line
    )
    assert "passive_growth=0.0200" in line


def test_fewer_than_six_months_of_history_say_nothing_about_a_trend(client_owner, owner):
    growing_snapshots(owner, OCTOBER, months=5)
    assert trend_line(client_owner.get(reverse("dashboard:dashboard"))) is None


def test_a_portfolio_dashboard_reads_that_portfolios_own_history(client_owner, owner, portfolio):
    growing_snapshots(owner, OCTOBER, passive_growth=0.02, earned_growth=0.05)  # all portfolios
    growing_snapshots(owner, OCTOBER, portfolio=portfolio)
    line = trend_line(client_owner.get(reverse("dashboard:portfolio", args=[portfolio.pk])))
    assert "reaches 100% in 2056." in line
    assert f"portfolio={portfolio.pk}&" in line


def test_a_ratio_already_past_100_percent_says_so(client_owner, owner):
    growing_snapshots(owner, OCTOBER, ratio_now=1.2)
    line = trend_line(client_owner.get(reverse("dashboard:dashboard")))
    assert "At the pace of the last 24 months, your ratio is at 100% or more." in line


def test_the_trend_says_it_is_your_own_trend_and_links_to_why_the_projection_differs(
    client_owner, owner
):
    # The projection and the calendar may name other years: the dashboard's sentence
    # says which model its year comes from and links to where the three are told apart.
    growing_snapshots(owner, OCTOBER)
    line = trend_line(client_owner.get(reverse("dashboard:dashboard")))
    assert "That is your own trend; the projection works from its own assumptions." in line
    help_url = reverse("dashboard:metrics_help")
    assert f'href="{help_url}#trend-projection-and-calendar"' in line
    help_page = client_owner.get(help_url).content.decode()
    assert 'id="trend-projection-and-calendar"' in help_page
