"""The passive-income calendar: the next twelve months of expected passive payments,
each month's total against its expected spending, and the milestones ahead.

The payments are ``portfolio.payments`` and the month figures
``schedule.month_totals``; this module loads the rows, names the streams and
holdings, and runs a fixed number of queries whatever the number of streams.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from portfolio import categories, metrics, schedule
from portfolio.conversion import MissingRate, to_base
from portfolio.history_trend import own_trend
from portfolio.models import Stream
from portfolio.months import add_months, month_end, month_start
from portfolio.payments import passive_payments
from portfolio.rates import load_rates
from portfolio.selectors import entry_specs, stream_specs
from portfolio.trend import next_round_ratio

CALENDAR_MONTHS = 12
ZERO = Decimal(0)


@dataclass(frozen=True)
class CalendarLine:
    date: date
    stream: str  # the stream's name, or the category of an entry without one
    holding: str  # "" when the stream has no holding
    amount: Decimal
    recorded: bool  # an entry already recorded, not an expected payment
    stream_id: int | None
    category: str


@dataclass(frozen=True)
class CalendarMonth:
    month: date
    lines: list[CalendarLine]
    passive: Decimal  # the month figure of passive income
    spending: Decimal  # the month figure of spending

    @property
    def coverage(self) -> Decimal | None:
        """The share of the month's spending its passive income pays."""
        return metrics.passive_coverage(max(self.passive, ZERO), max(self.spending, ZERO))

    @property
    def covered(self) -> bool:
        """Passive income alone pays the month's spending (and there is some)."""
        return self.spending > 0 and self.passive >= self.spending


@dataclass(frozen=True)
class IncomeCalendar:
    months: list[CalendarMonth]
    # The next round ratio the trend reaches and its month (None: not at this pace);
    # None without a trend, or with every round ratio behind.
    next_ratio: tuple[Decimal, date | None] | None
    currency: str  # the amounts'
    no_rate: str | None = None  # "no rate for ARS on or before ...": no figures then

    @property
    def first_covered(self) -> CalendarMonth | None:
        return next((m for m in self.months if m.covered), None)

    @property
    def spending_expected(self) -> bool:
        """Whether any month ahead has spending: without, no month can be "covered",
        and the page asks for spending rather than saying none is."""
        return any(m.spending > 0 for m in self.months)


def _amounts(portfolios, first: date, last: date, currency: str):
    """Stream and entry amounts of ``portfolios``, and the converter into ``currency``
    at each payment's date (a future date takes the latest published rate): the one
    place the calendar reads money (two queries, a third for rates when needed)."""
    streams, entries = stream_specs(portfolios), entry_specs(portfolios, first, last)
    others = {row.currency for row in (*streams, *entries)} - {currency}
    rates = load_rates({*others, currency}, first, last, owners=portfolios.values("owner_id"))
    return streams, entries, to_base(rates, currency)


def income_calendar(
    owner, portfolios, *, portfolio=None, household=None, today: date
) -> IncomeCalendar:
    """The calendar of ``portfolios`` (all of ``owner``'s, ``portfolio`` alone, or what
    the members of ``household`` share with it) from ``today``'s month, counted in
    full as the month figures count it: four queries."""
    first = month_start(today)
    last = month_end(add_months(first, CALENDAR_MONTHS - 1))
    # A household's calendar is in its creator's base currency, as its figures are.
    currency = household.currency() if household is not None else owner.currency
    streams, entries, convert = _amounts(portfolios, first, last, currency)
    names = {
        pk: (name, holding or "")
        for pk, name, holding in Stream.objects.filter(portfolio__in=portfolios).values_list(
            "pk", "name", "holding__name"
        )
    }
    try:
        figures = schedule.month_totals(streams, entries, first, last, to_base=convert)
        months = [
            CalendarMonth(
                month,
                [_line(payment, names, convert) for payment in payments],
                figure.passive,
                figure.spending,
            )
            for (month, payments), figure in zip(
                passive_payments(streams, entries, first, CALENDAR_MONTHS), figures, strict=True
            )
        ]
    except MissingRate as missing:
        return IncomeCalendar(
            months=[], next_ratio=None, currency=currency, no_rate=missing.no_rate.message
        )
    trend = own_trend(owner, portfolio=portfolio, household=household, today=today)
    return IncomeCalendar(
        months=months,
        next_ratio=None if trend is None else next_round_ratio(trend.trend, first),
        currency=currency,
    )


def _line(payment, names: dict, convert) -> CalendarLine:
    """A payment with its stream's and holding's names, in the calendar's currency."""
    stream, holding = names.get(payment.stream_id, (categories.LABEL_OF[payment.category], ""))
    return CalendarLine(
        payment.date,
        stream,
        holding,
        convert(payment.amount, payment.currency, payment.date),
        payment.recorded,
        payment.stream_id,
        payment.category,
    )
