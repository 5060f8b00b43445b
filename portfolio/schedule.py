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
- Currencies: a spec's ``currency`` is None when it is in the figures' currency;
  otherwise ``to_base`` (``conversion.to_base``) converts each amount at the rate
  of its day: a payment or entry at its date, a monthly equivalent at the last day
  of its month, today's pace and holding cash flows at the as-of day. Without
  ``to_base`` amounts are taken as they are.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Context, Decimal, DivisionByZero, InvalidOperation, Overflow, localcontext
from typing import NamedTuple

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
from portfolio.months import days_in_month, month_bounds, month_index

__all__ = [
    "EntrySpec",
    "MonthTotals",
    "StreamSpec",
    "ToBase",
    "Totals",
    "as_is",
    "expected_in_month",
    "first_flow",
    "holding_monthly_nets",
    "linked_months",
    "month_totals",
    "monthly_equivalent",
    "monthly_net",
    "pace",
    "passive_hours",
    "payment_dates",
    "window_bounds",
    "window_series",
    "window_totals",
]

ZERO = Decimal(0)
_CTX = Context(prec=28, traps=[InvalidOperation, DivisionByZero, Overflow])
_STEP_MONTHS = {MONTHLY: 1, QUARTERLY: 3, HALF_YEARLY: 6, YEARLY: 12}

Month = tuple[int, int]
# (amount, its currency or None, day) -> the amount in the figures' currency.
ToBase = Callable[[Decimal, "str | None", date], Decimal]


def as_is(amount: Decimal, currency: str | None, day: date) -> Decimal:
    """No conversion: every amount is already in the figures' currency."""
    return amount


def _check_amount(owner: object, name: str, value: object, *, non_negative: bool) -> None:
    checked = checked_decimal(name, value, non_negative=non_negative)
    if checked is not value:
        # frozen dataclass: store the int as a Decimal
        object.__setattr__(owner, name, checked)


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
    currency: str | None = None

    def __post_init__(self) -> None:
        _check_category(self.category)
        if self.frequency not in FREQUENCIES:
            raise ValueError(f"frequency {self.frequency!r} is unknown")
        _check_amount(self, "amount", self.amount, non_negative=True)
        _check_amount(self, "hours_per_month", self.hours_per_month, non_negative=True)


class _EntryFields(NamedTuple):
    date: date
    amount: Decimal
    category: str
    stream_id: int | None = None
    portfolio_id: int | None = None
    currency: str | None = None


class EntrySpec(_EntryFields):
    """An actual dated cash flow, optionally linked to the stream it confirms.

    A named tuple rather than a data class: a history holds thousands of entries,
    built, read and freed by every recompute, and a tuple is the cheapest object
    for all three. ``EntrySpec(...)`` checks its fields; ``EntrySpec._make(row)``
    takes a row as it is, for rows the database has already checked (a
    ``values_list`` of ``Entry`` in this order: its constraints hold the category
    and the amount).
    """

    __slots__ = ()

    def __new__(
        cls,
        date: date,
        amount: Decimal,
        category: str,
        stream_id: int | None = None,
        portfolio_id: int | None = None,
        currency: str | None = None,
    ) -> EntrySpec:
        _check_category(category)
        amount = checked_decimal("amount", amount, non_negative=False)
        return super().__new__(cls, date, amount, category, stream_id, portfolio_id, currency)


class _Grouped:
    by_category: dict[str, Decimal]

    def group_sums(self) -> tuple[Decimal, Decimal, Decimal]:
        """(earned, passive, spending) in one pass over the categories, each group
        summed in the categories' order."""
        earned = passive = spending = ZERO
        with localcontext(_CTX):
            for category, amount in self.by_category.items():
                group = GROUP_OF[category]
                if group == EARNED:
                    earned += amount
                elif group == PASSIVE:
                    passive += amount
                else:
                    spending += amount
        return earned, passive, spending

    @property
    def earned(self) -> Decimal:
        return self.group_sums()[0]

    @property
    def passive(self) -> Decimal:
        return self.group_sums()[1]

    @property
    def spending(self) -> Decimal:
        return self.group_sums()[2]


