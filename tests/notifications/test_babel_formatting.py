"""The e-mails' (and pages') figures read exactly as Babel's own functions write them,
though the locale and the patterns are now built once."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal, localcontext

import pytest
from babel.numbers import format_currency, format_decimal

from portfolio import formatting

VALUES = [
    Decimal("0"),
    Decimal("-0.005"),
    Decimal("0.0525"),
    Decimal("1234.565"),
    Decimal("-98765.4321"),
    Decimal("1E+27") + Decimal("0.125"),
    7,
    # Rounding that carries into a new group, and to a signed zero.
    Decimal("999.995"),
    Decimal("-0.0004"),
    Decimal("5E+3"),
]
# Display rounds half up with room for every digit (portfolio.formatting); Babel's
# functions are called the same way here.
DISPLAY = Context(prec=60, rounding=ROUND_HALF_UP)


@pytest.mark.parametrize("locale", ["en_US", "de_DE", "fr_CH", "ja_JP"])
@pytest.mark.parametrize("currency", ["USD", "EUR", "JPY", "BHD"])
def test_money_reads_as_babel_writes_it(settings, locale, currency):
    settings.NUMBER_LOCALE = locale
    for value in VALUES:
        with localcontext(DISPLAY):
            money = format_currency(Decimal(value), currency, locale=locale)
            whole = Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP)
            money_whole = format_currency(
                whole, currency, locale=locale, format="¤#,##0", currency_digits=False
            )
        assert formatting.money(value, currency) == money
        assert formatting.money_whole(value, currency) == money_whole


@pytest.mark.parametrize("locale", ["en_US", "de_DE", "fr_CH"])
def test_percentages_months_and_numbers_read_as_babel_writes_them(settings, locale):
    settings.NUMBER_LOCALE = locale
    for value in map(Decimal, VALUES):
        with localcontext(DISPLAY):
            expected = [
                format_decimal(value * 100, format="#,##0.0", locale=locale) + "%",
                format_decimal(value * 100, format="#,##0", locale=locale) + "%",
                format_decimal(value, format="#,##0.0", locale=locale) + " months",
                format_decimal(value / 12, format="#,##0.0", locale=locale) + " years",
                format_decimal(value, format="#,##0.00", locale=locale),
            ]
        assert [
            formatting.percent(value),
            formatting.percent(value, 0),
            formatting.months(value),
            formatting.years(value),
            formatting.number(value, 2),
        ] == expected


def test_a_change_of_locale_is_seen_at_once(settings):
    settings.NUMBER_LOCALE = "en_US"
    assert formatting.money(Decimal("1234.5"), "EUR") == "€1,234.50"
    settings.NUMBER_LOCALE = "de_DE"
    assert formatting.money(Decimal("1234.5"), "EUR") == "1.234,50\xa0€"
