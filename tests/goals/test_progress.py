"""goals.progress: hand-worked examples, then properties that must hold for any figures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from goals import progress
from portfolio import metrics

D = Decimal
INF = D("Infinity")

# --- check_target ------------------------------------------------------------------------


def test_check_target_accepts_a_target_above_the_baseline():
    progress.check_target(D("0.05"), D("0.10"))
    progress.check_target(D("-0.20"), D("0"))  # a savings rate can start negative


@pytest.mark.parametrize(
    ("baseline", "target"),
    [("0.10", "0.10"), ("0.10", "0.05"), ("0", "-1")],
    ids=["equal", "below", "below-zero"],
)
def test_a_target_at_or_below_the_baseline_is_refused(baseline, target):
    with pytest.raises(ValueError, match="above the baseline"):
        progress.check_target(D(baseline), D(target))


@pytest.mark.parametrize(
    ("baseline", "target"),
    [("0", "Infinity"), ("-Infinity", "1"), ("NaN", "1"), ("0", "NaN")],
)
def test_non_finite_baseline_or_target_is_refused(baseline, target):
    with pytest.raises(ValueError, match="finite"):
        progress.check_target(D(baseline), D(target))


@pytest.mark.parametrize(
    "call",
    [
        lambda: progress.fraction_done(D("0.10"), D("0.10"), D("0.07")),
        lambda: progress.expected_value(
            D("0.10"), D("0.05"), dt.date(2026, 1, 1), dt.date(2026, 6, 1)
        ),
    ],
    ids=["fraction_done", "expected_value"],
)
def test_progress_functions_refuse_a_target_at_or_below_the_baseline(call):
    with pytest.raises(ValueError):
        call()


# --- expected_value ----------------------------------------------------------------------


def test_goal_set_mid_year_runs_from_the_day_it_was_set():
    # Baseline 5% set on 1 July 2026, target 10% on 31 December: 183 days of path,
    # of which 92 have passed on 1 October (31 July + 31 August + 30 September).
    start = dt.date(2026, 7, 1)
    expected = progress.expected_value(D("0.05"), D("0.10"), start, dt.date(2026, 10, 1))
    assert expected == D("0.05") + D("0.05") * D(92) / D(183)
    assert round(expected, 6) == D("0.075137")


@pytest.mark.parametrize(
    ("as_of", "value"),
    [
        (dt.date(2026, 6, 30), D("0.05")),  # before the goal was set: the baseline
        (dt.date(2026, 7, 1), D("0.05")),
        (dt.date(2026, 12, 31), D("0.10")),
        (dt.date(2027, 3, 1), D("0.10")),  # after the year: the target
    ],
)
def test_mid_year_path_ends(as_of, value):
    assert progress.expected_value(D("0.05"), D("0.10"), dt.date(2026, 7, 1), as_of) == value


def test_leap_year_path_counts_29_february():
    # 2028: 1 January to 31 December is 365 days of path (the 366 days of the year,
    # 1 January counting as day 0); 1 March is 31 + 29 = 60 days in.
    start = dt.date(2028, 1, 1)
    on_1_march = progress.expected_value(D("0"), D("0.365"), start, dt.date(2028, 3, 1))
    assert on_1_march == D("0.060")
    on_29_february = progress.expected_value(D("0"), D("0.365"), start, dt.date(2028, 2, 29))
    assert on_29_february == D("0.059")
    assert progress.expected_value(D("0"), D("0.365"), start, dt.date(2028, 12, 30)) == D("0.364")
    assert progress.expected_value(D("0"), D("0.365"), start, dt.date(2028, 12, 31)) == D("0.365")


def test_common_year_path_has_364_days():
    start = dt.date(2027, 1, 1)
    on_1_march = progress.expected_value(D("0"), D("0.364"), start, dt.date(2027, 3, 1))
    assert on_1_march == D("0.059")  # 31 + 28 days in


def test_goal_set_on_31_december_expects_the_target_at_once():
    start = dt.date(2026, 12, 31)
    assert progress.expected_value(D("0.05"), D("0.10"), start, start) == D("0.10")


# --- fraction_done, status, bar_percent ---------------------------------------------------


def test_fraction_done_hand_worked():
    assert progress.fraction_done(D("0.05"), D("0.10"), D("0.075")) == D("0.5")
    assert progress.fraction_done(D("0.05"), D("0.10"), D("0.04")) == D("-0.2")
    assert progress.fraction_done(D("0.05"), D("0.10"), None) is None
    assert progress.fraction_done(D("0.05"), D("0.10"), INF) == INF
    assert progress.fraction_done(D("0.05"), D("0.10"), -INF) == -INF


def test_target_reached_exactly_is_achieved_with_fraction_exactly_one():
    baseline, target = D("0.05"), D("0.10")
    start, as_of = dt.date(2026, 1, 1), dt.date(2026, 10, 1)
    expected = progress.expected_value(baseline, target, start, as_of)
    fraction = progress.fraction_done(baseline, target, D("0.100000"))
    assert fraction == D(1)  # exact: no rounding left over
    assert progress.status(D("0.100000"), expected, target) == progress.ACHIEVED
    assert progress.bar_percent(fraction) == 100


def test_achieved_early_in_the_year():
    # On 1 February the path expects about 5.4%; the ratio is already 10.5%.
    baseline, target = D("0.05"), D("0.10")
    expected = progress.expected_value(baseline, target, dt.date(2026, 1, 1), dt.date(2026, 2, 1))
    assert expected < D("0.06")
    assert progress.status(D("0.105"), D("0.105"), target) == progress.ACHIEVED
    fraction = progress.fraction_done(baseline, target, D("0.105"))
    assert fraction == D("1.1")
    assert progress.bar_percent(fraction) == 100


@pytest.mark.parametrize(
    ("current", "projected", "status"),
    [
        (None, D("0.2"), progress.UNKNOWN),
        (D("0.04"), D("0.09"), progress.BEHIND),
        (D("0.09"), D("0.0999"), progress.BEHIND),  # above any path today, short at year end
        (D("0.04"), D("0.10"), progress.ON_TRACK),  # exactly reaches the target
        (D("0.04"), INF, progress.ON_TRACK),
        (D("0.04"), None, progress.BEHIND),  # no figure at year end
        (D("0.10"), D("0.05"), progress.ACHIEVED),
        (INF, None, progress.ACHIEVED),
    ],
)
def test_status_comes_from_the_projected_year_end(current, projected, status):
    assert progress.status(current, projected, target=D("0.10")) == status


def test_every_status_has_a_label():
    statuses = (progress.ACHIEVED, progress.ON_TRACK, progress.BEHIND, progress.UNKNOWN)
    assert set(progress.STATUS_LABELS) == set(statuses)


@pytest.mark.parametrize(
    ("fraction", "percent"),
    [
        (None, 0),
        (D("-0.5"), 0),
        (D("0"), 0),
        (D("0.005"), 0),
        (D("0.5"), 50),
        (D("0.999"), 99),  # never shows full before the target is met
        (D("1"), 100),
        (D("2.5"), 100),
        (INF, 100),
        (-INF, 0),
    ],
)
def test_bar_percent(fraction, percent):
    assert progress.bar_percent(fraction) == percent


# --- suggest_ratio_target ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "suggestion"),
    [
        ("0.05", "0.10"),  # doubled
        ("0.033", "0.07"),  # 6.6% rounded up to a whole point
        ("0.005", "0.02"),  # doubling gives 1%: at least one point more wins, 1.5% -> 2%
        ("0", "0.01"),
        ("-0.02", "0.01"),  # below zero counts as zero
        ("0.60", "1"),  # doubled, capped at 100%
        ("0.995", "1.01"),  # capped at 100%, but one point more: 100.5% rounded up
        ("1", "1.01"),
        ("1.50", "1.51"),
    ],
)
def test_suggest_ratio_target(current, suggestion):
    assert progress.suggest_ratio_target(D(current)) == D(suggestion)


def test_suggest_without_a_ratio_is_one_percent():
    assert progress.suggest_ratio_target(None) == D("0.01")


def test_no_suggestion_when_fully_passive():
    assert progress.suggest_ratio_target(INF) is None


# --- ratio_gap and income_gap ------------------------------------------------------------


def test_ratio_gap_hand_worked():
    # Earned 4,000 and passive 200 a month (5%); 10% needs 400: 200 more a month,
    # 2,400 a year, which 60,000 pays at 4%.
    gap = progress.ratio_gap(D("0.10"), D("4000"), D("200"), D("0.04"))
    assert gap.passive_needed_monthly == D("200")
    assert gap.capital_needed == D("60000")


def test_ratio_gap_is_zero_once_the_target_is_met():
    gap = progress.ratio_gap(D("0.10"), D("4000"), D("500"), D("0.04"))
    assert gap == progress.RatioGap(D(0), D(0))


def test_ratio_gap_refuses_a_yield_of_zero():
    with pytest.raises(ValueError, match="yearly_yield"):
        progress.ratio_gap(D("0.10"), D("4000"), D("200"), D("0"))


def test_income_gap_hand_worked():
    # 500 a month wanted, 200 coming in: 300 a month more, 3,600 a year, 90,000 at 4%.
    gap = progress.income_gap(D("500"), D("200"), D("0.04"))
    assert gap == progress.RatioGap(D("300"), D("90000"))
    assert progress.income_gap(D("500"), D("650"), D("0.04")) == progress.RatioGap(D(0), D(0))


# --- Properties --------------------------------------------------------------------------

rates = st.decimals(min_value=-2, max_value=5, places=4, allow_nan=False, allow_infinity=False)
money = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)
yields = st.decimals(min_value=D("0.0001"), max_value=1, places=4)
days_2028 = st.dates(min_value=dt.date(2028, 1, 1), max_value=dt.date(2028, 12, 31))
any_days = st.dates(min_value=dt.date(2025, 6, 1), max_value=dt.date(2029, 6, 30))

RANK = {progress.BEHIND: 0, progress.ON_TRACK: 1, progress.ACHIEVED: 2}


@st.composite
def goals(draw):
    """(baseline, target) with the target strictly above the baseline."""
    baseline = draw(rates)
    step = draw(st.decimals(min_value=D("0.0001"), max_value=5, places=4))
    return baseline, baseline + step


@given(goals(), rates, rates, days_2028, days_2028)
def test_status_is_monotone_in_the_current_value(goal, a, b, start, as_of):
    baseline, target = goal
    low, high = sorted((a, b))
    expected = progress.expected_value(baseline, target, start, as_of)
    assert (
        RANK[progress.status(low, expected, target)]
        <= RANK[progress.status(high, expected, target)]
    )
    assert progress.status(INF, expected, target) == progress.ACHIEVED


@given(goals())
def test_fraction_is_zero_at_the_baseline_and_one_at_the_target(goal):
    baseline, target = goal
    assert progress.fraction_done(baseline, target, baseline) == 0
    assert progress.fraction_done(baseline, target, target) == 1


@given(goals(), rates, rates)
def test_fraction_and_bar_grow_with_the_current_value(goal, a, b):
    baseline, target = goal
    low, high = sorted((a, b))
    low_fraction = progress.fraction_done(baseline, target, low)
    high_fraction = progress.fraction_done(baseline, target, high)
    assert low_fraction <= high_fraction
    assert 0 <= progress.bar_percent(low_fraction) <= progress.bar_percent(high_fraction) <= 100


@given(goals(), days_2028, any_days, any_days)
def test_expected_value_stays_on_the_path_and_never_falls(goal, start, a, b):
    baseline, target = goal
    early, late = sorted((a, b))
    first = progress.expected_value(baseline, target, start, early)
    second = progress.expected_value(baseline, target, start, late)
    assert baseline <= first <= second <= target
    assert progress.expected_value(baseline, target, start, start) in (baseline, target)
    assert progress.expected_value(baseline, target, start, dt.date(2028, 12, 31)) == target


@given(st.decimals(min_value=0, max_value=3, places=4))
def test_suggestion_is_the_smallest_whole_point_that_doubles_or_adds_one_point(current):
    suggestion = progress.suggest_ratio_target(current)
    wanted = max(min(current * 2, D(1)), current + D("0.01"))
    assert (suggestion * 100) == (suggestion * 100).to_integral_value()
    assert suggestion >= wanted
    assert suggestion - D("0.01") < wanted
    assert suggestion > current


@given(rates.filter(lambda r: r >= 0), money, money, yields)
def test_ratio_gap_is_passive_needed_and_capital_needed_of_metrics(target, earned, passive, yld):
    gap = progress.ratio_gap(target, earned, passive, yld)  # monthly figures
    monthly = metrics.passive_needed(target, earned, passive)
    assert gap.passive_needed_monthly == monthly
    assert gap.capital_needed == metrics.capital_needed(monthly * 12, yld)
    assert gap.passive_needed_monthly >= 0


@pytest.mark.parametrize(
    ("today", "year"),
    [
        (dt.date(2026, 1, 1), 2026),
        (dt.date(2026, 11, 30), 2026),
        (dt.date(2026, 12, 1), 2027),
        (dt.date(2026, 12, 31), 2027),
    ],
)
def test_a_goal_set_in_december_is_for_next_year(today, year):
    assert progress.goal_year(today) == year
    suggestion = progress.suggest_goal(ratio=Decimal("0.05"), monthly_earned=D("1000"), today=today)
    assert suggestion.year == year
