"""Export of all of a user's data: one JSON document, or a zip of CSV files.

The document is versioned (``FORMAT``, ``VERSION``) and described field by field in
``docs/data-format.md``; ``dataport.json_reader`` and ``dataport.json_writer`` read
it back into an empty account. What it holds: the user's preferences
(``PREFERENCE_FIELDS``), then one list per table (``TABLES``) of flat records.
Records refer to each other by ids that are numbered 1, 2, 3... within the
document, never the database's keys, so a document says nothing about other users
and an import has nothing to trust.

Snapshots and their queue are derived data and are not exported: an import
recomputes them. Money and figures are decimal strings ("1250.50"), never JSON
numbers, so no amount goes through a float.

The zip holds the same records as CSV files, one per table, for spreadsheets:
numbers as plain decimals, text cells escaped by ``csv_safe`` so that a note such
as ``=cmd|' /C calc'!A0`` stays text.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from dataport.entries_csv import csv_safe
from goals.models import Goal, Milestone
from portfolio.models import Entry, Holding, ManualRate, Portfolio, Stream, Valuation

FORMAT = "wealthratio-export"
# 2: holdings, streams and entries carry their currency, and the user's own rates
# are a list. Version 1 documents still import, every amount in the importing
# user's base currency.
VERSION = 2
READABLE_VERSIONS = frozenset({1, 2})

# The user's preferences that a document carries: fields of ``accounts.User``, by
# name. A new preference is added here (and to docs/data-format.md) and nothing
# else: export and import handle each one by its model field's type (text, boolean,
# decimal, whole number or date). tests/accounts/test_data_export.py fails when
# User gains a field that is neither listed here nor deliberately left out.
PREFERENCE_FIELDS: tuple[str, ...] = (
    "currency",
    "time_zone",
    "assumed_yield",
    "email_monthly_progress",
    "email_log_reminder",
    "email_milestones",
    "email_new_year",
)

# Every list of the document, in the order written and read, with its fields. A
# reference ("portfolio", "holding", "stream", "goal"; a holding's "secured_against"
# is a holding) is the document id of a record of that list, or null where the
# model allows none.
TABLES: dict[str, tuple[str, ...]] = {
    "portfolios": ("id", "name"),
    "holdings": (
        "id",
        "portfolio",
        "name",
        "kind",
        "liquid",
        "note",
        "secured_against",
        "currency",
    ),
    "valuations": ("holding", "date", "value"),
    "streams": (
        "id",
        "portfolio",
        "name",
        "category",
        "amount",
        "frequency",
        "first_date",
        "end_date",
        "holding",
        "hours_per_month",
        "note",
        "currency",
    ),
    "entries": ("portfolio", "date", "amount", "category", "stream", "note", "currency"),
    "goals": (
        "id",
        "portfolio",
        "year",
        "metric",
        "baseline",
        "baseline_date",
        "target",
        "note",
        "closed_at",
        "final_value",
        "final_infinite",
    ),
    "milestones": ("kind", "goal", "value", "occurred_on"),
    # The user's own rates (ManualRate): without them, amounts in a currency the
    # ECB does not publish would have no rate after an import.
    "manual_rates": ("currency", "date", "units_per_euro"),
}

Record = dict[str, Any]


class _Ids:
    """Database key -> document id (1, 2, 3... in the order first seen)."""

    def __init__(self) -> None:
        self._ids: dict[int, int] = {}

    def new(self, pk: int) -> int:
        self._ids[pk] = len(self._ids) + 1
        return self._ids[pk]

    def __call__(self, pk: int | None) -> int | None:
        return None if pk is None else self._ids[pk]


def preferences(user) -> Record:
    """The user's preferences; decimals with their column's places, as stored."""
    values = {}
    for name in PREFERENCE_FIELDS:
        value = getattr(user, name)
        field = user._meta.get_field(name)
        if isinstance(value, Decimal) and isinstance(field, models.DecimalField):
            value = value.quantize(Decimal(1).scaleb(-field.decimal_places))
        values[name] = value
    return values


@contextmanager
def _one_moment() -> Iterator[None]:
    """Every query inside sees the database as it was at one moment, so that an edit
    made during an export cannot leave a stream pointing at a holding it missed.

    SQLite gives a transaction that already; PostgreSQL's default (read committed)
    does not, hence repeatable read, which must be the transaction's first statement.
    """
    connection = transaction.get_connection()
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def collect(user) -> dict[str, list[Record]]:
    """The user's rows as records with Python values (``Decimal``, ``date``...).

    One query per table, whatever the amount of data, all at one moment.
    """
    with _one_moment():
        return _collect(user)


def _collect(user) -> dict[str, list[Record]]:
    portfolio_id, holding_id, stream_id, goal_id = _Ids(), _Ids(), _Ids(), _Ids()
    tables: dict[str, list[Record]] = {name: [] for name in TABLES}

    for row in Portfolio.objects.filter(owner=user).order_by("pk").values("pk", "name"):
        tables["portfolios"].append({"id": portfolio_id.new(row["pk"]), "name": row["name"]})

    for row in (
        Holding.objects.filter(portfolio__owner=user)
        .order_by("pk")
        .values(
            "pk", "portfolio_id", "name", "kind", "liquid", "note", "secured_against_id", "currency"
        )
    ):
        tables["holdings"].append(
            {
                "id": holding_id.new(row.pop("pk")),
                "portfolio": portfolio_id(row.pop("portfolio_id")),
                **row,
            }
        )
    # A loan may be secured against a holding added after it: numbered only now.
    for record in tables["holdings"]:
        record["secured_against"] = holding_id(record.pop("secured_against_id"))
        record["currency"] = record.pop("currency")  # in the order of TABLES

    for row in (
        Valuation.objects.filter(holding__portfolio__owner=user)
        .order_by("holding_id", "date")
        .values("holding_id", "date", "value")
    ):
        tables["valuations"].append(
            {"holding": holding_id(row["holding_id"]), "date": row["date"], "value": row["value"]}
        )

    own = [name for name in TABLES["streams"] if name not in ("id", "portfolio", "holding")]
    for row in (
        Stream.objects.filter(portfolio__owner=user)
        .order_by("pk")
        .values("pk", "portfolio_id", "holding_id", *own)
    ):
        record = {
            "id": stream_id.new(row["pk"]),
            "portfolio": portfolio_id(row["portfolio_id"]),
            "holding": holding_id(row["holding_id"]),
            **{name: row[name] for name in own},
        }
        tables["streams"].append({name: record[name] for name in TABLES["streams"]})

    entries = (
        Entry.objects.filter(portfolio__owner=user)
        .order_by("date", "pk")
        .values_list("portfolio_id", "date", "amount", "category", "stream_id", "note", "currency")
    )
    for portfolio, day, amount, category, stream, note, currency in entries.iterator(
        chunk_size=2000
    ):
        tables["entries"].append(
            {
                "portfolio": portfolio_id(portfolio),
                "date": day,
                "amount": amount,
                "category": category,
                "stream": stream_id(stream),
                "note": note,
                "currency": currency,
            }
        )

    goal_fields = TABLES["goals"][2:]
    for row in (
        # A household's goal is the household's, like what others share with the user.
        Goal.objects.filter(owner=user, household=None)
        .order_by("pk")
        .values("pk", "portfolio_id", *goal_fields)
    ):
        tables["goals"].append(
            {
                "id": goal_id.new(row["pk"]),
                "portfolio": portfolio_id(row["portfolio_id"]),
                **{name: row[name] for name in goal_fields},
            }
        )

    for row in (
        Milestone.objects.filter(user=user)
        .order_by("occurred_on", "pk")
        .values("kind", "goal_id", "value", "occurred_on")
    ):
        tables["milestones"].append(
            {
                "kind": row["kind"],
                "goal": goal_id(row["goal_id"]),
                "value": row["value"],
                "occurred_on": row["occurred_on"],
            }
        )

    tables["manual_rates"] = list(
        ManualRate.objects.filter(owner=user)
        .order_by("currency", "date")
        .values(*TABLES["manual_rates"])
    )
    return tables


def _plain(value: Any) -> Any:
    """A record's value as JSON carries it: decimals and dates as strings."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return value


