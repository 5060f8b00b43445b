"""The payment calendar of streams and the month figures (docs/metrics.md), pure Python.

No Django import: callers turn model rows into ``StreamSpec`` and ``EntrySpec`` and
get plain totals back.

Conventions:

- A stream pays ``amount`` on each payment date. Weekly: ``first_date`` + 7k days.
  Monthly, quarterly, half-yearly, yearly: every 1, 3, 6 or 12 months from the
  first month, on the first date's day clamped to the month's last day (first paid
  31 January: 28/29 February, 31 March, 30 April...; the day is always taken from
  ``first_date``, never from the previous payment). Once: ``first_date`` only.
  Nothing is paid before ``first_date`` or after ``end_date`` (both inclusive).
- Month figures: each stream contributes its expected payments in the month,
  except when entries linked to it (``stream_id``) fall in that month: then those
  entries replace its expected amount for the month. Entries without a stream add
  to their category. Each entry counts in its own category.
- Totals are keyed by category; a category with no flow in the period is absent
  (read with ``.get(category, Decimal(0))``). Stream amounts are >= 0; entry amounts
  may be negative (corrections). Outgoing amounts are positive numbers of spending.
- Sums are exact ``Decimal`` additions (28 significant digits, far beyond any
  12-integer-digit money), so totals never drift a cent.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Context, Decimal, DivisionByZero, InvalidOperation, Overflow, localcontext
from itertools import pairwise

from portfolio.categories import (
    EARNED,
    FREQUENCIES,
    GROUP_OF,
    HALF_YEARLY,
    MONTHLY,
    ONCE,
    OUTGOING,
    PASSIVE,
    QUARTERLY,
    WEEKLY,
    YEARLY,
)
from portfolio.metrics import checked_decimal
from portfolio.months import from_index, month_bounds, month_index

__all__ = [
    "EntrySpec",
    "MonthTotals",
    "StreamSpec",
    "Totals",
    "expected_in_month",
    "holding_monthly_nets",
    "month_totals",
    "monthly_equivalent",
    "monthly_net",
    "passive_hours",
    "payment_dates",
    "ttm",
    "ttm_series",
]

ZERO = Decimal(0)
_CTX = Context(prec=28, traps=[InvalidOperation, DivisionByZero, Overflow])
_STEP_MONTHS = {MONTHLY: 1, QUARTERLY: 3, HALF_YEARLY: 6, YEARLY: 12}

Month = tuple[int, int]


def _check_amount(owner: object, name: str, value: object, *, non_negative: bool) -> None:
    value = checked_decimal(name, value, non_negative=non_negative)
    # frozen dataclass: store the int as a Decimal
    object.__setattr__(owner, name, value)


def _check_category(category: str) -> None:
    if category not in GROUP_OF:
        raise ValueError(f"category {category!r} is unknown")


@dataclass(frozen=True)
class StreamSpec:
    """A recurring cash flow as the calendar sees it."""

    id: int | None
    category: str
    amount: Decimal
    frequency: str
    first_date: date
    end_date: date | None = None
    hours_per_month: Decimal = ZERO
    holding_id: int | None = None
    portfolio_id: int | None = None

    def __post_init__(self) -> None:
        _check_category(self.category)
        if self.frequency not in FREQUENCIES:
            raise ValueError(f"frequency {self.frequency!r} is unknown")
        _check_amount(self, "amount", self.amount, non_negative=True)
        _check_amount(self, "hours_per_month", self.hours_per_month, non_negative=True)


@dataclass(frozen=True)
class EntrySpec:
    """An actual dated cash flow, optionally linked to the stream it confirms."""

    date: date
    amount: Decimal
    category: str
    stream_id: int | None = None
    portfolio_id: int | None = None

    def __post_init__(self) -> None:
        _check_category(self.category)
        _check_amount(self, "amount", self.amount, non_negative=False)


class _Grouped:
    by_category: dict[str, Decimal]

    def _group_sum(self, group: str) -> Decimal:
        with localcontext(_CTX):
            return sum((v for c, v in self.by_category.items() if GROUP_OF[c] == group), start=ZERO)

    @property
    def earned(self) -> Decimal:
        return self._group_sum(EARNED)

    @property
    def passive(self) -> Decimal:
        return self._group_sum(PASSIVE)

    @property
    def spending(self) -> Decimal:
        return self._group_sum(OUTGOING)


@dataclass(frozen=True)
class MonthTotals(_Grouped):
    """Flows of one calendar month by category, with group sums as properties."""

    year: int
    month: int
    by_category: dict[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class Totals(_Grouped):
    """Flows of the twelve calendar months ending with (``year``, ``month``)."""

    year: int
    month: int
    by_category: dict[str, Decimal] = field(default_factory=dict)


def _month_index(month: Month | date, name: str) -> int:
    if isinstance(month, date):
        year, number = month.year, month.month
    else:
        year, number = month
    if not (1 <= number <= 12 and 1 <= year <= 9999):
        raise ValueError(f"{name} must be a valid (year, month)")
    return month_index(date(year, number, 1))


def _from_index(index: int) -> Month:
    first = from_index(index)
    return first.year, first.month


def payment_dates(stream: StreamSpec, year: int, month: int) -> list[date]:
    """The dates in (``year``, ``month``) on which ``stream`` pays, in order."""
    last_day = calendar.monthrange(year, month)[1]
    first = stream.first_date
    end = stream.end_date
    if stream.frequency == ONCE:
        in_month = (first.year, first.month) == (year, month)
        return [first] if in_month and (end is None or first <= end) else []
    if stream.frequency == WEEKLY:
        # ordinals, so a stream near date.max never builds an out-of-range date
        lo = max(date(year, month, 1), first).toordinal()
        hi = date(year, month, last_day).toordinal()
        if end is not None:
            hi = min(hi, end.toordinal())
        start = first.toordinal()
        k = -(-(lo - start) // 7)  # ceil: first weekly payment on or after lo
        return [date.fromordinal(d) for d in range(start + 7 * k, hi + 1, 7)]
    since_first = month_index(date(year, month, 1)) - month_index(first)
    if since_first < 0 or since_first % _STEP_MONTHS[stream.frequency]:
        return []
    paid = date(year, month, min(first.day, last_day))
    return [paid] if end is None or paid <= end else []


def expected_in_month(stream: StreamSpec, year: int, month: int) -> Decimal:
    """What ``stream`` is expected to pay in (``year``, ``month``), ignoring entries."""
    with localcontext(_CTX):
        return stream.amount * len(payment_dates(stream, year, month))


def monthly_equivalent(stream: StreamSpec) -> Decimal:
    """The stream's amount per average month, for display: weekly x 52 / 12, monthly,
    quarterly / 3, half-yearly / 6, yearly / 12; a one-off payment is 0.

    The weekly figure is rounded to 28 digits (52/12 has no exact decimal).
    """
    with localcontext(_CTX):
        if stream.frequency == ONCE:
            return ZERO
        if stream.frequency == WEEKLY:
            return stream.amount * 52 / 12
        return stream.amount / _STEP_MONTHS[stream.frequency]


def monthly_net(streams: Iterable[StreamSpec]) -> Decimal:
    """Monthly net cash flow of streams: income (earned, passive) minus outgoing.

    A holding's cash flow for ``metrics.holding_class`` is ``holding_monthly_nets``,
    which adds the streams of the loans secured against it.
    """
    with localcontext(_CTX):
        net = ZERO
        for stream in streams:
            amount = monthly_equivalent(stream)
            net += -amount if GROUP_OF[stream.category] == OUTGOING else amount
        return net


def holding_monthly_nets(
    streams: Iterable[StreamSpec], *, secured_against: Mapping[int, int], as_of: date
) -> dict[int, Decimal]:
    """Monthly net cash flow of each holding (docs/metrics.md), from streams running on
    ``as_of``: those linked to it plus those linked to the loans secured against it.

    ``secured_against`` maps a loan's holding id to the holding it is secured
    against; a loan keeps its own streams too. A holding with no running stream,
    of its own or of its loans, is absent: nothing is recorded for it.
    """
    linked: dict[int, list[StreamSpec]] = defaultdict(list)
    for stream in streams:
        # A stream that has ended (a repaid loan, a sold flat's rent) no longer
        # makes its holding an asset or a liability.
        if stream.holding_id is None or (stream.end_date is not None and stream.end_date < as_of):
            continue
        linked[stream.holding_id].append(stream)
        if (home := secured_against.get(stream.holding_id)) is not None:
            linked[home].append(stream)
    return {holding_id: monthly_net(specs) for holding_id, specs in linked.items()}


def month_totals(
    streams: Iterable[StreamSpec],
    entries: Iterable[EntrySpec],
    first_month: Month | date,
    last_month: Month | date,
) -> list[MonthTotals]:
    """Month figures for every calendar month from ``first_month`` to ``last_month``.

    Months are ``(year, month)`` tuples or any date in the month, both inclusive.
    Runs in O(entries + streams x months): entries are bucketed once, and each
    stream is only visited in the months it can pay.
    """
    lo = _month_index(first_month, "first_month")
    hi = _month_index(last_month, "last_month")
    if hi < lo:
        raise ValueError("last_month must not be before first_month")
    sums: list[dict[str, Decimal]] = [defaultdict(lambda: ZERO) for _ in range(hi - lo + 1)]
    replaced: set[tuple[int, int]] = set()  # (stream id, month index) with actual entries

    with localcontext(_CTX):
        for entry in entries:
            index = month_index(entry.date)
            if lo <= index <= hi:
                sums[index - lo][entry.category] += entry.amount
                if entry.stream_id is not None:
                    replaced.add((entry.stream_id, index))

        for stream in streams:
            first = month_index(stream.first_date)
            start = max(lo, first)
            stop = hi
            if stream.end_date is not None:
                stop = min(stop, month_index(stream.end_date))
            if stream.frequency == ONCE:
                stop = min(stop, first)
            step = _STEP_MONTHS.get(stream.frequency, 1)
            start += -(start - first) % step  # first month on the stream's cycle
            for index in range(start, stop + 1, step):
                if (stream.id, index) in replaced:
                    continue
                count = len(payment_dates(stream, *_from_index(index)))
                if count:
                    sums[index - lo][stream.category] += stream.amount * count

    return [
        MonthTotals(*_from_index(lo + offset), by_category=dict(by_category))
        for offset, by_category in enumerate(sums)
    ]


def ttm_series(months: Sequence[MonthTotals]) -> list[Totals]:
    """Rolling twelve-month totals over consecutive ``MonthTotals``.

    One ``Totals`` per month that closes a full window, i.e. from the 12th input
    onwards: to get TTM figures from month M, pass month totals from M - 11.
    """
    for before, after in pairwise(months):
        if (
            month_index(date(after.year, after.month, 1))
            != month_index(date(before.year, before.month, 1)) + 1
        ):
            raise ValueError("months must be consecutive calendar months")
    series = []
    with localcontext(_CTX):
        for end in range(11, len(months)):
            window: dict[str, Decimal] = defaultdict(lambda: ZERO)
            for month in months[end - 11 : end + 1]:
                for category, amount in month.by_category.items():
                    window[category] += amount
            last = months[end]
            series.append(Totals(last.year, last.month, by_category=dict(window)))
    return series


def ttm(streams: Iterable[StreamSpec], entries: Iterable[EntrySpec], as_of: date) -> Totals:
    """Trailing twelve months: the twelve calendar months ending with ``as_of``'s
    month, that month counted in full from its expected and actual flows."""
    last = _month_index(as_of, "as_of")
    if last - 11 < _month_index((1, 1), "as_of"):
        raise ValueError("as_of must be on or after 0001-12-01")
    months = month_totals(streams, entries, _from_index(last - 11), _from_index(last))
    return ttm_series(months)[0]


def passive_hours(streams: Iterable[StreamSpec], as_of: date) -> Decimal:
    """Hours per month taken by the passive streams running in ``as_of``'s month.

    The dashboard and the snapshots (every month of a history) both read it.
    """
    month_start, month_end = month_bounds(as_of.year, as_of.month)
    return sum(
        (
            s.hours_per_month
            for s in streams
            if GROUP_OF[s.category] == PASSIVE
            and s.first_date <= month_end
            and (s.end_date is None or s.end_date >= month_start)
        ),
        start=Decimal(0),
    )
