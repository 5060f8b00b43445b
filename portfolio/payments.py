"""The passive payments of coming months, one by one, pure Python (no Django import).

The month figures (``schedule.month_totals``) sum what each month brings; this
lists the passive part of it payment by payment, by the same rules: a stream
pays on its ``schedule.payment_dates``, except in a month in which entries are
linked to it (``schedule.linked_months``), where those entries are the payments;
entries without a stream are payments of their own. So a month's payments add up
to its passive month figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from portfolio.categories import GROUP_OF, PASSIVE
from portfolio.months import from_index, month_index
from portfolio.schedule import EntrySpec, StreamSpec, linked_months, payment_dates

__all__ = ["Payment", "passive_payments"]


@dataclass(frozen=True)
class Payment:
    """One passive payment: expected from a stream, or ``recorded`` as an entry."""

    date: date
    amount: Decimal
    category: str
    stream_id: int | None
    recorded: bool
    currency: str | None = None  # the amount's; None: the base currency


def passive_payments(
    streams: Sequence[StreamSpec], entries: Sequence[EntrySpec], first: date, months: int
) -> list[tuple[date, list[Payment]]]:
    """(first day of the month, its passive payments by date) for ``months`` months
    from ``first``'s, each month counted in full."""
    lo = month_index(first)
    hi = lo + months - 1
    replaced = linked_months(entries)
    by_month: list[list[Payment]] = [[] for _ in range(months)]
    for entry in entries:
        index = month_index(entry.date)
        if lo <= index <= hi and GROUP_OF[entry.category] == PASSIVE:
            by_month[index - lo].append(
                Payment(
                    entry.date,
                    entry.amount,
                    entry.category,
                    entry.stream_id,
                    recorded=True,
                    currency=entry.currency,
                )
            )
    for stream in streams:
        if GROUP_OF[stream.category] != PASSIVE:
            continue
        for index in range(lo, hi + 1):
            if (stream.id, index) in replaced:
                continue
            day = from_index(index)
            for paid in payment_dates(stream, day.year, day.month):
                by_month[index - lo].append(
                    Payment(
                        paid,
                        stream.amount,
                        stream.category,
                        stream.id,
                        recorded=False,
                        currency=stream.currency,
                    )
                )
    return [
        (from_index(lo + offset), sorted(payments, key=lambda p: (p.date, p.stream_id or 0)))
        for offset, payments in enumerate(by_month)
    ]
