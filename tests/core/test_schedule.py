"""The payment calendar and month figures (docs/metrics.md): examples and properties."""

from __future__ import annotations

import calendar
import time
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portfolio.categories import CATEGORIES, FREQUENCIES
from portfolio.schedule import (
    EntrySpec,
    StreamSpec,
    expected_in_month,
    first_flow,
    month_totals,
    monthly_equivalent,
    monthly_net,
    payment_dates,
    window_series,
    window_totals,
)

D = Decimal


def stream(frequency="monthly", first=date(2024, 1, 31), amount="100", end=None, **kwargs):
    kwargs.setdefault("id", 1)
    kwargs.setdefault("category", "salary")
    return StreamSpec(
        amount=D(amount), frequency=frequency, first_date=first, end_date=end, **kwargs
    )


# --- payment dates --------------------------------------------------------------


def test_monthly_payments_are_clamped_to_the_month_end():
    salary = stream(first=date(2024, 1, 31))
    assert payment_dates(salary, 2024, 1) == [date(2024, 1, 31)]
    assert payment_dates(salary, 2024, 2) == [date(2024, 2, 29)]
    assert payment_dates(salary, 2024, 3) == [date(2024, 3, 31)]
    assert payment_dates(salary, 2024, 4) == [date(2024, 4, 30)]
    assert payment_dates(salary, 2025, 2) == [date(2025, 2, 28)]


def test_leap_years_2024_2028_but_not_2100():
    rent = stream(first=date(2023, 12, 30))
    assert payment_dates(rent, 2024, 2) == [date(2024, 2, 29)]
    assert payment_dates(rent, 2028, 2) == [date(2028, 2, 29)]
    assert payment_dates(rent, 2100, 2) == [date(2100, 2, 28)]
    assert payment_dates(rent, 2100, 3) == [date(2100, 3, 30)]


def test_nothing_is_paid_before_the_first_date():
    salary = stream(first=date(2024, 3, 15))
    assert payment_dates(salary, 2024, 2) == []
    assert payment_dates(salary, 2023, 12) == []


def test_the_end_date_is_inclusive():
    assert payment_dates(stream(first=date(2024, 1, 15), end=date(2024, 3, 15)), 2024, 3) == [
        date(2024, 3, 15)
    ]
    assert payment_dates(stream(first=date(2024, 1, 15), end=date(2024, 3, 14)), 2024, 3) == []
    assert payment_dates(stream(first=date(2024, 1, 15), end=date(2024, 3, 14)), 2024, 4) == []


def test_quarterly_half_yearly_and_yearly_cycles():
    first = date(2024, 2, 29)

    def months(frequency, year):
        s = stream(frequency, first=first)
        return [m for m in range(1, 13) if payment_dates(s, year, m)]

    assert months("quarterly", 2024) == [2, 5, 8, 11]
    assert months("half_yearly", 2025) == [2, 8]
    assert months("yearly", 2025) == [2]
    assert payment_dates(stream("yearly", first=first), 2025, 2) == [date(2025, 2, 28)]
    assert payment_dates(stream("yearly", first=first), 2028, 2) == [date(2028, 2, 29)]


def test_weekly_payments():
    wage = stream("weekly", first=date(2024, 1, 1))  # a Monday
    assert payment_dates(wage, 2024, 1) == [date(2024, 1, d) for d in (1, 8, 15, 22, 29)]
    assert payment_dates(wage, 2024, 2) == [date(2024, 2, d) for d in (5, 12, 19, 26)]
    assert payment_dates(wage, 2023, 12) == []
    ended = stream("weekly", first=date(2024, 1, 1), end=date(2024, 1, 15))
    assert payment_dates(ended, 2024, 1) == [date(2024, 1, 1), date(2024, 1, 8), date(2024, 1, 15)]


def test_weekly_stream_near_the_end_of_the_calendar():
    wage = stream("weekly", first=date(9999, 12, 1))
    assert payment_dates(wage, 9999, 12)[-1] == date(9999, 12, 29)


