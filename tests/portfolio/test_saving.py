"""Two saves of the same name at the same moment: the second gets the form's message, not a 500.

The form's own check passes for both (neither row exists yet when they are
validated); the database's unique constraint refuses the second, and
``save_unique`` must turn that into a form error and leave nothing half-written.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from goals.forms import GoalForm
from goals.models import Goal
from portfolio import services
from portfolio.forms import HoldingForm, PortfolioForm
from portfolio.models import Holding, Portfolio, Valuation
from portfolio.saving import save_unique
from tests.factories import GoalFactory, HoldingFactory

TODAY = dt.date(2026, 6, 1)
pytestmark = pytest.mark.django_db


def test_a_portfolio_saved_twice_at_once_gets_the_message(owner):
    form = PortfolioForm({"name": "Company"}, owner=owner)
    assert form.is_valid()
    Portfolio.objects.create(owner=owner, name="company")  # the other save, first

    assert save_unique(form, message="taken") is None
    assert form.errors["name"] == ["taken"]
    assert Portfolio.objects.filter(owner=owner, name__iexact="company").count() == 1


def test_a_holding_and_its_first_value_are_saved_together_or_not_at_all(owner):
    portfolio = owner.portfolios.get()
    data = {
        "name": "Flat",
        "kind": "property",
        "liquidity": "kind",
        "value": "250000",
        "value_date": "2026-05-01",
    }
    form = HoldingForm(data, portfolio=portfolio, today=TODAY)
    assert form.is_valid(), form.errors
    HoldingFactory(portfolio=portfolio, name="FLAT")

    saved = save_unique(
        form,
        message="taken",
        save=lambda: services.holding_create(
            holding=form.save(commit=False),
            value=form.cleaned_data["value"],
            valued_on=form.cleaned_data["value_date"],
        ),
    )
    assert saved is None
    assert form.errors["name"] == ["taken"]
    assert Holding.objects.filter(portfolio=portfolio).count() == 1
    assert not Valuation.objects.filter(value=Decimal(250000)).exists()


def test_a_goal_saved_twice_at_once_gets_the_message(owner):
    data = {"metric": "wealth_ratio", "year": "2026", "target": "10%", "baseline": "5%"}
    form = GoalForm(data, owner=owner, today=TODAY)
    assert form.is_valid(), form.errors
    GoalFactory(owner=owner, year=2026, metric="wealth_ratio", portfolio=None)

    assert save_unique(form, field=None, message="duplicate") is None
    assert form.non_field_errors() == ["duplicate"]
    assert Goal.objects.filter(owner=owner).count() == 1
