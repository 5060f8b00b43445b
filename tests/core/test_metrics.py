"""The formulas of docs/metrics.md: hand-worked examples, edge cases and properties.

Pure Python: no Django, no database.
"""

from __future__ import annotations

from decimal import Decimal, localcontext

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portfolio import categories
from portfolio.metrics import (
    INFINITY,
    capital_needed,
    holding_class,
    monthly,
    passive_coverage,
    passive_income_per_hour,
    passive_needed,
    per_month,
    runway_months,
    savings_rate,
    wealth_ratio,
    window_metrics,
)

D = Decimal

amounts = st.decimals(min_value=0, max_value=10**12, places=2)
positive = st.decimals(min_value=D("0.01"), max_value=10**12, places=2)


# --- categories ---------------------------------------------------------------


def test_every_category_has_one_group():
    values = [value for value, _, _ in categories.CATEGORIES]
    assert len(values) == len(set(values)) == 16
    assert set(categories.GROUP_OF.values()) == {"earned", "passive", "outgoing"}
    assert categories.GROUP_OF["dividends"] == categories.PASSIVE
    assert categories.GROUP_OF["holding_costs"] == categories.OUTGOING
    assert categories.CATEGORY_CHOICES[0] == ("salary", "Salary")
    assert categories.CATEGORY_MEMBERS[0] == ("SALARY", ("salary", "Salary"))
    assert dict(categories.FREQUENCY_CHOICES)["half_yearly"] == "Half-yearly"
    assert categories.FREQUENCY_MEMBERS[3] == ("HALF_YEARLY", ("half_yearly", "Half-yearly"))
    assert [g for g, _ in categories.CATEGORY_OPTGROUPS] == ["Earned", "Passive", "Outgoing"]


# --- wealth ratio -------------------------------------------------------------


def test_wealth_ratio_divides_passive_by_earned():
    assert wealth_ratio(D("3000"), D("60000")) == D("0.05")
    assert wealth_ratio(D("60000"), D("60000")) == 1


def test_wealth_ratio_of_zero_passive_is_zero():
    assert wealth_ratio(D(0), D("60000")) == 0


def test_wealth_ratio_without_earned_income_is_infinite():
    assert wealth_ratio(D("1"), D(0)) == INFINITY


def test_wealth_ratio_of_nothing_is_undefined():
    assert wealth_ratio(D(0), D(0)) is None


def test_wealth_ratio_one_third_is_rounded_to_28_digits():
    assert wealth_ratio(D(1), D(3)) == D("0." + "3" * 28)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"passive": D("-1"), "earned": D(1)}, "passive"),
        ({"passive": D(1), "earned": D("-0.01")}, "earned"),
    ],
)
def test_wealth_ratio_refuses_negative_amounts(kwargs, name):
    with pytest.raises(ValueError, match=f"^{name} must be >= 0$"):
        wealth_ratio(**kwargs)


@pytest.mark.parametrize("bad", [D("NaN"), D("sNaN"), D("Infinity"), D("-Infinity")])
def test_non_finite_inputs_are_refused(bad):
    with pytest.raises(ValueError, match="earned must be a finite number"):
        wealth_ratio(D(1), bad)


def test_floats_are_refused():
    with pytest.raises(TypeError, match="passive must be a Decimal"):
        wealth_ratio(0.1, D(1))  # type: ignore[arg-type]


def test_ints_are_accepted():
    assert wealth_ratio(1, 4) == D("0.25")


def test_result_does_not_depend_on_the_callers_context():
    with localcontext() as ctx:
        ctx.prec = 3
        assert wealth_ratio(D(1), D(3)) == D("0." + "3" * 28)


@given(passive=amounts, earned=positive)
def test_wealth_ratio_times_earned_gives_passive_back(passive, earned):
    ratio = wealth_ratio(passive, earned)
    assert ratio >= 0
    assert abs(ratio * earned - passive) <= passive * D("1e-26") + D("1e-26")


# --- runway -------------------------------------------------------------------


def test_runway_is_liquid_assets_over_monthly_spending():
    assert runway_months(D("12000"), D("2000")) == 6


def test_runway_with_passive_income_uses_the_burn():
    assert runway_months(D("12000"), D("2000"), D("500")) == 8


def test_runway_is_infinite_when_passive_covers_spending():
    assert runway_months(D("100"), D("2000"), D("2000")) == INFINITY
    assert runway_months(D("100"), D("2000"), D("2500")) == INFINITY


def test_runway_without_spending_is_infinite():
    assert runway_months(D(0), D(0)) == INFINITY


def test_runway_with_debts_only_is_zero():
    assert runway_months(D("-5000"), D("2000")) == 0


@pytest.mark.parametrize("name", ["monthly_spending", "monthly_passive"])
def test_runway_refuses_negative_amounts(name):
    args = {"liquid_assets": D(1), "monthly_spending": D(1), "monthly_passive": D(0)}
    args[name] = D("-1")
    with pytest.raises(ValueError, match=f"^{name} must be >= 0$"):
        runway_months(**args)


@given(liquid=st.decimals(min_value=-(10**6), max_value=10**12, places=2), spending=positive)
def test_runway_grows_with_liquid_assets_and_passive_income(liquid, spending):
    plain = runway_months(liquid, spending)
    assert plain >= 0
    assert runway_months(liquid + 1, spending) >= plain
    assert runway_months(liquid, spending, spending / 2) >= plain


# --- passive coverage ---------------------------------------------------------


