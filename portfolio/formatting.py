"""Display of money and figures: the one place where numbers are rounded.

Undefined figures (``None``) show as an em dash, unbounded ones in words. Plain
functions, called by views, e-mails and (as filters) by templates through the
``display`` template library.

Babel's ``format_currency`` / ``format_decimal`` look the locale up and parse the
pattern on every call; a page or an e-mail makes dozens of calls, so the locale
and each pattern are built once (``_locale``, ``_pattern``) and applied directly,
with Babel's defaults: the same text, a fraction of the time.
"""

from __future__ import annotations

import functools
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext

from babel import Locale
from babel.numbers import NumberPattern, get_currency_precision, parse_pattern
from django.conf import settings
from django.utils.dateformat import format as date_format

from portfolio.months import add_months

DASH = "—"
# Rounding for display needs as many digits as the figure has: 28 (Python's
# default) is too few for 10^27 with cents, which a 50-year projection can reach.
# Every step that rounds takes it explicitly (and Babel runs inside it): setting it
# as the thread's context around each call cost more than the number itself.
_DISPLAY = Context(prec=60, rounding=ROUND_HALF_UP)


@functools.cache
def _locale(name: str) -> Locale:
    return Locale.parse(name)


@functools.cache
def _pattern(format: str) -> NumberPattern:
    return parse_pattern(format)


def _currency(value: Decimal, currency: str, format: str | None = None, **options) -> str:
    if format is None and not options:
        affixes = _standard_affixes(settings.NUMBER_LOCALE, currency)
        if affixes is not None:
            return _standard_number(value, affixes)
    locale = _locale(settings.NUMBER_LOCALE)
    pattern = locale.currency_formats["standard"] if format is None else _pattern(format)
    with localcontext(_DISPLAY):
        return pattern.apply(value, locale, currency=currency, **options)


@functools.cache
def _standard_affixes(locale_name: str, currency: str) -> tuple[int, tuple, tuple] | None:
    """(digits, (positive prefix, suffix), (negative prefix, suffix)) of the locale's
    standard currency pattern for ``currency``, as Babel renders them; None when the
    locale does not group by threes with "," and "." (Babel is used as it is then).

    Babel's ``NumberPattern.apply`` parses nothing per call but still costs about a
    tenth of a millisecond; a list of fifty holdings calls it a hundred times. Its
    steps for a finite amount are: the sign of the amount, the absolute value
    rounded to the currency's digits in the current decimal context, the integer
    part grouped, the pattern's prefix and suffix around it with the currency
    symbol. ``_standard_number`` does the same with Python's own grouping, and the
    affixes come from Babel itself (the text around the number of one unit).
    """
    locale = _locale(locale_name)
    pattern = locale.currency_formats["standard"]
    return _affixes(locale, pattern, get_currency_precision(currency), currency=currency)


@functools.cache
def _decimal_affixes(locale_name: str, format: str) -> tuple[int, tuple, tuple] | None:
    """As ``_standard_affixes``, for a number ``format`` with a fixed number of
    decimals ("#,##0.0"): the percentages, runways and numbers of pages and e-mails."""
    pattern = _pattern(format)
    digits = pattern.frac_prec[1]
    if pattern.frac_prec[0] != digits:
        return None
    return _affixes(_locale(locale_name), pattern, digits)


def _affixes(locale: Locale, pattern: NumberPattern, digits: int, **options):
    symbols = locale.number_symbols.get("latn", locale.number_symbols)
    if (
        symbols.get("group") != ","
        or symbols.get("decimal") != "."
        or pattern.grouping != (3, 3)
        or pattern.int_prec[0] != 1
        or pattern.exp_prec
        or pattern.scale
        or "@" in pattern.pattern
    ):
        return None
    one = f"{Decimal(1):.{digits}f}"
    affixes = []
    for unit in (Decimal(1), Decimal(-1)):
        text = pattern.apply(unit, locale, **options)
        prefix, found, suffix = text.partition(one)
        if not found:
            return None
        affixes.append((prefix, suffix))
    return digits, affixes[0], affixes[1]


@functools.cache
def _quantum(digits: int) -> Decimal:
    """The last place kept with ``digits`` decimals: 1, 0.1, 0.01..."""
    return Decimal(1).scaleb(-digits)


def _standard_number(value: Decimal, affixes: tuple[int, tuple, tuple]) -> str:
    digits, positive, negative = affixes
    prefix, suffix = negative if value.is_signed() else positive
    rounded = _DISPLAY.abs(value).normalize(_DISPLAY).quantize(_quantum(digits), context=_DISPLAY)
    return f"{prefix}{rounded:,.{digits}f}{suffix}"


