"""The display filters: the one place where figures are rounded and put into words."""

from __future__ import annotations

from decimal import Decimal

import pytest

from portfolio.formatting import (
    money,
    money_whole,
    months,
    percent,
    ratio,
    runway,
    spending_figure,
    years,
)
from portfolio.models import Snapshot
from portfolio.templatetags import display

INF = Decimal("Infinity")


@pytest.mark.parametrize(
    ("value", "currency", "shown"),
    [
        (Decimal("1234.5"), "USD", "$1,234.50"),
        (Decimal("1234.5"), "EUR", "€1,234.50"),
        (Decimal("12345.678"), "JPY", "¥12,346"),  # no minor unit
        (Decimal("-5"), "JPY", "-¥5"),
        (Decimal("-1234.567"), "USD", "-$1,234.57"),
        (Decimal("-220000"), "EUR", "-€220,000.00"),
        (Decimal("0"), "USD", "$0.00"),
        (7, "USD", "$7.00"),
        (Decimal("2.675"), "USD", "$2.68"),
        (Decimal("2.665"), "USD", "$2.67"),  # a half rounds up, as by hand
    ],
)
def test_money(value, currency, shown):
    assert money(value, currency) == shown


def test_money_defaults_to_dollars():
    assert money(Decimal("100")) == "$100.00"


@pytest.mark.parametrize("value", [None, INF, -INF, Decimal("NaN"), "abc", 1.5])
def test_money_of_no_amount_is_a_dash(value):
    assert money(value) == "—"
    assert money_whole(value) == "—"


@pytest.mark.parametrize(
    ("value", "currency", "shown"),
    [
        (Decimal("1234.49"), "USD", "$1,234"),
        (Decimal("1234.5"), "USD", "$1,235"),  # a half rounds up
        (Decimal("1235.5"), "EUR", "€1,236"),
        (Decimal("60000"), "USD", "$60,000"),
        (Decimal("-2.6"), "USD", "-$3"),
        (Decimal("99.9"), "JPY", "¥100"),
    ],
)
def test_money_whole(value, currency, shown):
    assert money_whole(value, currency) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("0.05"), "5.0%"),
        (Decimal("0.0525"), "5.3%"),  # a half rounds up at one place
        (Decimal("0.0535"), "5.4%"),
        (Decimal("0.05251"), "5.3%"),
        (Decimal("0.0666666666"), "6.7%"),
        (Decimal("0.2857142857"), "28.6%"),
        (Decimal("-0.286"), "-28.6%"),
        (Decimal("0.00049"), "0.0%"),
        (Decimal("12.345"), "1,234.5%"),
        (0, "0.0%"),
    ],
)
def test_percent(value, shown):
    assert percent(value) == shown


def test_percent_places():
    assert percent(Decimal("0.123456"), 0) == "12%"
    assert percent(Decimal("0.123456"), 2) == "12.35%"


def test_percent_edges():
    assert percent(None) == "—"
    assert percent(INF) == "∞"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (INF, "fully passive"),
        (None, "—"),
        (Decimal("0.05"), "5.0%"),
        (Decimal("0"), "0.0%"),
        (Decimal("1"), "100.0%"),
    ],
)
def test_ratio(value, shown):
    assert ratio(value) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (INF, "free"),
        (None, "—"),
        (Decimal("10"), "10.0 months"),
        (Decimal("10.714285"), "10.7 months"),
        (Decimal("0"), "0.0 months"),
        (Decimal("1234.56"), "1,234.6 months"),
    ],
)
def test_months(value, shown):
    assert months(value) == shown


def test_years():
    assert years(Decimal("10")) == "0.8 years"
    assert years(INF) == "free"
    assert years(None) == "—"