def test_a_one_off_payment_is_paid_once():
    bonus = stream("once", first=date(2024, 6, 10))
    assert payment_dates(bonus, 2024, 6) == [date(2024, 6, 10)]
    assert payment_dates(bonus, 2025, 6) == []
    assert payment_dates(bonus, 2024, 7) == []
    assert (
        payment_dates(stream("once", first=date(2024, 6, 10), end=date(2024, 6, 1)), 2024, 6) == []
    )


def test_expected_in_month_multiplies_the_payments():
    wage = stream("weekly", first=date(2024, 1, 1), amount="250.10")
    assert expected_in_month(wage, 2024, 1) == D("1250.50")
    assert expected_in_month(wage, 2024, 2) == D("1000.40")
    assert expected_in_month(stream(), 2023, 1) == 0


# --- specs -------------------------------------------------------------------------


def test_specs_validate_their_values():
    with pytest.raises(ValueError, match=r"^amount must be >= 0$"):
        stream(amount="-1")
    with pytest.raises(ValueError, match="category 'wages' is unknown"):
        stream(category="wages")
    with pytest.raises(ValueError, match="frequency 'daily' is unknown"):
        stream("daily")
    with pytest.raises(TypeError, match="amount must be a Decimal"):
        EntrySpec(date(2024, 1, 1), 1.5, "salary")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="amount must be a finite number"):
        EntrySpec(date(2024, 1, 1), D("NaN"), "salary")
    assert EntrySpec(date(2024, 1, 1), D("-5"), "salary").amount == D("-5")
    assert stream(hours_per_month=3).hours_per_month == D(3)


# --- monthly equivalents -------------------------------------------------------------


def test_monthly_equivalent():
    assert monthly_equivalent(stream("weekly", amount="120")) == D("520")
    assert monthly_equivalent(stream("monthly", amount="120")) == D("120")
    assert monthly_equivalent(stream("quarterly", amount="300")) == D("100")
    assert monthly_equivalent(stream("half_yearly", amount="600")) == D("100")
    assert monthly_equivalent(stream("yearly", amount="1200")) == D("100")
    assert monthly_equivalent(stream("once", amount="1200")) == 0
    assert monthly_equivalent(stream("weekly", amount="1")) == D("4." + "3" * 27)


def test_monthly_net_of_a_rented_flat():
    rent = stream(amount="1000", category="rent")
    upkeep = stream("yearly", amount="1200", category="holding_costs", id=2)
    assert monthly_net([rent, upkeep]) == D("900")
    assert monthly_net([]) == 0


# --- month totals ----------------------------------------------------------------------


SALARY = stream(id=1, category="salary", amount="3000.00", first=date(2024, 1, 25))
DIVIDENDS = stream(
    "quarterly", id=2, category="dividends", amount="150.00", first=date(2024, 3, 15)
)
LIVING = stream(id=3, category="living_expenses", amount="2000.00", first=date(2024, 1, 1))


def test_month_totals_from_streams():
    months = month_totals([SALARY, DIVIDENDS, LIVING], [], (2024, 1), (2024, 4))
    assert [(m.year, m.month) for m in months] == [(2024, 1), (2024, 2), (2024, 3), (2024, 4)]
    march = months[2]
    assert march.by_category == {
        "salary": D("3000.00"),
        "dividends": D("150.00"),
        "living_expenses": D("2000.00"),
    }
    assert (march.earned, march.passive, march.spending) == (D("3000"), D("150"), D("2000"))
    assert months[1].passive == 0
    assert "dividends" not in months[1].by_category


