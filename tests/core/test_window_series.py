"""A series of windows (what the snapshots store) against each window alone (what the
dashboard shows): the same totals, digit for digit, whatever the streams, entries,
currencies and first flow."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given
from hypothesis import strategies as st

from portfolio.categories import CATEGORIES, FREQUENCIES
from portfolio.months import add_months, month_end, month_index
from portfolio.schedule import (
    EntrySpec,
    StreamSpec,
    _slides,  # the rule that lets windows slide
    first_flow,
    window_series,
    window_totals,
)

D = Decimal
FIRST = date(2023, 1, 1)  # the series' first month
LAST = date(2025, 12, 1)  # and its last: 36 months, as a snapshot history
ALL_FROM = add_months(FIRST, -11)  # the entries the series needs start here


def to_base_at(places: int):
    """A converter like ``conversion.to_base``: EUR and GBP at a rate that changes every
    day, rounded to ``places``; amounts with no currency as they are."""
    quantum = D(1).scaleb(-places)

    def converted(amount: Decimal, currency: str | None, day: date) -> Decimal:
        if currency is None:
            return amount
        rate = D("1.08") if currency == "EUR" else D("1.27")
        rate += D(day.toordinal() % 97) / 1000
        return (amount * rate).quantize(quantum, rounding=ROUND_HALF_UP)

    return converted


def plain(totals) -> tuple:
    """A window as the rows store it, exponents included: "10.00" is not "10"."""
    return (
        totals.year,
        totals.month,
        totals.months,
        {category: str(amount) for category, amount in totals.by_category.items()},
        tuple(str(amount) for amount in totals.group_sums()),
    )


def assert_series_is_each_window(streams, entries, *, flows_from, to_base=None, first=FIRST):
    kwargs = {} if to_base is None else {"to_base": to_base}
    series = window_series(streams, entries, first, LAST, flows_from=flows_from, **kwargs)
    alone = [
        window_totals(streams, entries, add_months(first, i), flows_from=flows_from, **kwargs)
        for i in range(month_index(LAST) - month_index(first) + 1)
    ]
    assert [plain(t) for t in series] == [plain(t) for t in alone]


category = st.sampled_from([value for value, _, _ in CATEGORIES])
currency = st.sampled_from([None, None, "EUR", "GBP"])
in_range = st.dates(min_value=ALL_FROM - timedelta(days=400), max_value=LAST + timedelta(days=60))


@st.composite
def streams(draw):
    first = draw(in_range)
    return StreamSpec(
        id=draw(st.integers(min_value=1, max_value=5)),
        category=draw(category),
        amount=draw(st.decimals(min_value=0, max_value=10**6, places=2)),
        frequency=draw(st.sampled_from(FREQUENCIES)),
        first_date=first,
        end_date=draw(st.none() | st.dates(min_value=first, max_value=date(2027, 1, 1))),
        currency=draw(currency),
    )


@st.composite
def entries(draw, amounts=st.decimals(min_value=-(10**4), max_value=10**6, places=2)):
    return EntrySpec(
        date=draw(st.dates(min_value=ALL_FROM, max_value=LAST + timedelta(days=30))),
        amount=draw(amounts),
        category=draw(category),
        stream_id=draw(st.none() | st.integers(min_value=1, max_value=5)),
        currency=draw(currency),
    )


def flows_from_of(draw, streams_, entries_):
    """The owner's first flow, as the snapshots pass it, or any other day: a first
    flow after the first windows makes them jump from twelve months to one."""
    own = first_flow(streams_, [e.date for e in entries_])
    return draw(st.sampled_from([own, None]) | in_range)


@given(
    streams_=st.lists(streams(), max_size=8),
    entries_=st.lists(entries(), max_size=60),
    places=st.sampled_from([2, 0]),
    data=st.data(),
)
def test_a_series_is_each_window_alone(streams_, entries_, places, data):
    # Places 0 (a base currency without cents) mixes converted whole amounts with
    # unconverted cents: such months are summed afresh, and must still agree.
    assert_series_is_each_window(
        streams_,
        entries_,
        flows_from=flows_from_of(data.draw, streams_, entries_),
        to_base=to_base_at(places),
    )


@given(
    streams_=st.lists(streams(), max_size=4),
    entries_=st.lists(
        entries(amounts=st.decimals(min_value=-(10**25), max_value=10**25, places=2)),
        max_size=30,
    ),
    data=st.data(),
)
def test_amounts_too_long_for_sliding_still_give_each_window(streams_, entries_, data):
    assert_series_is_each_window(
        streams_, entries_, flows_from=flows_from_of(data.draw, streams_, entries_)
    )


def test_a_category_that_leaves_the_window_is_absent_not_zero():
    entries = [
        EntrySpec(date(2023, 1, 15), D("40.00"), "fees"),
        EntrySpec(date(2023, 2, 15), D("10.00"), "living_expenses"),
        EntrySpec(date(2023, 2, 20), D("-10.00"), "living_expenses"),
    ]
    series = window_series([], entries, (2023, 12), (2024, 2), flows_from=date(2023, 1, 15))
    assert [dict(t.by_category) for t in series] == [
        {"fees": D("40.00"), "living_expenses": D("0.00")},  # a correction leaves a zero
        {"living_expenses": D("0.00")},  # fees paid in January 2023 left the window
        {},
    ]


def test_a_yearly_dividend_in_euros_counts_a_twelfth_a_month_at_each_month_end_rate():
    to_base = to_base_at(2)
    salary = StreamSpec(1, "salary", D("3000.00"), "monthly", date(2023, 1, 31))
    dividend = StreamSpec(2, "dividends", D("1200.00"), "yearly", date(2023, 3, 10), currency="EUR")
    series = window_series(
        [salary, dividend], [], FIRST, (2024, 3), flows_from=FIRST, to_base=to_base
    )
    # Until the window holds twelve months, each month the dividend is active counts
    # its twelfth at the rate of that month's last day.
    for totals in series[:11]:
        twelfths = [
            to_base(D(100), "EUR", month_end(date(2023, m, 1))) for m in range(3, totals.month + 1)
        ]
        assert totals.by_category.get("dividends", D(0)) == sum(twelfths, D(0))
    # Then the payment itself, converted at its date.
    assert series[11].by_category["dividends"] == to_base(D("1200.00"), "EUR", date(2023, 3, 10))
    assert series[14].by_category["dividends"] == to_base(D("1200.00"), "EUR", date(2024, 3, 10))
    assert_series_is_each_window([salary, dividend], [], flows_from=FIRST, to_base=to_base)


def test_entries_linked_to_a_quarterly_stream_replace_it_in_short_windows():
    rent = StreamSpec(3, "rent", D("900.00"), "quarterly", date(2023, 1, 5))
    paid = [EntrySpec(date(2023, 2, 6), D("910.00"), "rent", stream_id=3)]
    series = window_series([rent], paid, FIRST, (2023, 4), flows_from=FIRST)
    assert [t.by_category["rent"] for t in series] == [
        D("300.00"),  # one month of a quarter: a third of it
        D("1810.00"),  # an entry linked to it in the window: January's payment and the entry
        D("1810.00"),
        D("2710.00"),  # April pays the next quarter
    ]
    assert_series_is_each_window([rent], paid, flows_from=FIRST)


def test_month_sums_of_cents_slide_and_others_are_summed_afresh():
    def months(*amounts):
        return [{"salary": D(a)} for a in amounts]

    assert _slides(months("3000.00", "0.00", "-12.50"))
    assert _slides([])
    assert not _slides(months("3000.00", "12"))  # mixed places
    assert not _slides(months("1" + "0" * 20 + ".00"))  # 23 digits
