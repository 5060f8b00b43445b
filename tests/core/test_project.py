"""project() (docs/metrics.md, Projection): hand-worked years, validation and properties."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portfolio.metrics import INFINITY, YearRow, project

D = Decimal
CENT = D("0.01")

BASE = {
    "years": 2,
    "capital": D("10000"),
    "monthly_saving": D("100"),
    "yearly_return": D("0.12"),
    "yearly_yield": D("0.04"),
    "earned_yearly": D("50000"),
    "spending_yearly": D("36000"),
    "other_passive_yearly": D("1000"),
}


def run(**overrides) -> list[YearRow]:
    return project(**{**BASE, **overrides})


def close(a: Decimal, b: Decimal, tolerance: Decimal = D("1e-18")) -> bool:
    return abs(a - b) <= tolerance


def test_zero_return_adds_the_savings_exactly():
    rows = run(years=3, yearly_return=D(0), yearly_yield=D(0))
    assert [row.year for row in rows] == [1, 2, 3]
    assert [row.capital for row in rows] == [D("11200"), D("12400"), D("13600")]


def test_twelve_percent_without_saving_compounds_to_twelve_percent_a_year():
    rows = run(monthly_saving=D(0))
    assert close(rows[0].capital, D("11200"))
    assert close(rows[1].capital, D("12544"))


def test_hand_worked_two_years_at_twelve_percent():
    # Monthly factor g = 1.12 ** (1/12), m = g - 1 = 0.009488792934583...
    # 100 saved at each month end grows over a year to 100 * (g**12 - 1) / m
    # = 100 * 0.12 / 0.009488792934583 = 1264.6497908353...
    # Year 1: 10000 * 1.12 + 1264.6498 = 12464.6498
    # Year 2: 12464.6498 * 1.12 + 1264.6498 = 15225.0576
    first, second = run()
    assert close(first.capital, D("12464.64979083531784160257655"), D("1e-20"))
    assert close(second.capital, D("15225.05755657087382419746226"), D("1e-20"))
    assert first.capital.quantize(CENT) == D("12464.65")
    assert second.capital.quantize(CENT) == D("15225.06")

    # Passive: 4 % of the capital at year end + other passive (1000, then 1050).
    assert first.passive_yearly == D("0.04") * first.capital + D("1000")
    assert second.passive_yearly == D("0.04") * second.capital + D("1050.00")
    assert first.passive_yearly.quantize(CENT) == D("1498.59")
    assert second.passive_yearly.quantize(CENT) == D("1659.00")

    # Earned: year 1 is today's salary, year 2 has one raise of 3 %.
    assert first.earned_yearly == D("50000")
    assert second.earned_yearly == D("51500")

    assert first.ratio == first.passive_yearly / D("50000")
    assert first.ratio.quantize(D("0.0001")) == D("0.0300")
    # Runway: capital / (36000 / 12 = 3000 a month).
    assert first.runway_months.quantize(CENT) == D("4.15")
    assert second.runway_months.quantize(CENT) == D("5.08")


def test_without_reinvesting_capital_grows_at_return_minus_yield():
    (row,) = run(years=1, monthly_saving=D(0), reinvest=False)
    assert close(row.capital, D("10800"))
    assert close(row.passive_yearly, D("0.04") * D("10800") + D("1000"))


def test_growth_rates_apply_once_a_year_from_year_two():
    rows = run(years=3, wage_growth=D("0.10"), passive_growth=D("0.20"), yearly_yield=D(0))
    assert [row.earned_yearly for row in rows] == [D("50000"), D("55000"), D("60500")]
    assert [row.passive_yearly for row in rows] == [D("1000"), D("1200"), D("1440")]


def test_ratio_without_earned_income_is_infinite():
    (row,) = run(years=1, earned_yearly=D(0))
    assert row.ratio == INFINITY


def test_ratio_of_nothing_is_undefined():
    (row,) = run(
        years=1,
        capital=D(0),
        monthly_saving=D(0),
        earned_yearly=D(0),
        other_passive_yearly=D(0),
    )
    assert row.ratio is None
    assert row.capital == 0


def test_runway_without_spending_is_infinite():
    (row,) = run(years=1, spending_yearly=D(0))
    assert row.runway_months == INFINITY


def test_fifty_years_is_the_limit():
    assert len(run(years=50)) == 50
    with pytest.raises(ValueError, match=r"^years must be between 1 and 50$"):
        run(years=51)
    with pytest.raises(ValueError, match=r"^years must be between 1 and 50$"):
        run(years=0)
    with pytest.raises(TypeError, match="years must be an int"):
        run(years=D(2))


@pytest.mark.parametrize(
    "name",
    [
        "capital",
        "monthly_saving",
        "yearly_yield",
        "earned_yearly",
        "spending_yearly",
        "other_passive_yearly",
    ],
)
def test_negative_amounts_are_refused(name):
    with pytest.raises(ValueError, match=f"^{name} must be >= 0$"):
        run(**{name: D("-0.01")})


@pytest.mark.parametrize("name", ["yearly_return", "wage_growth", "passive_growth"])
def test_rates_must_be_above_minus_one(name):
    with pytest.raises(ValueError, match=f"^{name} must be > -1$"):
        run(**{name: D(-1)})
    run(**{name: D("-0.5")})


def test_yield_above_return_plus_one_cannot_be_taken_out():
    with pytest.raises(ValueError, match="yearly_return - yearly_yield must be > -1"):
        run(yearly_return=D("0.05"), yearly_yield=D("1.05"), reinvest=False)


def test_nan_is_refused():
    with pytest.raises(ValueError, match=r"^yearly_return must be a finite number$"):
        run(yearly_return=D("NaN"))


def test_arguments_are_keyword_only():
    with pytest.raises(TypeError):
        project(2, D(0), D(0), D(0), D(0), D(0), D(0))  # type: ignore[misc]


money = st.decimals(min_value=0, max_value=10**7, places=2)
rate = st.decimals(min_value=D("-0.5"), max_value=D("0.5"), places=3)
yield_ = st.decimals(min_value=0, max_value=D("0.10"), places=3)
years = st.integers(min_value=1, max_value=50)


@given(
    years=years,
    capital=money,
    saving=money,
    extra=st.decimals(min_value=D("0.01"), max_value=10**5, places=2),
    yearly_return=rate,
    yearly_yield=yield_,
    reinvest=st.booleans(),
)
def test_more_saving_never_gives_less_capital(
    years, capital, saving, extra, yearly_return, yearly_yield, reinvest
):
    args = {
        "years": years,
        "capital": capital,
        "yearly_return": yearly_return,
        "yearly_yield": yearly_yield,
        "reinvest": reinvest,
    }
    less = run(**args, monthly_saving=saving)
    more = run(**args, monthly_saving=saving + extra)
    for a, b in zip(less, more, strict=True):
        assert b.capital >= a.capital
        assert b.passive_yearly >= a.passive_yearly


@given(years=years, capital=money, saving=money, yearly_return=rate, yearly_yield=yield_)
def test_reinvesting_never_gives_less(years, capital, saving, yearly_return, yearly_yield):
    args = {
        "years": years,
        "capital": capital,
        "monthly_saving": saving,
        "yearly_return": yearly_return,
        "yearly_yield": yearly_yield,
    }
    kept = run(**args, reinvest=True)
    spent = run(**args, reinvest=False)
    for a, b in zip(kept, spent, strict=True):
        assert a.capital >= b.capital
        assert a.passive_yearly >= b.passive_yearly
        assert a.runway_months >= b.runway_months


@given(years=years, capital=money, saving=money)
def test_zero_return_is_exact_for_any_inputs(years, capital, saving):
    rows = run(years=years, capital=capital, monthly_saving=saving, yearly_return=D(0))
    for row in rows:
        assert row.capital == capital + saving * 12 * row.year