def test_huge_values_do_not_crash_and_keep_their_cents():
    # Beyond Python's default 28 significant digits.
    assert money(Decimal("1000000000000000000000000000.01")) == (
        "$1,000,000,000,000,000,000,000,000,000.01"
    )
    assert money(Decimal("9" * 40)).endswith("999.00")
    assert money_whole(Decimal("1e40")) == "$10" + ",000" * 13
    assert percent(Decimal("1e30")).endswith(",000.0%")
    assert months(Decimal("1e35")).endswith(",000.0 months")
    assert ratio(Decimal("1e30")).endswith("%")
    assert years(Decimal("1e35")).endswith(" years")


@pytest.mark.parametrize("show", [percent, ratio, months, years])
def test_nan_is_shown_as_undefined_never_as_unbounded(show):
    assert show(Decimal("NaN")) == "—"


@pytest.mark.parametrize("locale_name", ["en_US", "en_GB", "de_CH", "fr_FR", "hi_IN"])
@pytest.mark.parametrize("currency", ["EUR", "USD", "GBP", "JPY", "CHF", "KWD", "INR", "XAU"])
def test_money_is_what_babel_writes(settings, locale_name, currency):
    """``money`` formats the standard pattern itself where the locale groups by threes
    with "," and "." (Babel's own text otherwise): the same text as Babel's, always."""
    import random
    from decimal import localcontext

    from babel import Locale

    from portfolio import formatting

    settings.NUMBER_LOCALE = locale_name
    locale = Locale.parse(locale_name)
    pattern = locale.currency_formats["standard"]
    rng = random.Random(f"{locale_name}-{currency}")
    values = [Decimal(v) for v in ("0", "-0", "-0.004", "0.005", "2.5", "-2.5", "999.995")]
    values += [Decimal("123456789012345678901234567.895"), Decimal("1E+30"), Decimal("-1E-10")]
    values += [
        Decimal(rng.randint(-(10**15), 10**15)).scaleb(-rng.randint(0, 6)) for _ in range(300)
    ]
    for value in values:
        with localcontext(formatting._DISPLAY):
            babel = pattern.apply(value, locale, currency=currency)
        assert money(value, currency) == babel, value


def _flows(spending: str) -> Snapshot:
    """A month's row with a salary, dividends and cash, and ``spending`` over one month."""
    spending = Decimal(spending)
    return Snapshot(
        window_months=1,
        earned=Decimal(1000),
        passive=Decimal(100),
        spending=spending,
        runway_months=None if not spending else Decimal(5000) / spending,
        runway_months_infinite=not spending,
        passive_coverage=None if not spending else Decimal(100) / spending,
        passive_coverage_infinite=not spending,
        savings_rate=(Decimal(1100) - spending) / Decimal(1100),
    )


def test_a_figure_resting_on_no_spending_says_so():
    none = _flows("0")
    for name in ("runway_months", "passive_coverage", "savings_rate"):
        assert spending_figure(none, name) == "no spending recorded yet"
    assert runway(INF, none) == "unknown (no spending recorded yet)"
    assert runway(INF) == "free"  # without the flows, the value alone


def test_a_figure_with_spending_is_shown_in_its_unit():
    some = _flows("500")
    assert spending_figure(some, "runway_months") == "10.0 months"
    assert spending_figure(some, "passive_coverage") == "20.0%"
    assert spending_figure(some, "savings_rate") == "54.5%"
    assert runway(Decimal(10), some) == "10.0 months"


@pytest.mark.parametrize(
    ("address", "shown", "label"),
    [
        (
            "alexandra.harrington-whitfield@example.com",
            "alexandra.<wbr>harrington-whitfield@<wbr>example.com",
            "alexandra.\u200bharrington-whitfield@\u200bexample.com",
        ),
        ("bob@example.com", "bob@<wbr>example.com", "bob@\u200bexample.com"),
        # Typed by someone: the name is escaped, only the break points are markup.
        ("<b>x</b>.y@example.com", "&lt;b&gt;x&lt;/b&gt;.<wbr>y@<wbr>example.com", None),
    ],
)
def test_an_address_breaks_after_its_at_and_the_dots_of_its_name(address, shown, label):
    # In a header (<wbr>) and in a card's data-label (text: zero-width spaces).
    assert display.address(address) == shown
    if label is not None:
        assert display.address_label(address) == label
