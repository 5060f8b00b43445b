"""Reads for a batch of owners at once: ``load_owner_data`` for many users in a few queries.

A batch job that needs every owner's ``OwnerData`` (the monthly e-mails' goal cards:
the projected 31 December) would otherwise run ``load_owner_data``'s four queries
per user. ``load_owners_data`` runs the same four for the whole batch, each row
tagged with its owner, and hands each owner the ``OwnerData`` that
``load_owner_data`` of all their portfolios would have built: the same specs,
holdings, first entries and rates, so ``figures_at`` gives the same figures.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import date
from functools import partial

from django.db.models import Case, DateField, F, Min, Sum, When
from django.db.models.functions import Cast, TruncMonth

from portfolio import schedule
from portfolio.models import Entry, Portfolio, Stream
from portfolio.rates import load_rates
from portfolio.selectors import OwnerData, holdings_with_value


class OwnersData(dict[int, OwnerData]):
    """{owner id: OwnerData}; looking up an owner whose rows could not be read (a
    row written in SQL that breaks a rule of the core) raises the error met for them,
    so that a batch can set that owner aside and go on with the others."""

    def __init__(self, loaded: dict[int, OwnerData], errors: dict[int, Exception]) -> None:
        super().__init__(loaded)
        self.errors = errors

    def __missing__(self, owner_id: int) -> OwnerData:
        if owner_id in self.errors:
            raise self.errors[owner_id]
        raise KeyError(owner_id)


def load_owners_data(
    currencies: Mapping[int, str], *, first: date, last: date, values_on: date
) -> OwnersData:
    """{owner id: ``load_owner_data`` of all that owner's portfolios} for the owners
    of ``currencies`` ({owner id: their base currency}), with the same ``first``,
    ``last`` and ``values_on`` for all.

    Four queries whatever the number of owners (streams, entries summed by month,
    first entries, valued holdings), and one more for each owner with an amount in
    another currency than their own (their rates, as ``load_owner_data`` loads them).
    """
    owner_ids = sorted(currencies)
    errors: dict[int, Exception] = {}
    if not owner_ids:
        return OwnersData({}, errors)
    portfolios = Portfolio.objects.filter(owner_id__in=owner_ids)

    streams: dict[int, list[schedule.StreamSpec]] = defaultdict(list)
    for stream in (
        Stream.objects.filter(portfolio__owner_id__in=owner_ids)
        .annotate(owner_id=F("portfolio__owner_id"))
        # Each owner's streams in ``stream_specs``'s order (the model's).
        .order_by("owner_id", "category", "name", "pk")
    ):
        try:
            streams[stream.owner_id].append(stream.spec())
        except Exception as exc:  # that owner's error, raised on lookup
            errors.setdefault(stream.owner_id, exc)

    entries: dict[int, list[schedule.EntrySpec]] = defaultdict(list)
    for owner_id, make in _entry_sums(owner_ids, first, last):
        try:
            entries[owner_id].append(make())
        except Exception as exc:
            errors.setdefault(owner_id, exc)

    first_entries: dict[int, dict[int, date]] = defaultdict(dict)
    for owner_id, portfolio_id, day in (
        Entry.objects.filter(portfolio__owner_id__in=owner_ids)
        .order_by()
        .values("portfolio_id")
        .annotate(first=Min("date"))
        .values_list("portfolio__owner_id", "portfolio_id", "first")
    ):
        first_entries[owner_id][portfolio_id] = day

    holdings = defaultdict(list)
    for holding in (
        holdings_with_value(portfolios, values_on)
        .annotate(owner_id=F("portfolio__owner_id"))
        .order_by("owner_id", "kind", "name", "pk")
    ):
        holdings[holding.owner_id].append(holding)

    loaded = {}
    for owner_id in owner_ids:
        if owner_id in errors:
            continue
        currency = currencies[owner_id]
        data = OwnerData(
            streams=streams[owner_id],
            entries=entries[owner_id],
            holdings=holdings[owner_id],
            first_entries=first_entries[owner_id],
            currency=currency,
        )
        others = data.other_currencies()
        if others:
            # Rare (amounts in a second currency): the owner's own query, so that
            # their manual rates stay theirs.
            data = replace(
                data,
                rates=load_rates(
                    {*others, currency},
                    min(first, values_on),
                    max(last, values_on),
                    owners=[owner_id],
                ),
            )
        loaded[owner_id] = data
    return OwnersData(loaded, errors)


def _entry_sums(
    owner_ids: Iterable[int], first: date, last: date
) -> list[tuple[int, Callable[[], schedule.EntrySpec]]]:
    """``selectors.entry_sums`` for many owners at once, each in the owner's own base
    currency: (owner id, a maker of the spec) per portfolio, stream, category and
    month (per day for an amount in another currency). The spec is made by the
    caller, who can tell whose row broke a rule."""
    day = Case(
        When(currency=F("portfolio__owner__currency"), then=Cast(TruncMonth("date"), DateField())),
        default=F("date"),
        output_field=DateField(),
    )
    rows = (
        Entry.objects.filter(portfolio__owner_id__in=list(owner_ids), date__range=(first, last))
        .order_by()
        .values_list(
            "portfolio__owner_id", "portfolio_id", "stream_id", "category", "currency", day
        )
        .annotate(total=Sum("amount"))
    )
    return [
        (
            owner_id,
            partial(
                schedule.EntrySpec,
                date=on,
                amount=total,
                category=category,
                stream_id=stream_id,
                portfolio_id=portfolio_id,
                currency=entry_currency,
            ),
        )
        for owner_id, portfolio_id, stream_id, category, entry_currency, on, total in rows
    ]
