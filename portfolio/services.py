"""Reading a user's rows into the pure core, and multi-step writes.

Each function loads what it needs in a fixed number of queries, whatever the
amount of data, and leaves every formula to ``schedule`` and ``metrics``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery

from portfolio import categories, months, schedule
from portfolio.figures import Figures, compute_figures
from portfolio.models import Entry, Holding, Portfolio, Stream, Valuation


def holdings_with_value(portfolios: QuerySet[Portfolio] | Iterable[Portfolio], as_of: date):
    """Holdings annotated with ``value``: their latest valuation on or before ``as_of``."""
    latest = Valuation.objects.filter(holding=OuterRef("pk"), date__lte=as_of).order_by(
        "-date", "-pk"
    )
    return Holding.objects.filter(portfolio__in=portfolios).annotate(
        value=Subquery(latest.values("value")[:1])
    )


def balance_sheet(holdings: Iterable[Holding]) -> tuple[Decimal, Decimal]:
    """(liquid assets, net worth) of holdings from ``holdings_with_value``."""
    zero = Decimal(0)
    values = [(h.liquid, h.value or zero) for h in holdings]
    net_worth = sum((value for _, value in values), start=zero)
    liquid = sum((value for is_liquid, value in values if is_liquid), start=zero)
    return liquid, net_worth


def has_any_data(portfolios) -> bool:
    """Whether anything was recorded yet: an empty account gets a guided first step."""
    return (
        Holding.objects.filter(portfolio__in=portfolios).exists()
        or Stream.objects.filter(portfolio__in=portfolios).exists()
        or Entry.objects.filter(portfolio__in=portfolios).exists()
    )


def stream_specs(portfolios) -> list[schedule.StreamSpec]:
    return [stream.spec() for stream in Stream.objects.filter(portfolio__in=portfolios)]


def entry_specs(portfolios, first: date, last: date) -> list[schedule.EntrySpec]:
    rows = Entry.objects.filter(portfolio__in=portfolios, date__range=(first, last))
    return [entry.spec() for entry in rows]


@dataclass(frozen=True)
class OwnerData:
    """Streams, entries and valued holdings of some portfolios, loaded once.

    ``figures_from`` then computes figures for any of those portfolios, or all of
    them, at any date the loaded entries cover, without another query.
    """

    streams: list[schedule.StreamSpec]
    entries: list[schedule.EntrySpec]
    holdings: list[Holding]


def load_owner_data(portfolios, *, first: date, last: date, values_on: date) -> OwnerData:
    """Three queries: streams, entries dated ``first``..``last``, holdings valued on a day."""
    return OwnerData(
        streams=stream_specs(portfolios),
        entries=entry_specs(portfolios, first, last),
        holdings=list(holdings_with_value(portfolios, values_on)),
    )


def figures_from(data: OwnerData, as_of: date, portfolio_id: int | None = None) -> Figures:
    """Figures at ``as_of`` of one loaded portfolio, or of all of them (``None``)."""

    def mine(row) -> bool:
        return portfolio_id is None or row.portfolio_id == portfolio_id

    streams = [s for s in data.streams if mine(s)]
    entries = [e for e in data.entries if mine(e)]
    liquid, net_worth = balance_sheet(h for h in data.holdings if mine(h))
    return compute_figures(
        as_of=as_of,
        totals=schedule.ttm(streams, entries, as_of),
        liquid_assets=liquid,
        net_worth=net_worth,
        passive_hours=passive_hours(streams, as_of),
    )


def passive_hours(streams: Iterable[schedule.StreamSpec], as_of: date) -> Decimal:
    """Hours per month taken by the passive streams running in ``as_of``'s month.

    Shared with the snapshots, which need it for every month of a history.
    """
    month_start, month_end = months.month_bounds(as_of.year, as_of.month)
    return sum(
        (
            s.hours_per_month
            for s in streams
            if categories.GROUP_OF[s.category] == categories.PASSIVE
            and s.first_date <= month_end
            and (s.end_date is None or s.end_date >= month_start)
        ),
        start=Decimal(0),
    )


def figures_for(*, portfolios, as_of: date) -> Figures:
    """Every dashboard figure for ``portfolios`` (one, or all of a user's) at ``as_of``."""
    data = load_owner_data(
        portfolios,
        first=months.window_start(as_of),
        last=months.month_end(as_of),
        values_on=as_of,
    )
    return figures_from(data, as_of)


@transaction.atomic
def stream_confirm_month(*, stream: Stream, year: int, month: int) -> list[Entry]:
    """Turn a stream's expected payments in a month into entries, once.

    Returns the entries made; none when the month already has entries for the stream
    (they already replace the expected amount) or the stream pays nothing then.
    """
    # Lock the stream so two clicks at once cannot both confirm the month.
    stream = Stream.objects.select_for_update().get(pk=stream.pk)
    first, last = months.month_bounds(year, month)
    if stream.entries.filter(date__range=(first, last)).exists():
        return []
    entries = [
        Entry(
            portfolio_id=stream.portfolio_id,
            stream=stream,
            date=paid_on,
            amount=stream.amount,
            category=stream.category,
            note="Confirmed expected payment",
        )
        for paid_on in schedule.payment_dates(stream.spec(), year, month)
    ]
    if entries:
        # bulk_create sends no signals: mark the snapshots stale here. (Imported
        # here because the snapshots service itself builds on this module.)
        from portfolio.snapshots import mark_dirty

        owner_id = Portfolio.objects.values_list("owner_id", flat=True).get(pk=stream.portfolio_id)
        mark_dirty(owner_id, first)
    return Entry.objects.bulk_create(entries)