@dataclass(frozen=True)
class MonthTotals(_Grouped):
    """Flows of one calendar month by category, with group sums as properties."""

    year: int
    month: int
    by_category: dict[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class Totals(_Grouped):
    """Flows of the ``months`` calendar months (1 to 12) ending with (``year``, ``month``)."""

    year: int
    month: int
    by_category: dict[str, Decimal] = field(default_factory=dict)
    months: int = 12


def _month_index(month: Month | date, name: str) -> int:
    if isinstance(month, date):
        year, number = month.year, month.month
    else:
        year, number = month
    if not (1 <= number <= 12 and 1 <= year <= 9999):
        raise ValueError(f"{name} must be a valid (year, month)")
    return month_index(date(year, number, 1))


def _from_index(index: int) -> Month:
    """(year, month) of a month index known to be valid (checked by ``_month_index``)."""
    year, number = divmod(index, 12)
    return year, number + 1


def payment_dates(stream: StreamSpec, year: int, month: int) -> list[date]:
    """The dates in (``year``, ``month``) on which ``stream`` pays, in order."""
    return _payment_dates(stream, year, month, calendar.monthrange(year, month)[1])


def _payment_dates(stream: StreamSpec, year: int, month: int, last_day: int) -> list[date]:
    """``payment_dates`` in a month known to be valid, of ``last_day`` days."""
    first = stream.first_date
    end = stream.end_date
    if stream.frequency == ONCE:
        in_month = (first.year, first.month) == (year, month)
        return [first] if in_month and (end is None or first <= end) else []
    if stream.frequency == WEEKLY:
        return [date.fromordinal(d) for d in _weekly_ordinals(stream, year, month, last_day)]
    since_first = year * 12 + month - 1 - month_index(first)
    if since_first < 0 or since_first % _STEP_MONTHS[stream.frequency]:
        return []
    paid = date(year, month, min(first.day, last_day))
    return [paid] if end is None or paid <= end else []


def _weekly_ordinals(stream: StreamSpec, year: int, month: int, last_day: int) -> range:
    """The ordinals of a weekly stream's payment dates in a valid month of ``last_day``
    days: ordinals, so a stream near date.max never builds an out-of-range date, and
    a count of payments needs no date at all."""
    first = stream.first_date
    lo = max(date(year, month, 1), first).toordinal()
    hi = date(year, month, last_day).toordinal()
    if stream.end_date is not None:
        hi = min(hi, stream.end_date.toordinal())
    start = first.toordinal()
    k = -(-(lo - start) // 7)  # ceil: first weekly payment on or after lo
    return range(start + 7 * k, hi + 1, 7)


def expected_in_month(
    stream: StreamSpec, year: int, month: int, *, to_base: ToBase = as_is
) -> Decimal:
    """What ``stream`` is expected to pay in (``year``, ``month``), ignoring entries;
    each payment converted at its date."""
    with localcontext(_CTX):
        return sum(
            (
                to_base(stream.amount, stream.currency, day)
                for day in payment_dates(stream, year, month)
            ),
            start=ZERO,
        )


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


def monthly_net(
    streams: Iterable[StreamSpec], *, to_base: ToBase = as_is, on: date | None = None
) -> Decimal:
    """Monthly net cash flow of streams: income (earned, passive) minus outgoing,
    converted at the rates of ``on`` (needed with ``to_base``).

    A holding's cash flow for ``metrics.holding_class`` is ``holding_monthly_nets``,
    which adds the streams of the loans secured against it.
    """
    with localcontext(_CTX):
        net = ZERO
        for stream in streams:
            amount = to_base(monthly_equivalent(stream), stream.currency, on)
            net += -amount if GROUP_OF[stream.category] == OUTGOING else amount
        return net


def holding_monthly_nets(
    streams: Iterable[StreamSpec],
    *,
    secured_against: Mapping[int, int],
    as_of: date,
    to_base: ToBase = as_is,
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
    return {
        holding_id: monthly_net(specs, to_base=to_base, on=as_of)
        for holding_id, specs in linked.items()
    }


def month_totals(
    streams: Iterable[StreamSpec],
    entries: Iterable[EntrySpec],
    first_month: Month | date,
    last_month: Month | date,
    *,
    to_base: ToBase = as_is,
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
    return [
        MonthTotals(*_from_index(lo + offset), by_category=by_category)
        for offset, by_category in enumerate(_month_sums(streams, entries, lo, hi, to_base))
    ]


def _month_sums(
    streams: Iterable[StreamSpec],
    entries: Iterable[EntrySpec],
    lo: int,
    hi: int,
    to_base: ToBase,
) -> list[dict[str, Decimal]]:
    """``month_totals``' sums by category of the months ``lo``..``hi`` (month indexes)."""
    sums: list[dict[str, Decimal]] = [{} for _ in range(hi - lo + 1)]
    replaced: set[tuple[int, int]] = set()  # (stream id, month index) with actual entries

    with localcontext(_CTX):
        # Unpacked: the loop runs for every entry of a history, the hottest of a recompute.
        for day, amount, category, stream_id, _portfolio_id, currency in entries:
            index = month_index(day)
            if lo <= index <= hi:
                # An amount in the figures' currency (None) needs no converter call:
                # most of a history's entries.
                if currency is not None:
                    amount = to_base(amount, currency, day)
                month = sums[index - lo]
                month[category] = month.get(category, ZERO) + amount
                if stream_id is not None:
                    replaced.add((stream_id, index))

        for stream in streams:
            first = month_index(stream.first_date)
            start = max(lo, first)
            stop = hi
            end = None if stream.end_date is None else month_index(stream.end_date)
            if end is not None:
                stop = min(stop, end)
            if stream.frequency == ONCE:
                stop = min(stop, first)
            step = _STEP_MONTHS.get(stream.frequency, 1)
            start += -(start - first) % step  # first month on the stream's cycle
            category = stream.category
            # A monthly to yearly stream in the figures' currency pays its amount once
            # in every month of its cycle (on its first date's day, clamped to the
            # month's end); only in the month of its end date can that day be too
            # late. A weekly one in the figures' currency pays its amount on each of
            # the month's payment days: only how many there are matters. Every other
            # month and stream asks the calendar for its days.
            once_a_cycle = stream.currency is None and stream.frequency in _STEP_MONTHS
            counted = stream.currency is None and stream.frequency == WEEKLY
            for index in range(start, stop + 1, step):
                if (stream.id, index) in replaced:
                    continue
                if once_a_cycle and index != end:
                    paid = stream.amount
                else:
                    year, number = divmod(index, 12)
                    number += 1
                    last_day = days_in_month(year, number)
                    if counted:
                        count = len(_weekly_ordinals(stream, year, number, last_day))
                        if not count:
                            continue
                        paid = stream.amount * count
                    else:
                        days = _payment_dates(stream, year, number, last_day)
                        if not days:
                            continue
                        paid = _paid(stream, days, to_base)
                month = sums[index - lo]
                month[category] = month.get(category, ZERO) + paid
    return sums


def linked_months(entries: Iterable[EntrySpec]) -> set[tuple[int, int]]:
    """(stream id, month index) of every entry linked to a stream: the months in which
    the stream's actual entries replace its expected payments."""
    return {(e.stream_id, month_index(e.date)) for e in entries if e.stream_id is not None}


def _paid(stream: StreamSpec, days: list[date], to_base: ToBase) -> Decimal:
    """The stream's payments on ``days``, each converted at its date."""
    if stream.currency is None or to_base is as_is:
        return stream.amount * len(days)
    return sum((to_base(stream.amount, stream.currency, day) for day in days), start=ZERO)


def first_flow(streams: Iterable[StreamSpec], entry_dates: Iterable[date]) -> date | None:
    """The earliest stream first payment or entry: where an owner's flows begin.

    Valuations are balances, not flows, and do not count.
    """
    days = [s.first_date for s in streams]
    days.extend(entry_dates)
    return min(days, default=None)


def window_bounds(as_of: date, flows_from: date | None) -> tuple[int, int]:
    """(first month index, length n) of the owner's window at ``as_of``.

    The twelve calendar months ending with ``as_of``'s month, shortened at the front
    to the month of ``flows_from`` (the owner's first flow) when that is later. An
    owner with no flow up to ``as_of``'s month has the full twelve (all of it zero).
    """
    return _window_bounds(
        month_index(as_of), None if flows_from is None else month_index(flows_from)
    )


def _window_bounds(last: int, flows_from: int | None) -> tuple[int, int]:
    """``window_bounds`` in month indexes."""
    start = last - 11
    if flows_from is not None and flows_from <= last:
        start = max(start, flows_from)
    return start, last - start + 1


def window_series(
    streams: Sequence[StreamSpec],
    entries: Sequence[EntrySpec],
    first_month: Month | date,
    last_month: Month | date,
    *,
    flows_from: date | None,
    to_base: ToBase = as_is,
) -> list[Totals]:
    """The window totals (see ``window_bounds``) closing each month from ``first_month``
    to ``last_month``; ``flows_from`` is the owner's first flow (``first_flow``).

    ``entries`` must hold every entry of the eleven months before ``first_month`` on.

    In a window shorter than a stream's period (a quarterly stream in one or two
    months, a yearly one in fewer than twelve) the stream counts its monthly
    equivalent for each month of the window in which it is active, so that a
    yearly dividend first paid this month is a twelfth of it, not all of it;
    unless entries linked to it fall in the window, which then count as always.

    Each total is the one ``window_totals`` gives for its month alone, digit for
    digit. Consecutive windows share eleven months, so when the month sums are
    exact (``_slides``) a window is the previous one plus the month entering and
    minus the month leaving; a window shorter than twelve months, the only kind
    whose categories' order can change a group's sum, is still summed in order.
    """
    lo = _month_index(first_month, "first_month")
    hi = _month_index(last_month, "last_month")
    if lo - 11 < _month_index((1, 1), "first_month"):
        raise ValueError("first_month must be on or after 0001-12")
    base = lo - 11  # the month index of months[0]
    months = _month_sums(streams, entries, base, hi, to_base)
    slides = _slides(months)
    lumpy = _Lumpy.of(streams, entries, to_base)
    series = []
    window: dict[str, Decimal] = {}  # months ``summed_from``..``last`` by category
    present: dict[str, int] = {}  # how many of those months have each category
    summed_from = None
    flows_index = None if flows_from is None else month_index(flows_from)
    with localcontext(_CTX):
        for last in range(lo, hi + 1):
            start, length = _window_bounds(last, flows_index)
            if slides and summed_from is not None and (start == summed_from or length == 12):
                _add_month(window, present, months[last - base])
                for index in range(summed_from, start):
                    _remove_month(window, present, months[index - base])
            else:
                window, present = {}, {}
                for month in months[start - base : last - base + 1]:
                    _add_month(window, present, month)
            summed_from = start
            totals = dict(window)
            if length < 12:  # no period is longer: a full window counts payments as paid
                for stream in lumpy:
                    stream.adjust(totals, start, last, length)
            year, number = _from_index(last)
            series.append(Totals(year, number, by_category=totals, months=length))
    return series


# Month sums whose coefficients stay this many digits below the context's 28 are
# exact in any sum of fewer than a million of them (money has 14 digits).
_SLIDE_HEADROOM = 8


def _slides(months: list[dict[str, Decimal]]) -> bool:
    """Whether windows of these month sums may slide: every sum of them is exact and
    has the exponent of a sum in order.

    True when all the sums have one exponent (cents, as stored money has) and a
    coefficient of at most 20 digits: then adding and removing months gives the
    same digits, and the same exponent, as adding the window's months afresh. Other
    sums (amounts of many digits, or of mixed places) are summed afresh.
    """
    quantum = None
    for month in months:
        for amount in month.values():
            if quantum is None:
                quantum = amount
                exponent = amount.as_tuple().exponent
                top = exponent + _CTX.prec - _SLIDE_HEADROOM - 1
            if not amount.same_quantum(quantum) or (amount and amount.adjusted() > top):
                return False
    return True


def _add_month(window: dict[str, Decimal], present: dict[str, int], month) -> None:
    for category, amount in month.items():
        if category in window:
            window[category] += amount
            present[category] += 1
        else:
            window[category] = ZERO + amount
            present[category] = 1


def _remove_month(window: dict[str, Decimal], present: dict[str, int], month) -> None:
    for category, amount in month.items():
        if present[category] == 1:
            # No month of the window has the category any more: absent, as in a sum afresh.
            del window[category], present[category]
        else:
            window[category] -= amount
            present[category] -= 1


class _Lumpy:
    """A quarterly, half-yearly or yearly stream in windows shorter than its period
    (see ``window_series``); what it changes in a month is the same in every window."""

    def __init__(self, stream: StreamSpec, confirmed: list[int], to_base: ToBase) -> None:
        self.stream = stream
        self.step = _STEP_MONTHS[stream.frequency]
        self.confirmed = confirmed  # months with entries linked to it
        self.first = month_index(stream.first_date)
        self.end = month_index(stream.end_date) if stream.end_date else None
        self.equivalent = monthly_equivalent(stream)
        self.to_base = to_base
        self.changes: dict[int, Decimal] = {}  # month index -> equivalent - expected

    @classmethod
    def of(cls, streams: Sequence[StreamSpec], entries, to_base: ToBase) -> list[_Lumpy]:
        lumpy = [s for s in streams if s.frequency in (QUARTERLY, HALF_YEARLY, YEARLY)]
        if not lumpy:
            return []
        confirmed: dict[int | None, list[int]] = defaultdict(list)
        for stream_id, index in linked_months(entries):
            confirmed[stream_id].append(index)
        return [cls(s, confirmed.get(s.id, []), to_base) for s in lumpy]

    def adjust(self, window: dict[str, Decimal], start: int, last: int, length: int) -> None:
        """Count the monthly equivalent in the window ``start``..``last`` instead of the
        payments, unless the window is long enough or holds entries linked to it."""
        if length >= self.step or any(start <= index <= last for index in self.confirmed):
            return
        stop = last if self.end is None else min(last, self.end)
        category = self.stream.category
        for index in range(max(start, self.first), stop + 1):
            change = self.changes.get(index)
            if change is None:
                change = self.changes[index] = self._change(index)
            window[category] = window.get(category, ZERO) + change

    def _change(self, index: int) -> Decimal:
        stream = self.stream
        year, number = _from_index(index)
        # The monthly equivalent counts at the rate of its month's last day.
        return self.to_base(
            self.equivalent, stream.currency, month_bounds(year, number)[1]
        ) - expected_in_month(stream, year, number, to_base=self.to_base)


def window_totals(
    streams: Sequence[StreamSpec],
    entries: Sequence[EntrySpec],
    as_of: date,
    *,
    flows_from: date | None,
    to_base: ToBase = as_is,
) -> Totals:
    """The owner's window at ``as_of`` (``window_bounds``), ``as_of``'s month counted in
    full from its expected and actual flows."""
    return window_series(streams, entries, as_of, as_of, flows_from=flows_from, to_base=to_base)[0]


def pace(streams: Iterable[StreamSpec], as_of: date, *, to_base: ToBase = as_is) -> Totals:
    """Monthly equivalents of the streams running on ``as_of``: one month "at today's pace".

    What the figures will settle at once today's streams have run for a while: a
    newly bought asset shows at once. One-off flows are not a pace and count nothing.
    """
    by_category: dict[str, Decimal] = defaultdict(lambda: ZERO)
    with localcontext(_CTX):
        for stream in streams:
            if stream.first_date <= as_of and (stream.end_date is None or stream.end_date >= as_of):
                by_category[stream.category] += to_base(
                    monthly_equivalent(stream), stream.currency, as_of
                )
    return Totals(as_of.year, as_of.month, by_category=dict(by_category), months=1)


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
