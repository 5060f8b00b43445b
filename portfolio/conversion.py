"""Amounts from one currency to another at a day's reference rate, pure Python.

Rates are the European Central Bank's: how many units of a currency one euro buys
on a day (``RateRow``). A ``RateTable`` is built from such plain rows (the shell's
``portfolio.rates`` loads them) and ``convert`` is the one conversion of the
product (docs/metrics.md, "Currencies"):

- the rate of a day is the latest published on or before it (no rate on weekends
  and holidays: Friday's holds), so a future day uses the latest rate known;
- a cross rate goes through the euro: USD -> GBP is amount / USD per euro x GBP
  per euro, computed as one product and one division;
- the result is rounded once, to the target currency's minor units (``places``),
  half up (2.345 -> 2.35, as on a bank statement and as ``formatting`` displays);
- a currency with no rate on or before the day gives a ``NoRate`` naming both,
  never a 1:1 guess. ``RateTable.convert_or_raise`` turns it into ``MissingRate``
  for the calendar code, which cannot carry a second kind of result through sums.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Context, Decimal, DivisionByZero, InvalidOperation, Overflow

from portfolio.limits import MONEY_PLACES

__all__ = [
    "EURO",
    "MissingRate",
    "NoRate",
    "RateRow",
    "RateTable",
    "convert",
    "places",
    "to_base",
]

EURO = "EUR"

# Minor units of the current currencies that do not have two, as CLDR (and so the
# display, through Babel) has them; tests/core/test_conversion.py checks this list
# against Babel. Currencies with three (BHD, KWD...) keep two here: every amount is
# stored in cents (portfolio.limits.MONEY_PLACES).
_NO_MINOR_UNITS = frozenset(
    {
        "AFN", "ALL", "BIF", "CLP", "DJF", "GNF", "IQD", "IRR", "ISK", "JPY",
        "KMF", "KPW", "KRW", "LAK", "LBP", "MGA", "MMK", "PYG", "RSD", "RWF",
        "SOS", "SYP", "UGX", "VND", "VUV", "XAF", "XOF", "XPF", "YER",
    }
)  # fmt: skip

# amount (14 digits) x rate (at most 16) is exact in 40 digits; the quotient is
# then correctly rounded at 40 significant digits, far below the half-cent that the
# final rounding decides on (a tie is exact, and an amount near one differs from
# it by more than 1e-30 of itself, as the divisor has at most 16 digits).
_CTX = Context(prec=40, traps=[InvalidOperation, DivisionByZero, Overflow])


def places(currency: str) -> int:
    """Decimal places an amount converted into ``currency`` is rounded to."""
    return 0 if currency in _NO_MINOR_UNITS else MONEY_PLACES


@dataclass(frozen=True)
class RateRow:
    """One published rate: ``units_per_euro`` of ``currency`` bought by 1 EUR on ``day``."""

    day: date
    currency: str
    units_per_euro: Decimal


@dataclass(frozen=True)
class NoRate:
    """No rate of ``currency`` was published on or before ``day``."""

    currency: str
    day: date

    @property
    def message(self) -> str:
        return f"no rate for {self.currency} on or before {self.day.isoformat()}"

    def __str__(self) -> str:
        return self.message


class MissingRate(Exception):
    """Raised by ``RateTable.convert_or_raise``; ``no_rate`` says what is missing."""

    def __init__(self, no_rate: NoRate) -> None:
        super().__init__(no_rate.message)
        self.no_rate = no_rate


class RateTable:
    """Rates by currency and day, looked up as "the latest on or before a day"."""

    def __init__(self, rows: Iterable[RateRow] = ()) -> None:
        by_currency: dict[str, dict[date, Decimal]] = defaultdict(dict)
        for row in rows:
            if not (isinstance(row.units_per_euro, Decimal) and row.units_per_euro > 0):
                raise ValueError(f"the rate of {row.currency} on {row.day} must be a Decimal > 0")
            by_currency[row.currency][row.day] = row.units_per_euro
        self._days = {c: sorted(rates) for c, rates in by_currency.items()}
        self._rates = {c: [by_currency[c][d] for d in days] for c, days in self._days.items()}

    def __bool__(self) -> bool:
        return bool(self._days)

    def with_rows(self, rows: Iterable[RateRow]) -> RateTable:
        """This table and ``rows`` (a user's own rates); where both have a currency's
        day, this table's (the ECB's) is kept. Unaffected currencies are shared."""
        extra: dict[str, dict[date, Decimal]] = defaultdict(dict)
        for row in RateTable(rows)._pairs():
            extra[row.currency][row.day] = row.units_per_euro
        if not extra:
            return self
        table = RateTable()
        table._days, table._rates = dict(self._days), dict(self._rates)
        for currency, rates in extra.items():
            own = dict(
                zip(self._days.get(currency, []), self._rates.get(currency, []), strict=True)
            )
            merged = {**rates, **own}
            table._days[currency] = sorted(merged)
            table._rates[currency] = [merged[day] for day in table._days[currency]]
        return table

    def _pairs(self):
        for currency, days in self._days.items():
            for day, rate in zip(days, self._rates[currency], strict=True):
                yield RateRow(day, currency, rate)

    def latest_on_or_before(self, day: date) -> date | None:
        """The newest day of any rate held on or before ``day``: the rates a figure at
        ``day`` was converted with ("rates of <day>")."""
        found = [days[at - 1] for days in self._days.values() if (at := bisect_right(days, day))]
        return max(found, default=None)

    def rate(self, currency: str, day: date) -> Decimal | NoRate:
        """Units of ``currency`` per euro on ``day`` (the latest on or before it)."""
        if currency == EURO:
            return Decimal(1)
        days = self._days.get(currency)
        at = bisect_right(days, day) if days else 0
        if not at:
            return NoRate(currency, day)
        return self._rates[currency][at - 1]

    def convert_or_raise(self, amount: Decimal, source: str, target: str, day: date) -> Decimal:
        """``convert``, raising ``MissingRate`` instead of returning a ``NoRate``."""
        result = convert(self, amount, source, target, day)
        if isinstance(result, NoRate):
            raise MissingRate(result)
        return result


def convert(
    table: RateTable, amount: Decimal, source: str, target: str, day: date
) -> Decimal | NoRate:
    """``amount`` of ``source`` in ``target`` at the rates of ``day`` (see the module).

    The same currency gives the amount back unchanged, without rounding.
    """
    if source == target:
        return amount
    source_rate = table.rate(source, day)
    if isinstance(source_rate, NoRate):
        return source_rate
    target_rate = table.rate(target, day)
    if isinstance(target_rate, NoRate):
        return target_rate
    exact = _CTX.divide(_CTX.multiply(amount, target_rate), source_rate)
    return exact.quantize(Decimal(1).scaleb(-places(target)), rounding=ROUND_HALF_UP, context=_CTX)


def to_base(table: RateTable, base: str) -> Callable[[Decimal, str | None, date], Decimal]:
    """A converter into ``base`` for the calendar (``schedule.ToBase``): an amount in
    ``base`` (or with no currency) as it is, any other by ``convert``, raising
    ``MissingRate`` where a rate is missing."""

    def converted(amount: Decimal, currency: str | None, day: date) -> Decimal:
        if currency is None or currency == base:
            return amount
        return table.convert_or_raise(amount, currency, base, day)

    return converted