def export_document(user, *, now: datetime | None = None) -> Record:
    """The whole export as JSON-ready Python data (strings, ints, booleans, None)."""
    now = now or timezone.now()
    document: Record = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": _plain(now),
        "user": {name: _plain(value) for name, value in preferences(user).items()},
    }
    for name, records in collect(user).items():
        document[name] = [{k: _plain(v) for k, v in record.items()} for record in records]
    return document


def dumps(document: Record) -> str:
    """JSON with one record per line: readable, and small enough for big accounts."""

    def compact(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))

    parts = []
    for key, value in document.items():
        if isinstance(value, list) and value:
            rows = ",\n".join(f"    {compact(record)}" for record in value)
            parts.append(f"  {json.dumps(key)}: [\n{rows}\n  ]")
        else:
            parts.append(f"  {json.dumps(key)}: {compact(value)}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def export_json(user, *, now: datetime | None = None) -> bytes:
    return dumps(export_document(user, now=now)).encode()


# --- The zip of CSV files ------------------------------------------------------------


def _cell(value: Any) -> str:
    """A CSV cell: numbers as plain decimals, text defused by ``csv_safe``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")  # a number, never a formula; "-12.50" stays a number
    if isinstance(value, date | datetime):
        return _plain(value)
    return csv_safe(value)


def _csv(columns: Iterable[str], records: Iterable[Record]) -> bytes:
    buffer = io.StringIO()
    # A byte-order mark so that spreadsheets read the file as UTF-8.
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    columns = tuple(columns)
    writer.writerow(columns)
    for record in records:
        writer.writerow([_cell(record[name]) for name in columns])
    return buffer.getvalue().encode()


def export_zip(user) -> bytes:
    """A zip of ``user.csv`` (the preferences) and one CSV file per table."""
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("user.csv", _csv(PREFERENCE_FIELDS, [preferences(user)]))
        for name, records in collect(user).items():
            archive.writestr(f"{name}.csv", _csv(TABLES[name], records))
    return output.getvalue()