def test_linked_entries_replace_the_expected_amount_of_their_month():
    entries = [
        EntrySpec(date(2024, 3, 15), D("162.40"), "dividends", stream_id=2),
        EntrySpec(date(2024, 2, 26), D("2900.00"), "salary", stream_id=1),
        EntrySpec(date(2024, 2, 27), D("250.00"), "salary", stream_id=1),
    ]
    months = month_totals([SALARY, DIVIDENDS, LIVING], entries, date(2024, 1, 1), date(2024, 4, 30))
    assert months[1].by_category["salary"] == D("3150.00")  # two entries replace one payment
    assert months[2].by_category["dividends"] == D("162.40")
    assert months[2].by_category["salary"] == D("3000.00")  # other months keep expecting
    assert months[3].by_category["salary"] == D("3000.00")


def test_a_linked_entry_in_a_month_without_expected_payment_adds():
    entries = [EntrySpec(date(2024, 4, 2), D("10.00"), "dividends", stream_id=2)]
    months = month_totals([DIVIDENDS], entries, (2024, 3), (2024, 4))
    assert months[0].passive == D("150.00")
    assert months[1].passive == D("10.00")


def test_unlinked_entries_add_to_their_category():
    entries = [
        EntrySpec(date(2024, 1, 5), D("80.00"), "living_expenses"),
        EntrySpec(date(2024, 1, 9), D("-30.00"), "salary"),  # a correction
        EntrySpec(date(2023, 12, 31), D("999"), "salary"),  # outside the range
    ]
    (january,) = month_totals([SALARY, LIVING], entries, (2024, 1), (2024, 1))
    assert january.spending == D("2080.00")
    assert january.earned == D("2970.00")


def test_entries_linked_to_an_unknown_stream_still_count():
    entries = [EntrySpec(date(2024, 1, 5), D("40"), "royalties", stream_id=99)]
    (january,) = month_totals([SALARY], entries, (2024, 1), (2024, 1))
    assert january.passive == D("40")


def test_a_stream_ending_before_its_day_pays_nothing_in_its_last_month():
    # Paid on the 31st (clamped): ending on 15 April leaves April without its payment,
    # ending on 30 April (the clamped day) keeps it.
    rent = stream(first=date(2024, 1, 31), end=date(2024, 4, 15), category="living_expenses")
    kept = stream(first=date(2024, 1, 31), end=date(2024, 4, 30), category="living_expenses")
    quarterly = stream("quarterly", first=date(2024, 1, 31), end=date(2024, 7, 30))
    months = month_totals([rent], [], (2024, 1), (2024, 5))
    assert [m.spending for m in months] == [D(100), D(100), D(100), 0, 0]
    assert [m.spending for m in month_totals([kept], [], (2024, 1), (2024, 5))] == [
        D(100),
        D(100),
        D(100),
        D(100),
        0,
    ]
    months = month_totals([quarterly], [], (2024, 1), (2024, 12))
    assert [m.month for m in months if m.earned] == [1, 4]


def test_month_totals_refuse_a_reversed_range():
    with pytest.raises(ValueError, match="last_month must not be before first_month"):
        month_totals([], [], (2024, 2), (2024, 1))
    with pytest.raises(ValueError, match="first_month must be a valid"):
        month_totals([], [], (2024, 13), (2025, 1))


# --- the window: twelve months, or fewer since the first flow ------------------------------


def test_a_full_window_counts_the_as_of_month_in_full():
    late = stream(id=4, category="rent", amount="500", first=date(2024, 6, 30))
    entries = [
        EntrySpec(date(2024, 6, 29), D("20"), "fees"),
        EntrySpec(date(2023, 7, 1), D("7"), "fees"),
        EntrySpec(date(2023, 6, 30), D("1000"), "fees"),  # thirteen months back
    ]
    flows_from = first_flow([SALARY, late], [e.date for e in entries])
    assert flows_from == date(2023, 6, 30)
    totals = window_totals([SALARY, late], entries, date(2024, 6, 1), flows_from=flows_from)
    assert (totals.year, totals.month, totals.months) == (2024, 6, 12)
    assert totals.earned == D("18000.00")  # January to June 2024
    assert totals.passive == D("500")
    assert totals.spending == D("27")