def test_passive_coverage():
    assert passive_coverage(D("1000"), D("4000")) == D("0.25")
    assert passive_coverage(D("1"), D(0)) == INFINITY
    assert passive_coverage(D(0), D(0)) is None
    with pytest.raises(ValueError, match=r"^spending must be >= 0$"):
        passive_coverage(D(1), D(-1))


# --- savings rate -------------------------------------------------------------


def test_savings_rate():
    assert savings_rate(D("40000"), D("10000"), D("30000")) == D("0.4")


def test_savings_rate_is_negative_when_spending_exceeds_income():
    assert savings_rate(D("1000"), D(0), D("1500")) == D("-0.5")


def test_savings_rate_without_income_is_undefined():
    assert savings_rate(D(0), D(0), D("100")) is None


def test_savings_rate_refuses_negative_amounts():
    with pytest.raises(ValueError, match=r"^spending must be >= 0$"):
        savings_rate(D(1), D(1), D(-1))


@given(earned=amounts, passive=amounts, spending=amounts)
def test_savings_rate_is_at_most_one(earned, passive, spending):
    rate = savings_rate(earned, passive, spending)
    if earned + passive == 0:
        assert rate is None
    else:
        assert rate <= 1
        assert (rate >= 0) == (spending <= earned + passive)


# --- passive income per hour --------------------------------------------------


def test_passive_income_per_hour():
    assert passive_income_per_hour(D("600"), D("4")) == D("150")
    assert passive_income_per_hour(D("600"), D(0)) == INFINITY
    assert passive_income_per_hour(D(0), D(0)) is None
    assert passive_income_per_hour(D(0), D(3)) == 0
    with pytest.raises(ValueError, match=r"^hours must be >= 0$"):
        passive_income_per_hour(D(1), D(-1))


# --- passive and capital needed -----------------------------------------------


def test_passive_needed_for_a_target_ratio():
    # 10 % of 60 000 is 6 000, of which 3 000 is already there.
    assert passive_needed(D("0.10"), D("60000"), D("3000")) == D("3000")


def test_passive_needed_is_zero_once_the_target_is_met():
    assert passive_needed(D("0.10"), D("60000"), D("9000")) == 0


def test_passive_needed_refuses_a_negative_target():
    with pytest.raises(ValueError, match=r"^target_ratio must be >= 0$"):
        passive_needed(D("-0.1"), D(1), D(1))


@given(target=st.decimals(min_value=0, max_value=5, places=4), earned=amounts, passive=amounts)
def test_passive_needed_reaches_the_target(target, earned, passive):
    needed = passive_needed(target, earned, passive)
    assert needed >= 0
    ratio = wealth_ratio(passive + needed, earned)
    if ratio is not None:
        assert ratio >= target


def test_capital_needed_for_an_income():
    assert capital_needed(D("6000"), D("0.04")) == D("150000")


@pytest.mark.parametrize("bad_yield", [D(0), D("-0.01")])
def test_capital_needed_without_yield_is_an_error(bad_yield):
    with pytest.raises(ValueError, match=r"^yearly_yield must be > 0$"):
        capital_needed(D("6000"), bad_yield)


def test_capital_needed_refuses_a_negative_income():
    with pytest.raises(ValueError, match=r"^yearly_income must be >= 0$"):
        capital_needed(D(-1), D("0.04"))


# --- holding class and monthly --------------------------------------------------


def test_holding_class_by_cash_flow():
    assert holding_class(D("120.50")) == "asset"
    assert holding_class(D("-80")) == "liability"
    assert holding_class(D(0)) == "neutral"
    assert holding_class(D("-0")) == "neutral"


def test_monthly_is_a_twelfth():
    assert monthly(D("36000")) == D("3000")
    assert monthly(D("-12")) == D("-1")


# --- a window's figures at once ---------------------------------------------------


@given(
    earned=amounts,
    passive=amounts,
    spending=amounts,
    months=st.integers(min_value=1, max_value=12),
    liquid=st.none() | st.decimals(min_value=-(10**6), max_value=10**12, places=2),
    hours=st.decimals(min_value=0, max_value=200, places=2),
)
def test_window_metrics_are_each_formula(earned, passive, spending, months, liquid, hours):
    window = window_metrics(
        earned=earned,
        passive=passive,
        spending=spending,
        months=months,
        liquid_assets=liquid,
        passive_hours=hours,
    )
    monthly_spending = per_month(spending, months)
    monthly_passive = per_month(passive, months)
    assert window.wealth_ratio == wealth_ratio(passive, earned)
    assert window.passive_coverage == passive_coverage(passive, spending)
    assert window.savings_rate == savings_rate(earned, passive, spending)
    assert window.passive_per_hour == passive_income_per_hour(monthly_passive, hours)
    if liquid is None:
        assert window.runway_months is window.runway_with_passive_months is None
    else:
        assert window.runway_months == runway_months(liquid, monthly_spending)
        assert window.runway_with_passive_months == runway_months(
            liquid, monthly_spending, monthly_passive
        )


@pytest.mark.parametrize(
    "name, value",
    [
        ("earned", D(-1)),
        ("spending", D("NaN")),
        ("passive_hours", 1.5),
        ("liquid_assets", D("Inf")),
    ],
)
def test_window_metrics_check_every_argument(name, value):
    arguments = {
        "earned": D(1),
        "passive": D(1),
        "spending": D(1),
        "months": 12,
        "liquid_assets": D(1),
        "passive_hours": D(1),
        name: value,
    }
    with pytest.raises((ValueError, TypeError), match=name):
        window_metrics(**arguments)