def _decimal(value: Decimal, format: str) -> str:
    affixes = _decimal_affixes(settings.NUMBER_LOCALE, format)
    if affixes is not None:
        return _standard_number(value, affixes)
    with localcontext(_DISPLAY):
        return _pattern(format).apply(value, _locale(settings.NUMBER_LOCALE))


def _finite(value) -> bool:
    return isinstance(value, Decimal | int) and Decimal(value).is_finite()


def _undefined(value) -> bool:
    """None, and NaN for safety: neither is a figure to show."""
    return value is None or (isinstance(value, Decimal) and value.is_nan())


def money(value, currency: str = "USD") -> str:
    """An amount in the user's currency, e.g. ``{{ figures.net_worth|money:user.currency }}``."""
    if not _finite(value):
        return DASH
    return _currency(Decimal(value), currency)


def converted(value, currency: str = "USD") -> str:
    """An amount's value in the base currency, shown beside it in its own (see
    ``selectors.in_base_currency``): "" when there is none, "no rate ..." when missing."""
    if value is None:
        return ""
    if not isinstance(value, Decimal | int):
        return str(value)  # a conversion.NoRate: says which currency and day
    return money(value, currency)


def money_whole(value, currency: str = "USD") -> str:
    """An amount without cents, for large round figures such as capital needed."""
    if not _finite(value):
        return DASH
    whole = Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP, context=_DISPLAY)
    return _currency(whole, currency, "¤#,##0", currency_digits=False)


def percent(value, places: int = 1) -> str:
    """A fraction as a percentage: Decimal("0.0525") -> "5.3%"."""
    if _undefined(value):
        return DASH
    if not _finite(value):
        return "∞"
    pattern = "#,##0" + ("." + "0" * int(places) if int(places) else "")
    return _decimal(_DISPLAY.multiply(Decimal(value), 100), pattern) + "%"


def ratio(value) -> str:
    """The wealth ratio: a percentage, "fully passive" when unbounded."""
    if not _undefined(value) and not _finite(value):
        return "fully passive"
    return percent(value)


def months(value) -> str:
    """A runway in months: "free" when passive income covers spending."""
    if _undefined(value):
        return DASH
    if not _finite(value):
        return "free"
    shown = _decimal(Decimal(value), "#,##0.0")
    return f"{shown} months"


def years(value) -> str:
    """A runway in months shown in years."""
    if _undefined(value):
        return DASH
    if not _finite(value):
        return "free"
    shown = _decimal(_DISPLAY.divide(Decimal(value), 12), "#,##0.0")
    return f"{shown} years"


def number(value, places: int = 1) -> str:
    if _undefined(value):
        return DASH
    if not _finite(value):
        return "∞"
    pattern = "#,##0" + ("." + "0" * int(places) if int(places) else "")
    return _decimal(Decimal(value), pattern)


def window(figures) -> str:
    """Over how many months flows are taken: "over the twelve months to November 2026",
    or, in an owner's first months, "over 3 months, since September 2026".

    ``figures`` is a ``Figures`` (its ``as_of``) or a ``Snapshot`` (its ``month``).
    """
    last = getattr(figures, "as_of", None) or figures.month
    count = figures.window_months
    if count >= 12:
        return f"over the twelve months to {date_format(last, 'F Y')}"
    first = add_months(last, 1 - count)
    unit = "month" if count == 1 else "months"
    return f"over {count} {unit}, since {date_format(first, 'F Y')}"


NO_SPENDING = "no spending recorded yet"


def spending_figure(flows, name: str) -> str:
    """A figure that rests on spending (``figures.SPENDING_FIGURES``) of ``flows``
    (a ``Figures`` or a ``Snapshot``), e.g. ``{{ figures|spending_figure:"runway_months" }}``:
    "no spending recorded yet" when the window holds none, where it would read
    "free" or "∞" for want of data."""
    if flows.rests_on_no_spending(name):
        return NO_SPENDING
    value = flows.figure(name)
    return percent(value) if name in ("passive_coverage", "savings_rate") else months(value)


def runway(value, flows=None) -> str:
    """A runway for text that has no room for a note: unknown is said in words, never 0.

    Given the ``flows`` it was computed from (``{{ runway|runway:snapshot }}``), a
    window without any spending says so instead of "free".
    """
    if flows is not None and not flows.spending_recorded:
        return f"unknown ({NO_SPENDING})"
    if value is None:
        return "unknown (no balance recorded yet)"
    return months(value)
