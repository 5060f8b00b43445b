"""Reads: a user's rows loaded into the pure core, in a fixed number of queries.

Whatever the amount of data, each function runs a fixed number of queries and
leaves every formula to ``schedule`` and ``metrics``. ``figures_at`` is the
dashboard's figures at a date; ``load_owner_data`` loads once, and its
``figures_at`` then computes any date or portfolio it covers without a query.

Amounts in other currencies than the owner's base currency are converted with
the rates loaded once for the dates the figures need (``portfolio.rates``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from django.db.models import Case, DateField, F, Min, OuterRef, Q, QuerySet, Subquery, Sum, When
from django.db.models.functions import Cast, TruncMonth

from portfolio import metrics, months, schedule
from portfolio.conversion import MissingRate, NoRate, RateTable, convert, to_base
from portfolio.figures import Figures, compute_figures, unknown_figures
from portfolio.models import Entry, Holding, Portfolio, Stream, Valuation
from portfolio.rates import load_rates


def holdings_with_value(portfolios: QuerySet[Portfolio] | Iterable[Portfolio], as_of: date):
    """Holdings annotated with ``value``: their latest valuation on or before ``as_of``."""
    latest = Valuation.objects.filter(holding=OuterRef("pk"), date__lte=as_of).order_by(
        "-date", "-pk"
    )
    return Holding.objects.filter(portfolio__in=portfolios).annotate(
        value=Subquery(latest.values("value")[:1])
    )


def balance_sheet(
    holdings: Iterable[Holding],
    *,
    convert: schedule.ToBase = schedule.as_is,
    on: date | None = None,
) -> tuple[Decimal | None, Decimal | None]:
    """(liquid assets, net worth) of holdings from ``holdings_with_value``, each value
    converted by ``convert`` at the rates of ``on`` (raising ``MissingRate``).

    A holding has no value before its first valuation (unknown, not zero): with no
    valued liquid holding, liquid assets are None; with no valued holding at all,
    so is net worth.
    """
    values = [(h.liquid, convert(h.value, h.currency, on)) for h in holdings if h.value is not None]
    if not values:
        return None, None
    net_worth = sum((value for _, value in values), start=Decimal(0))
    liquid = [value for is_liquid, value in values if is_liquid]
    return (sum(liquid, start=Decimal(0)) if liquid else None), net_worth


def holding_streams(holdings: Iterable[Holding]) -> list[Stream]:
    """Streams linked to ``holdings`` or to loans secured against them, each with its
    holding loaded: one query, whatever the number of holdings."""
    ids = [holding.pk for holding in holdings]
    linked = Q(holding_id__in=ids) | Q(holding__secured_against_id__in=ids)
    return list(Stream.objects.filter(linked).select_related("holding"))


def holding_cash_flows(
    streams: Iterable[Stream], as_of: date, *, convert: schedule.ToBase = schedule.as_is
) -> dict[int, Decimal]:
    """Monthly net cash flow by holding id (its loans' streams included) of streams
    from ``holding_streams``, converted at ``as_of``'s rates; a holding with nothing
    running linked is absent."""
    streams = list(streams)
    secured_against = {
        s.holding_id: s.holding.secured_against_id
        for s in streams
        if s.holding is not None and s.holding.secured_against_id is not None
    }
    return schedule.holding_monthly_nets(
        [s.spec() for s in streams], secured_against=secured_against, as_of=as_of, to_base=convert
    )


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


def entry_sums(portfolios, first: date, last: date, *, currency: str) -> list[schedule.EntrySpec]:
    """The entries dated ``first``..``last`` summed in SQL, as the figures count them.

    One spec per portfolio, stream (or none), category and month for the amounts in
    ``currency`` (the figures count an entry in its month, and an amount in the base
    currency is never converted), and per day for amounts in another currency (each
    is converted at its day's rate). The sums are exact (``numeric``), so the figures
    are those of the entries one by one, from a few hundred rows instead of thousands.
    """
    day = Case(
        When(currency=currency, then=Cast(TruncMonth("date"), DateField())),
        default=F("date"),
        output_field=DateField(),
    )
    rows = (
        Entry.objects.filter(portfolio__in=portfolios, date__range=(first, last))
        .order_by()
        .values_list("portfolio_id", "stream_id", "category", "currency", day)
        .annotate(total=Sum("amount"))
    )
    return [
        schedule.EntrySpec(
            date=on,
            amount=total,
            category=category,
            stream_id=stream_id,
            portfolio_id=portfolio_id,
            currency=entry_currency,
        )
        for portfolio_id, stream_id, category, entry_currency, on, total in rows
    ]


@dataclass(frozen=True)
class OwnerData:
    """Streams, entries and valued holdings of some portfolios, loaded once.

    ``figures_at`` then computes figures for any of those portfolios, or all of
    them, at any date the loaded entries cover, without another query.
    """

    streams: list[schedule.StreamSpec]
    entries: list[schedule.EntrySpec]
    holdings: list[Holding]
    # Each portfolio's earliest entry ever (older ones than ``entries`` hold too):
    # with the streams' first payments, where the owner's window may begin.
    first_entries: dict[int, date]
    # The base currency of the figures and the rates of the loaded days.
    currency: str
    rates: RateTable = field(default_factory=RateTable)

    @property
    def convert(self) -> schedule.ToBase:
        return to_base(self.rates, self.currency)

    def has_any(self) -> bool:
        """``has_any_data`` of the loaded portfolios: any holding, stream or entry ever."""
        return bool(self.holdings or self.streams or self.first_entries)

    def other_currencies(self) -> set[str]:
        rows = (*self.streams, *self.entries, *self.holdings)
        return {row.currency for row in rows} - {self.currency}

    def until(self, last: date) -> OwnerData | None:
        """These data as ``load_owner_data`` with ``last`` instead would load them (the
        entries after ``last`` left out), or None when that load would have fetched
        the rates of fewer currencies: a page that needs figures up to two dates
        loads once. The rates of later days change no conversion up to ``last``."""
        entries = [e for e in self.entries if e.date <= last]
        narrowed = replace(self, entries=entries)
        if narrowed.other_currencies() != self.other_currencies():
            return None
        return narrowed

    def figures_at(
        self,
        as_of: date,
        portfolio_id: int | None = None,
        *,
        with_pace: bool = False,
        portfolio_ids: Collection[int] | None = None,
    ) -> Figures:
        """Figures at ``as_of`` of one loaded portfolio, of some (``portfolio_ids``: one
        household member's shared ones), or of all of them (neither given);
        ``with_pace`` adds the ratio at today's streams (for the dashboard)."""
        if portfolio_id is not None:
            portfolio_ids = {portfolio_id}

        def chosen(pk: int) -> bool:
            return portfolio_ids is None or pk in portfolio_ids

        def mine(row) -> bool:
            return chosen(row.portfolio_id)

        streams = [s for s in self.streams if mine(s)]
        entries = [e for e in self.entries if mine(e)]
        firsts = [day for pk, day in self.first_entries.items() if chosen(pk)]
        convert = self.convert
        no_rate = None
        try:
            liquid, net_worth = balance_sheet(
                (h for h in self.holdings if mine(h)), convert=convert, on=as_of
            )
        except MissingRate as missing:
            liquid = net_worth = None
            no_rate = missing.no_rate.message
        try:
            totals = schedule.window_totals(
                streams,
                entries,
                as_of,
                flows_from=schedule.first_flow(streams, firsts),
                to_base=convert,
            )
            pace = schedule.pace(streams, as_of, to_base=convert) if with_pace else None
        except MissingRate as missing:
            return unknown_figures(as_of=as_of, no_rate=missing.no_rate.message)
        figures = compute_figures(
            as_of=as_of,
            totals=totals,
            liquid_assets=liquid,
            net_worth=net_worth,
            passive_hours=schedule.passive_hours(streams, as_of),
            pace=pace,
            no_rate=no_rate,
        )
        # "Converted at the rates of <day>": the newest rate loaded on or before as_of.
        return replace(figures, rates_on=self.rates.latest_on_or_before(as_of))


def load_owner_data(
    portfolios, *, first: date, last: date, values_on: date, currency: str
) -> OwnerData:
    """``portfolios`` is a query or a list of fetched portfolios.

    Four queries: streams, entries dated ``first``..``last`` (summed by month in SQL:
    ``entry_sums``), each portfolio's first entry, holdings valued on a day; a fifth
    for the rates of the days ``first`` to ``last`` (and ``values_on``) into
    ``currency``, when any amount is in another."""
    first_entries = (
        Entry.objects.filter(portfolio__in=portfolios)
        .order_by()
        .values("portfolio_id")
        .annotate(first=Min("date"))
        .values_list("portfolio_id", "first")
    )
    streams = stream_specs(portfolios)
    entries = entry_sums(portfolios, first, last, currency=currency)
    holdings = list(holdings_with_value(portfolios, values_on))
    others = OwnerData(streams, entries, holdings, {}, currency).other_currencies()
    rates = RateTable()
    if others:
        rates = load_rates(
            {*others, currency},
            min(first, values_on),
            max(last, values_on),
            owners=_owner_ids(portfolios),
        )
    return OwnerData(
        streams=streams,
        entries=entries,
        holdings=holdings,
        first_entries=dict(first_entries),
        currency=currency,
        rates=rates,
    )


def _owner_ids(portfolios):
    """The owners of ``portfolios``, a query or portfolios fetched already (the
    household dashboard's list): their own rates convert the amounts."""
    if isinstance(portfolios, QuerySet):
        return Portfolio.objects.filter(pk__in=portfolios).values("owner_id")
    return sorted({portfolio.owner_id for portfolio in portfolios})


def figures_at(*, portfolios, as_of: date, currency: str, with_pace: bool = False) -> Figures:
    """Every dashboard figure for ``portfolios`` (one, or all of a user's) at ``as_of``,
    in ``currency`` (the owner's base currency)."""
    data = load_owner_data(
        portfolios,
        first=months.window_start(as_of),
        last=months.month_end(as_of),
        values_on=as_of,
        currency=currency,
    )
    return data.figures_at(as_of, with_pace=with_pace)


def liquid_income_at(data: OwnerData, figures: Figures) -> Decimal:
    """Yearly passive income of the loaded streams linked to liquid holdings, over the
    same window as ``figures`` (the capital's recorded income, for the projection).

    Figures left unknown by a missing rate have no recorded income to project from.
    """
    if not figures.flows_known:
        return Decimal(0)
    liquid_holdings = {h.pk for h in data.holdings if h.liquid}
    streams = [s for s in data.streams if s.holding_id in liquid_holdings]
    ids = {s.id for s in streams}
    entries = [e for e in data.entries if e.stream_id in ids]
    totals = schedule.window_totals(
        streams, entries, figures.as_of, flows_from=figures.window_start, to_base=data.convert
    )
    return metrics.per_month(max(totals.passive, Decimal(0)), totals.months) * 12


def in_base_currency(
    amounts: Iterable[tuple[Decimal | None, str, date]], *, currency: str, owner_id: int
) -> list[Decimal | NoRate | None]:
    """Each (amount, its currency, day) in ``currency`` at the day's rate, to show beside
    the amount: None where it is in ``currency`` already (or is None), a ``NoRate``
    where a rate is missing (``owner_id``'s own rates count). One query for the rates
    of every day, none if not needed."""
    amounts = list(amounts)
    others = [(a, c, d) for a, c, d in amounts if a is not None and c != currency]
    if not others:
        return [None] * len(amounts)
    days = [d for _, _, d in others]
    table = load_rates(
        {c for _, c, _ in others} | {currency}, min(days), max(days), owners=[owner_id]
    )
    return [
        None if a is None or c == currency else convert(table, a, c, currency, d)
        for a, c, d in amounts
    ]


def page_converter(
    currencies: Iterable[str], *, currency: str, on: date, owner_id: int
) -> schedule.ToBase:
    """A converter into ``currency`` at ``on``'s rates (``owner_id``'s own rates
    included), for a page's totals: one query for the rates of ``currencies``, none
    when they are all ``currency``."""
    others = set(currencies) - {currency}
    table = load_rates({*others, currency}, on, on, owners=[owner_id]) if others else RateTable()
    return to_base(table, currency)
