"""portfolio.selectors (a user's rows into the pure core) and services (confirming a month)."""

from __future__ import annotations

import datetime as dt
from datetime import date
from decimal import Decimal

import pytest
import time_machine

from portfolio.models import Entry
from portfolio.months import user_today, window_start
from portfolio.selectors import holdings_with_value, load_owner_data
from portfolio.services import stream_confirm_month
from tests.factories import (
    EntryFactory,
    HoldingFactory,
    PortfolioFactory,
    StreamFactory,
    ValuationFactory,
)

pytestmark = pytest.mark.django_db


# --- user_today ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "time_zone", "today"),
    [
        # 12:00 UTC on 31 March: already 1 April on Kiritimati (UTC+14).
        (dt.datetime(2026, 3, 31, 12, tzinfo=dt.UTC), "Pacific/Kiritimati", date(2026, 4, 1)),
        (dt.datetime(2026, 3, 31, 12, tzinfo=dt.UTC), "UTC", date(2026, 3, 31)),
        (dt.datetime(2026, 3, 31, 12, tzinfo=dt.UTC), "Pacific/Pago_Pago", date(2026, 3, 31)),
        # 05:00 UTC on 1 April: still 31 March in Pago Pago (UTC-11), a month behind.
        (dt.datetime(2026, 4, 1, 5, tzinfo=dt.UTC), "Pacific/Pago_Pago", date(2026, 3, 31)),
        (dt.datetime(2026, 4, 1, 5, tzinfo=dt.UTC), "Pacific/Kiritimati", date(2026, 4, 1)),
        # New Year's Eve in one place is New Year's Day in the other.
        (dt.datetime(2026, 12, 31, 10, tzinfo=dt.UTC), "Pacific/Kiritimati", date(2027, 1, 1)),
        (dt.datetime(2027, 1, 1, 10, tzinfo=dt.UTC), "Pacific/Pago_Pago", date(2026, 12, 31)),
    ],
)
def test_user_today_is_the_date_where_the_user_lives(owner, now, time_zone, today):
    owner.time_zone = time_zone
    with time_machine.travel(now, tick=False):
        assert user_today(owner) == today


# --- ttm_start ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "start"),
    [
        (date(2027, 3, 10), date(2026, 4, 1)),  # docs/metrics.md's example
        (date(2026, 12, 31), date(2026, 1, 1)),
        (date(2026, 12, 1), date(2026, 1, 1)),
        (date(2026, 1, 1), date(2025, 2, 1)),
        (date(2026, 11, 30), date(2025, 12, 1)),
        (date(2024, 2, 29), date(2023, 3, 1)),
        (date(1, 12, 31), date(1, 1, 1)),
    ],
)
def test_ttm_start(as_of, start):
    assert window_start(as_of) == start


# --- holdings_with_value ---------------------------------------------------------------------


def test_holdings_with_value_takes_the_latest_valuation_on_or_before_the_date(portfolio):
    fund = HoldingFactory(portfolio=portfolio, name="Fund", kind="listed")
    for day, value in [("2026-01-01", "100"), ("2026-03-01", "200"), ("2026-06-01", "300")]:
        ValuationFactory(holding=fund, date=date.fromisoformat(day), value=Decimal(value))
    HoldingFactory(portfolio=portfolio, name="Never valued")

    def values(as_of):
        return {h.name: h.value for h in holdings_with_value([portfolio], as_of)}

    assert values(date(2025, 12, 31)) == {"Fund": None, "Never valued": None}
    assert values(date(2026, 2, 28)) == {"Fund": Decimal(100), "Never valued": None}
    assert values(date(2026, 3, 1))["Fund"] == Decimal(200)  # on the day itself
    assert values(date(2026, 5, 31))["Fund"] == Decimal(200)  # June's value is in the future
    assert values(date(2026, 6, 1))["Fund"] == Decimal(300)


def test_holdings_with_value_ignores_a_future_dated_valuation_today(owner, portfolio):
    with time_machine.travel(dt.datetime(2026, 10, 15, 12, tzinfo=dt.UTC), tick=False):
        cash = HoldingFactory(portfolio=portfolio, name="Cash")
        ValuationFactory(holding=cash, date=date(2026, 10, 1), value=Decimal("6000"))
        ValuationFactory(holding=cash, date=date(2026, 10, 16), value=Decimal("999999"))
        [holding] = holdings_with_value([portfolio], user_today(owner))
    assert holding.value == Decimal("6000.00")


def test_holdings_with_value_keeps_to_the_portfolios_given(owner, portfolio, stranger):
    ValuationFactory(holding=HoldingFactory(portfolio=portfolio, name="Mine"))
    ValuationFactory(holding=HoldingFactory(portfolio=stranger.portfolios.get(), name="Theirs"))
    names = [h.name for h in holdings_with_value(owner.portfolios.all(), date(2030, 1, 1))]
    assert names == ["Mine"]


# --- figures_from ------------------------------------------------------------------------------