def test_the_window_series_rolls_month_by_month():
    series = window_series([SALARY], [], (2024, 12), (2025, 6), flows_from=SALARY.first_date)
    assert len(series) == 7
    assert [(t.year, t.month) for t in series][:2] == [(2024, 12), (2025, 1)]
    assert all(t.earned == D("36000.00") and t.months == 12 for t in series)


def test_the_window_starts_at_the_first_flow():
    # Salary from January 2024: in March the window is January to March, n = 3.
    series = window_series([SALARY], [], (2024, 1), (2024, 3), flows_from=SALARY.first_date)
    assert [(t.month, t.months, t.earned) for t in series] == [
        (1, 1, D("3000.00")),
        (2, 2, D("6000.00")),
        (3, 3, D("9000.00")),
    ]


def test_month_totals_scale_to_many_streams_and_entries():
    streams = [
        stream(FREQUENCIES[i % 6], id=i, category=CATEGORIES[i % 16][0], first=date(2015, 1, 31))
        for i in range(300)
    ]
    entries = [
        EntrySpec(date(2015, 1, 1) + timedelta(days=i % 3650), D("1.01"), "fees", stream_id=i % 400)
        for i in range(20000)
    ]
    started = time.perf_counter()
    months = month_totals(streams, entries, (2015, 1), (2024, 12))
    series = window_series(streams, entries, (2015, 12), (2024, 12), flows_from=date(2015, 1, 1))
    assert len(months) == 120 and len(series) == 109
    assert time.perf_counter() - started < 5  # about 0.2 s; a per-month rescan takes far longer


# --- properties ----------------------------------------------------------------------------

days = st.dates(min_value=date(1990, 1, 1), max_value=date(2110, 12, 31))
cents = st.decimals(min_value=0, max_value=10**9, places=2)
signed_cents = st.decimals(min_value=-(10**6), max_value=10**9, places=2)
category = st.sampled_from([value for value, _, _ in CATEGORIES])


@st.composite
def streams(draw, ids=st.integers(min_value=1, max_value=6)):
    first = draw(days)
    end = draw(
        st.none() | st.dates(min_value=first - timedelta(days=40), max_value=date(2111, 1, 1))
    )
    return StreamSpec(
        id=draw(st.none() | ids),
        category=draw(category),
        amount=draw(cents),
        frequency=draw(st.sampled_from(FREQUENCIES)),
        first_date=first,
        end_date=end,
    )


@st.composite
def entries(draw, around=None):
    on = draw(days if around is None else st.dates(around - timedelta(days=400), around))
    return EntrySpec(
        date=on,
        amount=draw(signed_cents),
        category=draw(category),
        stream_id=draw(st.none() | st.integers(min_value=1, max_value=6)),
    )


def naive_month(streams_, entries_, year, month):
    """The month-figure rule of docs/metrics.md read literally, scanning every row."""
    in_month = [e for e in entries_ if (e.date.year, e.date.month) == (year, month)]
    replaced = {e.stream_id for e in in_month if e.stream_id is not None}
    totals = defaultdict(Decimal)
    for s in streams_:
        if s.id is None or s.id not in replaced:
            totals[s.category] += expected_in_month(s, year, month)
    for e in in_month:
        totals[e.category] += e.amount
    return totals


@given(
    year=st.integers(min_value=1991, max_value=2110),
    day=st.integers(min_value=1, max_value=31),
    amount=cents,
    data=st.data(),
)
def test_a_monthly_stream_active_all_year_pays_twelve_times(year, day, amount, data):
    first_year = data.draw(st.integers(min_value=1990, max_value=year))
    first = date(first_year, 1, min(day, 31))
    end = data.draw(
        st.none() | st.dates(min_value=date(year + 1, 1, 1), max_value=date(2111, 1, 1))
    )
    salary = StreamSpec(1, "salary", amount, "monthly", first, end)
    months = month_totals([salary], [], (year, 1), (year, 12))
    assert sum(m.earned for m in months) == 12 * amount
    for m in months:
        (paid,) = payment_dates(salary, m.year, m.month)
        assert paid.day == min(day, calendar.monthrange(m.year, m.month)[1])


