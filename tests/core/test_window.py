"""The owner's window (docs/metrics.md): short at the start, lumpy streams at their
monthly equivalent, today's pace; hand-worked cases and properties."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from portfolio import metrics
from portfolio.figures import compute_figures
from portfolio.months import add_months, month_index
from portfolio.schedule import (
    EntrySpec,
    StreamSpec,
    first_flow,
    month_totals,
    pace,
    window_bounds,
    window_totals,
)

D = Decimal
TODAY = date(2026, 12, 1)


def stream(category, amount, frequency="monthly", first=TODAY, end=None, id=None):
    return StreamSpec(
        id=id,
        category=category,
        amount=D(amount),
        frequency=frequency,
        first_date=first,
        end_date=end,
    )


def figures(streams, entries=(), as_of=TODAY, liquid=None, net_worth=None):
    streams, entries = list(streams), list(entries)
    flows_from = first_flow(streams, [e.date for e in entries])
    return compute_figures(
        as_of=as_of,
        totals=window_totals(streams, entries, as_of, flows_from=flows_from),
        liquid_assets=liquid,
        net_worth=net_worth,
        passive_hours=D(0),
        pace=pace(streams, as_of),
    )


# --- hand-worked -----------------------------------------------------------------------------


def test_a_yearly_dividend_first_paid_today_is_a_twelfth_on_the_first_day():
    # 1,200 a year beside 5,000 a month: 100 / 5,000 = 2%, not 1,200 / 5,000 = 24%.
    f = figures([stream("salary", "5000"), stream("dividends", "1200", "yearly")])
    assert f.window_months == 1
    assert f.passive == D(100)
    assert f.wealth_ratio == D("0.02")


def test_the_newcomer_of_the_issue():
    # Salary 5,000, a shop paying 800, living costs 4,000, 1.3M of index funds, all today.
    f = figures(
        [
            stream("salary", "5000"),
            stream("business_profit", "800"),
            stream("living_expenses", "4000"),
        ],
        liquid=D(1_300_000),
        net_worth=D(1_300_000),
    )
    assert f.window_months == 1
    assert f.wealth_ratio == D("0.16")
    assert f.runway_months == D(325)  # 1,300,000 / 4,000
    assert f.runway_with_passive_months == D("406.25")  # 1,300,000 / 3,200
    assert f.passive_coverage == D("0.2")
    assert round(f.savings_rate, 3) == D("0.310")  # 1,800 / 5,800


def test_george_earns_a_lot_and_spends_it_all():
    f = figures(
        [stream("salary", "30000"), stream("living_expenses", "27000")],
        liquid=D(27000),
        net_worth=D(27000),
    )
    assert f.runway_months == D(1)


def test_a_balance_before_any_valuation_is_unknown_and_so_are_the_runways():
    f = figures([stream("salary", "5000"), stream("living_expenses", "4000")])
    assert f.liquid_assets is None and f.net_worth is None
    assert f.runway_months is None and f.runway_with_passive_months is None
    assert not f.balance_known


def test_a_quarterly_dividend_in_a_two_month_window_counts_its_monthly_equivalent():
    first = date(2026, 11, 10)
    f = figures(
        [stream("salary", "3000", first=first), stream("dividends", "300", "quarterly", first)],
    )
    assert f.window_months == 2
    assert f.passive == D(200)  # 100 in each of November and December
    # From three months on it counts what it pays: one payment of 300 in three months.
    later = figures(
        [stream("salary", "3000", first=first), stream("dividends", "300", "quarterly", first)],
        as_of=date(2027, 1, 15),
    )
    assert later.window_months == 3 and later.passive == D(300)


def test_entries_linked_to_a_lumpy_stream_count_as_always():
    dividend = stream("dividends", "1200", "yearly", first=TODAY, id=7)
    paid = EntrySpec(TODAY, D("1300"), "dividends", stream_id=7)
    f = figures([stream("salary", "5000"), dividend], [paid])
    assert f.passive == D(1300)


def test_a_one_off_flow_counts_when_paid():
    f = figures([stream("salary", "5000"), stream("bonus", "2000", "once")])
    assert f.earned == D(7000)


def test_todays_pace_shows_a_newly_bought_asset_at_once():
    # A year of salary, and a rental flat bought this month: the window's ratio
    # is 1,000 / 60,000; at today's pace it is 1,000 / 5,000.
    year_ago = add_months(TODAY, -11)
    f = figures([stream("salary", "5000", first=year_ago), stream("rent", "1000")])
    assert f.window_months == 12
    assert round(f.wealth_ratio, 4) == D("0.0167")
    assert f.pace_ratio == D("0.2")
    assert f.shows_pace


def test_the_pace_line_stays_hidden_within_a_point():
    f = figures([stream("salary", "5000"), stream("rent", "1000")])
    assert f.pace_ratio == f.wealth_ratio
    assert not f.shows_pace


def test_valuations_do_not_move_the_window():
    # first_flow knows only streams and entries: a house valued years ago changes nothing.
    assert first_flow([stream("salary", "1")], []) == TODAY
    assert window_bounds(TODAY, TODAY) == (month_index(TODAY), 1)
    assert window_bounds(TODAY, None) == (month_index(TODAY) - 11, 12)


# --- properties ------------------------------------------------------------------------------

months_back = st.integers(min_value=0, max_value=40)
amounts = st.decimals(min_value=0, max_value=10**9, places=2)
as_of_days = st.dates(min_value=date(1995, 1, 1), max_value=date(2100, 12, 31))
categories = st.sampled_from(["salary", "dividends", "rent", "living_expenses", "fees"])


@given(
    as_of=as_of_days,
    back=st.integers(min_value=12, max_value=60),
    monthly=st.lists(st.tuples(categories, amounts), max_size=5),
    yearly=st.lists(st.tuples(categories, amounts), max_size=3),
)
def test_a_window_of_twelve_is_the_trailing_twelve_months_exactly(as_of, back, monthly, yearly):
    first = add_months(as_of, -back)
    streams = [stream(c, str(a), first=first) for c, a in monthly]
    streams += [stream(c, str(a), "yearly", first=first) for c, a in yearly]
    totals = window_totals(streams, [], as_of, flows_from=first)
    months = month_totals(streams, [], add_months(as_of, -11), as_of)
    assert totals.months == 12
    for group in ("earned", "passive", "spending"):
        assert getattr(totals, group) == sum(getattr(m, group) for m in months)


@given(
    as_of=as_of_days,
    back=st.integers(min_value=0, max_value=11),
    day=st.integers(min_value=1, max_value=28),
    monthly=st.lists(st.tuples(categories, amounts), min_size=1, max_size=5),
)
def test_monthly_flows_started_in_any_month_give_their_exact_monthly_amounts(
    as_of, back, day, monthly
):
    first = add_months(as_of, -back).replace(day=day)
    if first > as_of:
        first -= timedelta(days=first.day - 1)
    streams = [stream(c, str(a), first=first) for c, a in monthly]
    totals = window_totals(streams, [], as_of, flows_from=first)
    assert totals.months == back + 1
    for category in {c for c, _ in monthly}:
        expected = sum(a for c, a in monthly if c == category)
        got = metrics.per_month(totals.by_category.get(category, D(0)), totals.months)
        assert got == expected
