"""Rates in the database: the one loader, storing new days, the shipped history."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import IntegrityError

from portfolio.conversion import NoRate, RateRow
from portfolio.models import Rate
from portfolio.rates import load_rates, rates_store

pytestmark = pytest.mark.django_db
D = Decimal


def rate(day: str, currency: str, value: str) -> Rate:
    return Rate.objects.create(
        date=date.fromisoformat(day), currency=currency, units_per_euro=D(value)
    )


def test_load_rates_is_one_query_with_the_latest_rate_before_the_range(
    django_assert_num_queries,
):
    rate("2024-01-02", "GBP", "0.86")  # older than GBP's latest before the range
    rate("2024-01-05", "GBP", "0.8600")
    rate("2024-01-30", "GBP", "0.8540")  # the latest before 2024-02-01
    rate("2024-02-01", "GBP", "0.85353")
    rate("2024-03-01", "GBP", "0.85588")  # after the range
    rate("2024-01-31", "USD", "1.0837")
    rate("2024-02-01", "JPY", "158.96")  # not asked for
    with django_assert_num_queries(1):
        table = load_rates(["GBP", "USD", "EUR"], date(2024, 2, 1), date(2024, 2, 29))
    assert table.rate("GBP", date(2024, 2, 1)) == D("0.85353")
    assert table.rate("GBP", date(2024, 2, 29)) == D("0.85353")
    assert table.rate("USD", date(2024, 2, 10)) == D("1.0837")
    assert table.rate("JPY", date(2024, 2, 1)) == NoRate("JPY", date(2024, 2, 1))
    assert table.latest_on_or_before(date(2024, 2, 29)) == date(2024, 2, 1)


def test_load_rates_of_the_euro_alone_queries_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert not load_rates(["EUR"], date(2024, 1, 1), date(2024, 12, 31))


def test_rates_store_adds_only_new_days_and_says_from_when():
    rate("2024-01-31", "GBP", "0.85435")
    first_new = rates_store(
        [
            RateRow(date(2024, 1, 31), "GBP", D("0.9")),  # stored already: kept as it was
            RateRow(date(2024, 2, 2), "GBP", D("0.8541")),
            RateRow(date(2024, 2, 1), "GBP", D("0.85353")),
            RateRow(date(2024, 2, 1), "USD", D("1.0814")),
        ]
    )
    assert first_new == {"GBP": date(2024, 2, 1), "USD": date(2024, 2, 1)}
    assert Rate.objects.get(currency="GBP", date=date(2024, 1, 31)).units_per_euro == D("0.85435")
    assert Rate.objects.count() == 4
    assert rates_store([RateRow(date(2024, 2, 1), "USD", D("1.0814"))]) == {}


def test_one_rate_per_currency_and_day():
    rate("2024-01-31", "GBP", "0.85435")
    with pytest.raises(IntegrityError):
        rate("2024-01-31", "GBP", "0.9")


@pytest.mark.slow
def test_the_shipped_history_loads_once(capsys):
    call_command("load_rates")
    assert "Stored new rates of 41 currencies (from 1999-01-04)" in capsys.readouterr().out
    assert Rate.objects.get(currency="GBP", date=date(2024, 1, 31)).units_per_euro == D("0.85435")
    assert Rate.objects.filter(currency="USD").count() > 7000
    stored = Rate.objects.count()
    call_command("load_rates")
    assert "already up to date" in capsys.readouterr().out
    assert Rate.objects.count() == stored