@given(
    day=st.integers(min_value=28, max_value=31), start=st.integers(min_value=1990, max_value=2023)
)
def test_month_end_clamping_over_leap_years(day, start):
    s = StreamSpec(None, "rent", D(1), "monthly", date(start, 1, day), None)
    for year, february_end in ((2024, 29), (2028, 29), (2100, 28), (2023, 28)):
        assert payment_dates(s, year, 2) == [date(year, 2, min(day, february_end))]
        assert payment_dates(s, year, 4) == [date(year, 4, min(day, 30))]
        assert payment_dates(s, year, 12) == [date(year, 12, day)]


@given(frequency=st.sampled_from(["monthly", "quarterly", "half_yearly", "yearly"]), first=days)
def test_a_year_of_payments_after_the_first_date(frequency, first):
    s = StreamSpec(None, "dividends", D("1.00"), frequency, first, None)
    year = first.year + 1
    count = sum(len(payment_dates(s, year, m)) for m in range(1, 13))
    assert count == {"monthly": 12, "quarterly": 4, "half_yearly": 2, "yearly": 1}[frequency]


@given(first=days, months_later=st.integers(min_value=1, max_value=120))
def test_a_weekly_stream_pays_four_or_five_times_a_month(first, months_later):
    s = StreamSpec(None, "salary", D("10"), "weekly", first, None)
    index = first.year * 12 + first.month - 1 + months_later
    year, month = index // 12, index % 12 + 1
    paid = payment_dates(s, year, month)
    assert len(paid) in (4, 5)
    assert all((d - first).days % 7 == 0 for d in paid)
    assert all((b - a).days == 7 for a, b in pairwise(paid))


@given(s=streams(), year=st.integers(min_value=1989, max_value=2111), month=st.integers(1, 12))
def test_payments_stay_within_the_month_and_the_active_range(s, year, month):
    for paid in payment_dates(s, year, month):
        assert (paid.year, paid.month) == (year, month)
        assert paid >= s.first_date
        assert s.end_date is None or paid <= s.end_date


@given(
    streams_=st.lists(streams(), max_size=6),
    as_of=st.dates(min_value=date(1991, 1, 1), max_value=date(2110, 12, 31)),
    data=st.data(),
)
def test_month_totals_follow_the_rule_and_a_full_window_is_their_sum(streams_, as_of, data):
    entries_ = data.draw(st.lists(entries(around=as_of), max_size=20))
    index = as_of.year * 12 + as_of.month - 1
    first = ((index - 11) // 12, (index - 11) % 12 + 1)
    months = month_totals(streams_, entries_, first, as_of)
    assert len(months) == 12

    for m in months:
        expected = naive_month(streams_, entries_, m.year, m.month)
        assert {k: v for k, v in m.by_category.items() if v} == {
            k: v for k, v in expected.items() if v
        }

    totals = window_totals(streams_, entries_, as_of, flows_from=None)
    assert totals.months == 12
    for attribute in ("earned", "passive", "spending"):
        assert getattr(totals, attribute) == sum(getattr(m, attribute) for m in months)


@given(amounts=st.lists(signed_cents, max_size=200), as_of=days)
def test_sums_never_drift_a_cent(amounts, as_of):
    entries_ = [
        EntrySpec(as_of - timedelta(days=i % 300), amount, "fees")
        for i, amount in enumerate(amounts)
    ]
    exact_cents = sum(int(a * 100) for a in amounts)
    assert window_totals([], entries_, as_of, flows_from=None).spending * 100 == exact_cents


@given(s=streams())
def test_monthly_equivalent_is_never_negative(s):
    assert monthly_equivalent(s) >= 0
