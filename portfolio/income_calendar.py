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
from portfolio.history_trend import own_trend
from portfolio.models import Stream
from portfolio.months import add_months, month_end, month_start
from portfolio.payments import passive_payments
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

    @property
    def first_covered(self) -> CalendarMonth | None:
        return next((m for m in self.months if m.covered), None)


def _amounts(portfolios, first: date, last: date):
    """Stream and entry amounts of ``portfolios`` in the base currency: the one place
    the calendar reads money (two queries)."""
    return stream_specs(portfolios), entry_specs(portfolios, first, last)


def income_calendar(
    owner, portfolios, *, portfolio=None, household=None, today: date
) -> IncomeCalendar:
    """The calendar of ``portfolios`` (all of ``owner``'s, ``portfolio`` alone, or what
    the members of ``household`` share with it) from ``today``'s month, counted in
    full as the month figures count it: four queries."""
    first = month_start(today)
    last = month_end(add_months(first, CALENDAR_MONTHS - 1))
    streams, entries = _amounts(portfolios, first, last)
    names = {
        pk: (name, holding or "")
        for pk, name, holding in Stream.objects.filter(portfolio__in=portfolios).values_list(
            "pk", "name", "holding__name"
        )
    }
    figures = schedule.month_totals(streams, entries, first, last)
    months = []
    for (month, payments), figure in zip(
        passive_payments(streams, entries, first, CALENDAR_MONTHS), figures, strict=True
    ):
        lines = []
        for payment in payments:
            stream, holding = names.get(
                payment.stream_id, (categories.LABEL_OF[payment.category], "")
            )
            lines.append(
                CalendarLine(
                    payment.date,
                    stream,
                    holding,
                    payment.amount,
                    payment.recorded,
                    payment.stream_id,
                    payment.category,
                )
            )
        months.append(CalendarMonth(month, lines, figure.passive, figure.spending))
    trend = own_trend(owner, portfolio=portfolio, household=household, today=today)
    return IncomeCalendar(
        months=months,
        next_ratio=None if trend is None else next_round_ratio(trend.trend, first),
    )
