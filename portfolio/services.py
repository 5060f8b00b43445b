"""Multi-step writes: each keeps its rows and the snapshots' marker in one transaction.

Reads are in ``portfolio.selectors``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from portfolio import months, schedule
from portfolio.models import Entry, Holding, Portfolio, Stream
from portfolio.snapshots import hold_recomputes, mark_dirty


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
            currency=stream.currency,
            category=stream.category,
            note="Confirmed expected payment",
        )
        for paid_on in schedule.payment_dates(stream.spec(), year, month)
    ]
    if entries:
        # bulk_create sends no signals: mark the snapshots stale here.
        owner_id = Portfolio.objects.values_list("owner_id", flat=True).get(pk=stream.portfolio_id)
        mark_dirty(owner_id, first)
    return Entry.objects.bulk_create(entries)


@transaction.atomic
def holding_create(*, holding: Holding, value: Decimal | None, valued_on: date | None) -> Holding:
    """Save a new ``holding`` (unsaved) and, when ``value`` is given, its first valuation."""
    holding.save()
    if value is not None:
        holding.valuations.create(date=valued_on, value=value)
    return holding


@transaction.atomic
def portfolio_delete(*, portfolio: Portfolio) -> bool:
    """Delete ``portfolio`` and everything in it, unless it is its owner's only one
    (then False: a user always has a portfolio)."""
    # The owner's recompute lock before any row's (see ``hold_recomputes``); then the
    # owner's portfolios: two deletes at once must not leave none.
    hold_recomputes([portfolio.owner_id])
    mine = Portfolio.objects.filter(owner_id=portfolio.owner_id).select_for_update()
    if len(mine.values_list("pk", flat=True)) < 2:
        return False
    portfolio.delete()
    return True


@transaction.atomic
def portfolio_share(*, portfolio: Portfolio, sharing: str) -> None:
    """Share ``portfolio`` with its owner's household (or make it private again).

    The owner is marked dirty from this month: their recompute recomputes their
    household's snapshots too, which now count the portfolio or no longer do.
    """
    Portfolio.objects.filter(pk=portfolio.pk).update(sharing=sharing)
    portfolio.sharing = sharing
    mark_dirty(portfolio.owner_id, timezone.localdate())


@transaction.atomic
def portfolios_unshare(*, owner_id: int) -> int:
    """Every portfolio of ``owner_id`` private again: they left their household, and
    joining another must not share anything by itself."""
    return (
        Portfolio.objects.filter(owner_id=owner_id)
        .exclude(sharing=Portfolio.Sharing.PRIVATE)
        .update(sharing=Portfolio.Sharing.PRIVATE)
    )
