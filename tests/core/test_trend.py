"""The trend of a user's own history: log-linear growth and the month a ratio is reached."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

import pytest

from portfolio.months import add_months, month_index
from portfolio.trend import MonthPoint, fit_trend, next_round_ratio

D = Decimal
LAST = date(2026, 11, 1)
CENT = D("0.01")


def history(
    months: int = 24,
    *,
    passive_growth: float = 0.10,
    earned_growth: float = 0.05,
    ratio_now: float = 0.25,
    earned_now: float = 5000.0,
) -> list[MonthPoint]:
    """Monthly figures growing at exactly the given yearly rates, ending with LAST at
    ``ratio_now``, rounded to cents as stored figures are."""
    points = []
    for back in range(months - 1, -1, -1):
        earned = earned_now * (1 + earned_growth) ** (-back / 12)
        passive = ratio_now * earned_now * (1 + passive_growth) ** (-back / 12)
        points.append(
            MonthPoint(add_months(LAST, -back), D(passive).quantize(CENT), D(earned).quantize(CENT))
        )
    return points


def closed_form_month(ratio_now: float, passive_growth: float, earned_growth: float) -> float:
    """The month index (fractional) where ratio_now x ((1+p)/(1+e))^(t/12) = 1."""
    months = 12 * math.log(1 / ratio_now) / math.log((1 + passive_growth) / (1 + earned_growth))
    return month_index(LAST) + months


def test_five_and_ten_percent_a_year_cross_within_a_month_of_the_closed_form():
    trend = fit_trend(history(), last_month=LAST)
    assert abs(trend.passive_growth - D("0.10")) < D("0.001")
    assert abs(trend.earned_growth - D("0.05")) < D("0.001")
    reached = trend.month_reaching(D(1), LAST)
    assert abs(month_index(reached) - closed_form_month(0.25, 0.10, 0.05)) <= 1
    assert trend.months == 24


def test_a_missing_month_and_an_unknown_month_still_give_the_crossover():
    points = history()
    del points[10]  # no snapshot that month
    points[15] = MonthPoint(points[15].month, None, None)  # figures unknown
    trend = fit_trend(points, last_month=LAST)
    reached = trend.month_reaching(D(1), LAST)
    assert abs(month_index(reached) - closed_form_month(0.25, 0.10, 0.05)) <= 1


def test_a_round_ratio_on_the_way_is_reached_first():
    trend = fit_trend(history(), last_month=LAST)
    half = trend.month_reaching(D("0.5"), LAST)
    expected = month_index(LAST) + 12 * math.log(2) / math.log(1.10 / 1.05)
    assert abs(month_index(half) - expected) <= 1
    assert half < trend.month_reaching(D(1), LAST)


def test_passive_income_growing_no_faster_than_earned_income_reaches_nothing():
    trend = fit_trend(history(passive_growth=0.03, earned_growth=0.05), last_month=LAST)
    assert trend.month_reaching(D(1), LAST) is None


def test_a_crossing_beyond_the_projection_years_is_not_at_this_pace():
    # 1% a year faster from a 1% ratio: over 460 years away.
    trend = fit_trend(
        history(passive_growth=0.06, earned_growth=0.05, ratio_now=0.01), last_month=LAST
    )
    assert trend.month_reaching(D(1), LAST) is None


def test_a_ratio_already_reached_is_reached_in_the_start_month():
    trend = fit_trend(history(ratio_now=1.5), last_month=LAST)
    assert trend.month_reaching(D(1), date(2026, 12, 15)) == date(2026, 12, 1)


def test_fewer_than_six_known_months_give_no_trend():
    points = history(8)
    points[0] = MonthPoint(points[0].month, None, D(1))
    points[1] = MonthPoint(points[1].month, D(1), None)
    points[2] = MonthPoint(points[2].month, None, None)
    assert fit_trend(points, last_month=LAST) is None
    assert fit_trend(history(6), last_month=LAST) is not None


def test_months_without_passive_income_are_left_out_of_its_fit():
    points = history(24)
    for i in range(6):  # the first half-year had no passive income yet
        points[i] = MonthPoint(points[i].month, D(0), points[i].earned)
    trend = fit_trend(points, last_month=LAST)
    assert abs(trend.passive_growth - D("0.10")) < D("0.001")


def test_no_passive_income_at_all_reaches_nothing():
    points = [MonthPoint(p.month, D(0), p.earned) for p in history(12)]
    trend = fit_trend(points, last_month=LAST)
    assert trend.passive_growth is None
    assert trend.month_reaching(D("0.1"), LAST) is None


def test_no_earned_income_is_every_ratio_reached_now():
    points = [MonthPoint(p.month, p.passive, D(0)) for p in history(12)]
    trend = fit_trend(points, last_month=LAST)
    assert trend.month_reaching(D(1), LAST) == LAST


def test_only_the_last_thirty_six_months_count():
    recent = history(36)
    # Four older months of a very different history must not move the fit.
    older = [MonthPoint(add_months(LAST, -36 - i), D(1), D(100000)) for i in range(1, 5)]
    # Months after the last one asked for do not count either.
    later = [MonthPoint(add_months(LAST, 1), D(100000), D(1))]
    trend = fit_trend(older + recent + later, last_month=LAST)
    assert trend.months == 36
    assert abs(trend.passive_growth - D("0.10")) < D("0.001")


@pytest.mark.parametrize("gap", [1, 2])
def test_the_fit_spans_from_the_first_to_the_last_known_month(gap):
    points = history(12)[:-gap]  # the latest months have no snapshot yet
    trend = fit_trend(points, last_month=LAST)
    assert trend.last_month == add_months(LAST, -gap)
    assert trend.months == 12 - gap
    reached = trend.month_reaching(D(1), LAST)
    assert abs(month_index(reached) - closed_form_month(0.25, 0.10, 0.05)) <= 1


def test_the_next_round_ratio_is_the_first_above_todays_fitted_ratio():
    trend = fit_trend(history(ratio_now=0.20), last_month=LAST)
    assert next_round_ratio(trend, LAST)[0] == D("0.25")
    # From a ratio of 30%, 50% is next.
    trend = fit_trend(history(ratio_now=0.30), last_month=LAST)
    target, month = next_round_ratio(trend, LAST)
    assert target == D("0.50")
    expected = month_index(LAST) + 12 * math.log(0.5 / 0.3) / math.log(1.10 / 1.05)
    assert abs(month_index(month) - expected) <= 1


def test_round_ratios_all_behind_give_no_next_one():
    trend = fit_trend(history(ratio_now=1.5), last_month=LAST)
    assert next_round_ratio(trend, LAST) is None


def test_without_passive_income_the_next_round_ratio_is_ten_percent_never_reached():
    points = [MonthPoint(p.month, D(0), p.earned) for p in history(12)]
    assert next_round_ratio(fit_trend(points, last_month=LAST), LAST) == (D("0.10"), None)
