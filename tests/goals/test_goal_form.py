"""GoalForm: figures typed in the metric's unit, the year window, uniqueness, the baseline."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from goals.forms import GoalForm
from goals.models import Goal
from portfolio.limits import goal_years
from tests.factories import (
    GoalFactory,
    HoldingFactory,
    PortfolioFactory,
    StreamFactory,
    ValuationFactory,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 7, 1)


def form_for(owner, *, today=TODAY, instance=None, **fields) -> GoalForm:
    data = {
        "metric": "wealth_ratio",
        "portfolio": "",
        "year": str(today.year),
        "target": "10%",
        "baseline": "",
        "note": "",
        **fields,
    }
    return GoalForm(data, instance=instance, owner=owner, today=today)


@pytest.fixture
def salary_and_dividends(portfolio):
    """Earned 4,000 a month since 2020; dividends of 200 a month from January 2026."""
    StreamFactory(portfolio=portfolio, category="salary", amount=Decimal("4000"))
    StreamFactory(
        portfolio=portfolio,
        category="dividends",
        amount=Decimal("200"),
        first_date=dt.date(2026, 1, 1),
    )


def all_errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


# --- Typed figures -----------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["10%", "0.10", "0.1", " 10 % ", "10,0%"])
def test_rate_target_typed_as_percent_or_fraction(owner, typed):
    form = form_for(owner, target=typed, baseline="5%")
    assert form.is_valid(), form.errors
    goal = form.save()
    goal.refresh_from_db()
    assert goal.target == Decimal("0.10")
    assert goal.baseline == Decimal("0.05")
    assert goal.owner == owner
    assert goal.baseline_date == TODAY  # set during its year: the path starts today


def test_a_bare_number_is_a_fraction_so_one_and_a_half_is_150_percent(owner):
    form = form_for(owner, target="1.5", baseline="1")
    assert form.is_valid(), form.errors
    assert form.save().target == Decimal("1.5")


def test_savings_rate_may_start_below_zero(owner):
    form = form_for(owner, metric="savings_rate", target="10%", baseline="-20%")
    assert form.is_valid(), form.errors
    goal = form.save()
    assert (goal.baseline, goal.target) == (Decimal("-0.2"), Decimal("0.1"))


def test_money_and_months_are_plain_numbers(owner):
    form = form_for(owner, metric="monthly_passive", target="500", baseline="200.50")
    assert form.is_valid(), form.errors
    assert (form.save().target, Goal.objects.get().baseline) == (Decimal("500"), Decimal("200.5"))
    form = form_for(owner, metric="runway_months", target="24", baseline="6")
    assert form.is_valid(), form.errors


@pytest.mark.parametrize(
    ("metric", "field", "typed", "message"),
    [
        ("wealth_ratio", "target", "abc", "Enter a percentage"),
        ("wealth_ratio", "target", "NaN", "Enter a percentage"),
        ("wealth_ratio", "target", "Infinity", "Enter a percentage"),
        ("wealth_ratio", "baseline", "NaN", "Enter a percentage"),
        ("wealth_ratio", "target", "1000000%", "Enter at most"),
        ("monthly_passive", "target", "abc", "Enter a number"),
        ("monthly_passive", "target", "NaN", "Enter a number"),
        ("monthly_passive", "target", "10%", "Enter a number"),
        ("monthly_passive", "target", "-5", "greater than or equal to 0"),
        ("monthly_passive", "target", "1000000000000", "too large"),
        ("runway_months", "baseline", "1.234", "decimal places"),
    ],
)
def test_bad_figures_get_a_message(owner, metric, field, typed, message):
    fields = {"target": "900", "baseline": "1"} if metric != "wealth_ratio" else {}
    fields[field] = typed
    form = form_for(owner, metric=metric, **fields)
    assert not form.is_valid()
    assert message in " ".join(form.errors[field])
    assert not Goal.objects.exists()


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("1e3", "has an exponent"),
        ("-1e999999999", "has an exponent"),
        ("1_000", "has a space or separator between its digits"),
        ("\uff11\uff10\uff10", "has digits other than 0 to 9"),  # fullwidth
        ("\u0661e\u0663", "has digits other than 0 to 9"),  # Arabic-Indic
    ],
)
@pytest.mark.parametrize(
    ("metric", "field"),
    [
        ("wealth_ratio", "target"),
        ("savings_rate", "baseline"),
        ("monthly_passive", "target"),
        ("runway_months", "baseline"),
    ],
)
def test_a_figure_wider_than_documented_is_refused_naming_it(owner, metric, field, typed, problem):
    fields = (
        {"target": "20%", "baseline": "5%"}
        if metric in ("wealth_ratio", "savings_rate")
        else {
            "target": "900",
            "baseline": "1",
        }
    )
    fields[field] = typed
    form = form_for(owner, metric=metric, **fields)
    assert not form.is_valid()
    (message,) = form.errors[field]
    assert message.startswith(f"“{typed}” {problem}")
    assert not Goal.objects.exists()


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("\u0662\u0660\u0662\u0666", "has digits other than 0 to 9"),  # 2026, Arabic-Indic
        ("2.026e3", "has an exponent"),
        ("2_026", "has a space or separator between its digits"),
    ],
)
def test_a_year_wider_than_documented_is_refused_naming_it(owner, typed, problem):
    form = form_for(owner, year=typed)
    assert not form.is_valid()
    (message,) = form.errors["year"]
    assert message.startswith(f"“{typed}” {problem}")


@pytest.mark.parametrize("metric", ["monthly_passive", "runway_months"])
def test_a_figure_just_below_the_limit_is_accepted(owner, metric):
    form = form_for(owner, metric=metric, target="999999999999.99", baseline="0")
    assert form.is_valid(), form.errors
    form = form_for(owner, metric=metric, target="1000000000000.00", baseline="0")
    assert not form.is_valid()
    assert form.errors["target"] == ["That figure is too large."]


def test_target_is_required(owner):
    form = form_for(owner, target="")
    assert not form.is_valid()
    assert "target" in form.errors


# --- The year window ---------------------------------------------------------------------


@pytest.mark.parametrize("year", [2025, 2026, 2036])
def test_year_from_last_year_to_ten_years_ahead(owner, year):
    form = form_for(owner, year=str(year), baseline="5%")
    assert form.is_valid(), form.errors


def test_the_year_window_is_the_one_of_the_limits(owner):
    for year in goal_years(TODAY.year):
        form = form_for(owner, year=str(year), baseline="5%")
        assert form.is_valid(), (year, form.errors)
        assert not Goal.objects.exists()  # not saved: the next year is no duplicate


@pytest.mark.parametrize("year", ["2024", "2037", "2040", "abc"])
def test_year_outside_the_window_is_refused(owner, year):
    form = form_for(owner, year=year, baseline="5%")
    assert not form.is_valid()
    assert "year" in form.errors
    if year.isdigit():
        assert form.errors["year"] == ["Choose a year from 2025 to 2036."]


# --- Target against the baseline ---------------------------------------------------------


@pytest.mark.parametrize("target", ["10%", "9%", "0"])
def test_target_at_or_below_a_typed_baseline_gets_a_message(owner, target):
    form = form_for(owner, target=target, baseline="10%")
    assert not form.is_valid()
    assert form.errors["target"] == [
        "A goal must be above where you start (10%): every goal figure is better higher. "
        "Raise the target or lower the baseline."
    ]


def test_target_below_the_captured_baseline_gets_a_message(owner, salary_and_dividends):
    # The ratio on 1 July 2026 is 7 x 200 / 48,000 = 2.9167%.
    form = form_for(owner, target="2%")
    assert not form.is_valid()
    assert "above where you start (2.9167%)" in form.errors["target"][0]
    assert not Goal.objects.exists()


# --- The captured baseline ---------------------------------------------------------------


def test_baseline_left_empty_is_the_figure_today_for_a_goal_of_this_year(
    owner, salary_and_dividends
):
    form = form_for(owner, target="10%")
    assert form.is_valid(), form.errors
    goal = form.save()
    goal.refresh_from_db()
    # TTM on 1 July 2026: passive 7 x 200 = 1,400 over earned 48,000, kept to 6 places.
    assert goal.baseline == Decimal("0.029167")
    assert goal.baseline_date == TODAY


def test_baseline_left_empty_is_the_figure_on_1_january_for_another_year(
    owner, salary_and_dividends
):
    form = form_for(owner, year="2027", target="10%")
    assert form.is_valid(), form.errors
    goal = form.save()
    # TTM on 1 January 2027: the twelve months of 2026 with 12 dividends, 2,400 / 48,000.
    assert (goal.baseline, goal.baseline_date) == (Decimal("0.05"), dt.date(2027, 1, 1))

    form = form_for(owner, year="2025", target="10%")
    assert form.is_valid(), form.errors
    goal = form.save()
    assert (goal.baseline, goal.baseline_date) == (Decimal("0"), dt.date(2025, 1, 1))


def test_baseline_of_a_goal_on_one_portfolio_counts_that_portfolio_only(
    owner, salary_and_dividends
):
    side = PortfolioFactory(owner=owner, name="Side business")
    StreamFactory(portfolio=side, category="salary", amount=Decimal("1000"))
    StreamFactory(portfolio=side, category="rent", amount=Decimal("100"))
    form = form_for(owner, portfolio=str(side.pk), target="20%")
    assert form.is_valid(), form.errors
    assert form.save().baseline == Decimal("0.1")


def test_an_undefined_figure_starts_from_zero(owner):
    form = form_for(owner, target="10%")  # no income at all: the ratio is undefined
    assert form.is_valid(), form.errors
    assert form.save().baseline == Decimal("0")


def test_an_unbounded_figure_cannot_be_a_goal(owner, portfolio):
    StreamFactory(portfolio=portfolio, category="dividends", amount=Decimal("200"))
    form = form_for(owner, target="10%")  # no earned income: fully passive
    assert not form.is_valid()
    assert "already unbounded" in form.errors["metric"][0]
    assert not Goal.objects.exists()


# --- Uniqueness and ownership ------------------------------------------------------------


def test_a_second_goal_for_the_same_year_metric_and_scope_is_refused(owner):
    GoalFactory(owner=owner, year=2026)
    form = form_for(owner, baseline="5%")
    assert not form.is_valid()
    assert form.non_field_errors() == [
        "You already have a wealth ratio goal for 2026 on all your portfolios; edit that one."
    ]
    assert Goal.objects.count() == 1


def test_duplicate_on_one_portfolio_names_it(owner, portfolio):
    GoalFactory(owner=owner, portfolio=portfolio, metric="savings_rate", year=2026)
    form = form_for(owner, metric="savings_rate", portfolio=str(portfolio.pk), baseline="5%")
    assert not form.is_valid()
    assert f"on {portfolio.name}; edit that one" in form.non_field_errors()[0]


def test_same_metric_in_another_year_scope_or_user_is_fine(owner, stranger, portfolio):
    GoalFactory(owner=owner, year=2027)
    GoalFactory(owner=owner, year=2026, portfolio=portfolio)
    GoalFactory(owner=stranger, year=2026)
    GoalFactory(owner=owner, year=2026, metric="savings_rate")
    form = form_for(owner, baseline="5%")
    assert form.is_valid(), form.errors


def test_another_users_portfolio_cannot_be_chosen(owner, stranger):
    form = form_for(owner, portfolio=str(stranger.portfolios.get().pk), baseline="5%")
    assert not form.is_valid()
    assert "portfolio" in form.errors


# --- Editing -----------------------------------------------------------------------------


def test_edit_shows_rates_as_percentages_and_requires_a_baseline(owner):
    goal = GoalFactory(owner=owner, baseline=Decimal("0.05"), target=Decimal("0.10"))
    form = GoalForm(instance=goal, owner=owner, today=TODAY)
    assert form["target"].value() == "10%"
    assert form["baseline"].value() == "5%"
    assert form.fields["baseline"].required

    form = form_for(owner, instance=goal, year="2026", target="12%", baseline="")
    assert not form.is_valid()
    assert "baseline" in form.errors


@pytest.mark.parametrize("metric", ["monthly_passive", "runway_months"])
def test_edit_shows_money_and_months_as_typed_and_saves_them_unchanged(owner, metric):
    goal = GoalFactory(
        owner=owner, metric=metric, baseline=Decimal("200.5"), target=Decimal("999999999999.99")
    )
    goal.refresh_from_db()  # the column's six places: 200.500000
    form = GoalForm(instance=goal, owner=owner, today=TODAY)
    assert (form["target"].value(), form["baseline"].value()) == ("999999999999.99", "200.50")

    form = form_for(
        owner,
        instance=goal,
        metric=metric,
        target=form["target"].value(),
        baseline=form["baseline"].value(),
    )
    assert form.is_valid(), form.errors


def test_edit_keeps_the_start_of_the_path_unless_the_year_changes(owner):
    goal = GoalFactory(owner=owner, baseline_date=dt.date(2026, 3, 1))
    form = form_for(owner, instance=goal, year="2026", target="12%", baseline="4%")
    assert form.is_valid(), form.errors
    form.save()
    goal.refresh_from_db()
    assert (goal.target, goal.baseline) == (Decimal("0.12"), Decimal("0.04"))
    assert goal.baseline_date == dt.date(2026, 3, 1)
    assert Goal.objects.count() == 1  # itself is no duplicate

    form = form_for(owner, instance=goal, year="2027", target="12%", baseline="4%")
    assert form.is_valid(), form.errors
    form.save()
    goal.refresh_from_db()
    assert (goal.year, goal.baseline_date) == (2027, dt.date(2027, 1, 1))


def test_edit_into_an_existing_goal_is_refused(owner):
    GoalFactory(owner=owner, year=2027)
    goal = GoalFactory(owner=owner, year=2026)
    form = form_for(owner, instance=goal, year="2027", baseline="5%")
    assert not form.is_valid()
    assert "already have" in form.non_field_errors()[0]
    goal.refresh_from_db()
    assert goal.year == 2026


def test_several_mistakes_are_all_reported(owner):
    # A form with several mistakes reports each of them, none hidden behind another.
    form = form_for(owner, year="2040", target="abc")
    assert not form.is_valid()
    text = all_errors(form)
    assert "Choose a year" in text
    assert "Enter a percentage" in text


def test_a_closed_goal_moved_to_another_year_is_open_again(owner):
    goal = GoalFactory(
        owner=owner,
        year=2025,
        closed_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        final_value=Decimal("0.07"),
    )
    form = form_for(owner, instance=goal, year="2026", target="12%", baseline="5%")
    assert form.is_valid(), form.errors
    form.save()
    goal.refresh_from_db()
    # Otherwise it would show last year's final value and never close at this year's end.
    assert (goal.year, goal.closed_at, goal.final_value, goal.final_infinite) == (
        2026,
        None,
        None,
        False,
    )


def test_editing_a_closed_goal_within_its_year_keeps_its_history(owner):
    closed_at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    goal = GoalFactory(owner=owner, year=2025, closed_at=closed_at, final_infinite=True)
    form = form_for(owner, instance=goal, year="2025", target="12%", baseline="5%", note="Hm")
    assert form.is_valid(), form.errors
    form.save()
    goal.refresh_from_db()
    assert (goal.note, goal.closed_at, goal.final_infinite) == ("Hm", closed_at, True)


def test_a_runway_goal_without_spending_recorded_starts_from_zero(owner, portfolio):
    # Salary and no spending yet: the runway is unbounded only for want of data, so
    # the goal is not refused as "already unbounded"; it starts from nothing.
    StreamFactory(portfolio=portfolio, category="salary", amount=Decimal("4000"))
    cash = HoldingFactory(portfolio=portfolio, kind="cash")
    ValuationFactory(holding=cash, date=dt.date(2026, 1, 1), value=Decimal("10000"))
    form = form_for(owner, metric="runway_months", target="6")
    assert form.is_valid(), form.errors
    assert form.save().baseline == 0