def test_figures_from_one_portfolio_or_all_without_another_query(
    owner, portfolio, django_assert_num_queries
):
    company = PortfolioFactory(owner=owner, name="Company")
    StreamFactory(portfolio=portfolio, name="Salary", amount=Decimal("4000"))
    StreamFactory(
        portfolio=company,
        name="Ads",
        category="advertising",
        amount=Decimal("100"),
        hours_per_month=Decimal(5),
    )
    EntryFactory(portfolio=company, date=date(2026, 9, 1), amount=Decimal("30"), category="fees")
    ValuationFactory(
        holding=HoldingFactory(portfolio=portfolio, name="Cash"),
        date=date(2026, 1, 1),
        value=Decimal("6000"),
    )
    ValuationFactory(
        holding=HoldingFactory(portfolio=company, name="Site", kind="website"),
        date=date(2026, 1, 1),
        value=Decimal("9000"),
    )
    as_of = date(2026, 10, 15)
    # Streams, entries of the window, each portfolio's first entry, valued holdings.
    with django_assert_num_queries(4):
        data = load_owner_data(
            owner.portfolios.all(),
            first=window_start(as_of),
            last=date(2026, 10, 31),
            values_on=as_of,
            currency=owner.currency,
        )

    with django_assert_num_queries(0):
        mine = data.figures_at(as_of, portfolio.pk)
        theirs = data.figures_at(as_of, company.pk)
        both = data.figures_at(as_of)

    assert (mine.earned, mine.passive, mine.spending) == (Decimal(48000), 0, 0)
    assert (mine.liquid_assets, mine.net_worth, mine.passive_hours) == (6000, 6000, 0)
    assert mine.wealth_ratio == 0
    assert (theirs.earned, theirs.passive, theirs.spending) == (0, Decimal(1200), Decimal(30))
    # The company owns only a non-liquid holding: its liquid assets are unknown, not 0.
    assert (theirs.liquid_assets, theirs.net_worth, theirs.passive_hours) == (None, 9000, 5)
    assert theirs.wealth_ratio == Decimal("Infinity")
    assert (both.earned, both.passive, both.spending) == (48000, 1200, 30)
    assert (both.liquid_assets, both.net_worth, both.passive_hours) == (6000, 15000, 5)
    assert both.wealth_ratio == Decimal("0.025")


# --- stream_confirm_month ------------------------------------------------------------------------


def test_confirm_makes_one_entry_per_payment_date_of_a_weekly_stream(portfolio):
    # Fridays from 2 January 2026: in March, the 6th, 13th, 20th and 27th.
    stream = StreamFactory(
        portfolio=portfolio,
        name="Tips",
        category="freelance",
        amount=Decimal("75.50"),
        frequency="weekly",
        first_date=date(2026, 1, 2),
    )

    made = stream_confirm_month(stream=stream, year=2026, month=3)

    assert sorted(e.date for e in made) == [date(2026, 3, d) for d in (6, 13, 20, 27)]
    rows = Entry.objects.filter(stream=stream)
    assert rows.count() == 4
    for entry in rows:
        assert (entry.portfolio_id, entry.amount, entry.category) == (
            portfolio.pk,
            Decimal("75.50"),
            "freelance",
        )


def test_confirm_twice_makes_nothing_the_second_time(portfolio):
    stream = StreamFactory(portfolio=portfolio, frequency="weekly", first_date=date(2026, 1, 2))
    assert len(stream_confirm_month(stream=stream, year=2026, month=5)) == 5  # five Fridays
    assert stream_confirm_month(stream=stream, year=2026, month=5) == []
    assert Entry.objects.filter(stream=stream).count() == 5


def test_confirm_a_month_the_stream_does_not_pay_makes_nothing(portfolio):
    quarterly = StreamFactory(
        portfolio=portfolio,
        name="Dividend",
        category="dividends",
        frequency="quarterly",
        first_date=date(2026, 1, 15),
    )
    ended = StreamFactory(
        portfolio=portfolio,
        frequency="weekly",
        first_date=date(2026, 1, 2),
        end_date=date(2026, 2, 28),
    )
    not_started = StreamFactory(portfolio=portfolio, first_date=date(2026, 6, 1))

    assert stream_confirm_month(stream=quarterly, year=2026, month=2) == []
    assert stream_confirm_month(stream=ended, year=2026, month=3) == []
    assert stream_confirm_month(stream=not_started, year=2026, month=5) == []
    assert not Entry.objects.exists()
    assert len(stream_confirm_month(stream=quarterly, year=2026, month=4)) == 1


def test_confirm_leaves_a_month_with_its_own_entries_alone(portfolio):
    stream = StreamFactory(portfolio=portfolio, first_date=date(2026, 1, 1))
    EntryFactory(portfolio=portfolio, stream=stream, date=date(2026, 3, 2), category="salary")
    assert stream_confirm_month(stream=stream, year=2026, month=3) == []
    assert Entry.objects.count() == 1
