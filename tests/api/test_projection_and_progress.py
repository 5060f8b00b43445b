"""Goal progress and the projection through the API: the pages' functions, the
pages' messages."""

from __future__ import annotations

from decimal import Decimal

import pytest

from portfolio import metrics, months
from tests.factories import GoalFactory, StreamFactory

pytestmark = pytest.mark.django_db
V1 = "/api/v1"

ASSUMPTIONS = {
    "years": "3",
    "capital": "100000",
    "monthly_saving": "1000",
    "yearly_return": "6%",
    "yearly_yield": "4%",
    "reinvest": "true",
    "earned_yearly": "60000",
    "wage_growth": "3%",
    "other_passive_yearly": "0",
    "passive_growth": "5%",
    "spending_yearly": "36000",
}


def test_the_projection_is_the_pages_formula(api):
    response = api.get(f"{V1}/projection/", ASSUMPTIONS)
    assert response.status_code == 200, response.json()
    body = response.json()
    rows = metrics.project(
        years=3,
        capital=Decimal(100000),
        monthly_saving=Decimal(1000),
        yearly_return=Decimal("0.06"),
        yearly_yield=Decimal("0.04"),
        earned_yearly=Decimal(60000),
        spending_yearly=Decimal(36000),
        other_passive_yearly=Decimal(0),
        wage_growth=Decimal("0.03"),
        passive_growth=Decimal("0.05"),
        reinvest=True,
    )
    assert [row["year"] for row in body["rows"]] == [0, 1, 2, 3]
    assert body["rows"][0]["capital"] == "100000.00"
    assert body["rows"][0]["passive_yearly"] == "4000.00"
    for got, row in zip(body["rows"][1:], rows, strict=True):
        assert Decimal(got["capital"]) == row.capital.quantize(Decimal("0.01"))
        assert Decimal(got["passive_yearly"]) == row.passive_yearly.quantize(Decimal("0.01"))
    assert body["assumptions"]["yearly_return"] == "0.06"


def test_left_out_assumptions_start_from_todays_figures(api, portfolio):
    StreamFactory(portfolio=portfolio, category="salary", amount=Decimal("5000.00"))
    body = api.get(f"{V1}/projection/", {"years": "1"}).json()
    assert body["assumptions"]["earned_yearly"] == "60000.00"
    assert len(body["rows"]) == 2


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        ({"years": "0"}, {"years": ["Project at least 1 year."]}),
        ({"capital": "-1"}, {"capital": ["Enter zero or more."]}),
    ],
)
def test_assumptions_the_form_refuses_are_refused_with_its_message(api, params, errors):
    response = api.get(f"{V1}/projection/", params)
    assert response.status_code == 400
    assert response.json()["errors"] == errors


def test_a_strangers_portfolio_cannot_be_projected(api_stranger, portfolio):
    response = api_stranger.get(f"{V1}/projection/", {"portfolio": portfolio.pk})
    assert response.status_code == 404


def test_goal_progress_of_this_years_goals(api, owner, portfolio, stranger):
    year = months.user_today(owner).year
    StreamFactory(portfolio=portfolio, category="salary", amount=Decimal("3000.00"))
    StreamFactory(portfolio=portfolio, category="dividends", amount=Decimal("300.00"))
    goal = GoalFactory(owner=owner, year=year)
    GoalFactory(owner=owner, year=year + 1)  # not this year's
    GoalFactory(owner=stranger, year=year)
    response = api.get(f"{V1}/goal-progress/")
    assert response.status_code == 200
    [card] = response.json()
    assert card["goal"] == goal.pk and card["metric"] == "wealth_ratio"
    assert card["current"] is not None and card["status"]
    assert Decimal(card["target"]) == Decimal("0.10")
