"""A CSV file of entries staged in the database: read once, previewed and written with SQL.

``stage`` reads the file (``dataport.entries_csv``) once, in a worker, into
``StagedEntry`` rows, a batch at a time. The preview's counts and totals
(``summary``), its pages and its problems-only filter (``page``) are then queries on
those rows, and ``entries_import`` writes them with one ``INSERT ... SELECT``: no
step after the first reads the file again, so the upload can be forgotten as soon
as it is staged.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Max, Min, Q, Sum
from django.utils import timezone

from dataport.entries_csv import BATCH_SIZE, CsvFile, DuplicateImport, ImportRejected
from dataport.models import EntryImport, ImportJob, StagedEntry
from portfolio import categories, snapshots
from portfolio.models import Entry, Portfolio

PAGE_SIZE = 100
CENT = Decimal("0.01")

_GOOD = Q(problem="")
_GROUPS = {
    "earned": categories.EARNED,
    "passive": categories.PASSIVE,
    "spending": categories.OUTGOING,
}


def stage(job: ImportJob, csv_file: CsvFile, *, on_progress: Callable[[int, int], None]) -> str:
    """Store every row of ``csv_file`` for ``job``; return the hash of its rows.

    ``on_progress(lines read, lines in the file)`` is called after each batch.
    Raises ``ImportFileError`` for what only shows deep in a file; the rows staged
    until then are removed with the job's others when it fails.
    """
    digest = hashlib.sha256()
    total = csv_file.data.count(b"\n") + 1
    write = _copy_batch if connection.vendor == "postgresql" else _insert_batch
    batch: list[tuple] = []
    for row in csv_file.rows():
        digest.update(row.normalized().encode())
        batch.append(
            (
                job.pk,
                row.line,
                row.date,
                row.amount,
                row.category or "",
                row.stream_id,
                row.cells[3],
                row.note,
                row.currency or "",
                list(row.cells[:3]),
                " ".join(row.errors),
            )
        )
        if len(batch) == BATCH_SIZE:
            write(batch)
            on_progress(row.line, total)
            batch = []
    write(batch)
    on_progress(total, total)
    return digest.hexdigest()


_COLUMNS = (
    "job_id",
    "line",
    "date",
    "amount",
    "category",
    "stream_id",
    "stream_name",
    "note",
    "currency",
    "cells",
    "problem",
)


def _copy_batch(batch: list[tuple]) -> None:
    """PostgreSQL: one COPY per batch, several times faster than INSERTs of the same rows."""
    if not batch:
        return
    sql = f"COPY {StagedEntry._meta.db_table} ({', '.join(_COLUMNS)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for values in batch:
            copy.write_row((*values[:9], json.dumps(values[9]), values[10]))


def _insert_batch(batch: list[tuple]) -> None:
    StagedEntry.objects.bulk_create(
        [StagedEntry(**dict(zip(_COLUMNS, values, strict=True))) for values in batch]
    )


def summary(job: ImportJob) -> dict:
    """Counts, totals by group of the good rows, and their first and last dates.

    Stored on the job once staged (the rows do not change), as JSON: amounts as
    decimal strings, dates as ISO strings.
    """
    figures = job.staged_entries.aggregate(
        row_count=Count("pk"),
        error_count=Count("pk", filter=~_GOOD),
        first_date=Min("date", filter=_GOOD),
        last_date=Max("date", filter=_GOOD),
        **{
            name: Sum("amount", filter=_GOOD & Q(category__in=_categories_of(group)))
            for name, group in _GROUPS.items()
        },
    )
    for name in _GROUPS:
        figures[name] = str((figures[name] or Decimal(0)).quantize(CENT))
    for name in ("first_date", "last_date"):
        figures[name] = figures[name] and figures[name].isoformat()
    return figures


def _categories_of(group: str) -> list[str]:
    return [value for value, of in categories.GROUP_OF.items() if of == group]


def page(job: ImportJob, *, number: int, problems_only: bool) -> list[StagedEntry]:
    """The rows of page ``number`` (from 1), in line order; only those with a problem if asked."""
    rows = job.staged_entries.order_by("line")
    if problems_only:
        rows = rows.exclude(_GOOD)
    start = (number - 1) * PAGE_SIZE
    return list(rows[start : start + PAGE_SIZE])


def previous_import(portfolio: Portfolio, file_hash: str) -> EntryImport | None:
    """The latest import of the same rows into ``portfolio``, if any."""
    found = EntryImport.objects.filter(portfolio=portfolio, file_hash=file_hash)
    return found.order_by("-created_at", "-pk").first()


def entries_import(job: ImportJob) -> EntryImport:
    """Write every staged row of ``job`` as an entry of its portfolio, in the caller's transaction.

    Checks the rows against the portfolio as it is now, not as it was at the
    preview: a file imported before raises ``DuplicateImport`` (unless the job
    allows it), and a row with a problem or naming a stream deleted since raises
    ``ImportRejected``. Nothing is written until every check has passed; the
    caller's transaction makes the write all or nothing.
    """
    portfolio = job.portfolio
    # One import into a portfolio at a time: a second one waits, then sees the first
    # one's record and is refused as a duplicate. The streams are locked against
    # deletion until the entries naming them are written.
    list(Portfolio.objects.select_for_update().filter(pk=portfolio.pk).values_list("pk"))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM portfolio_stream WHERE portfolio_id = %s FOR KEY SHARE",
                [portfolio.pk],
            )
    if not job.allow_duplicate:
        previous = previous_import(portfolio, job.file_hash)
        if previous is not None:
            raise DuplicateImport(previous)
    rows = job.staged_entries.order_by("line")
    bad = rows.exclude(_GOOD).first()
    if bad is not None:
        raise ImportRejected(f"Line {bad.line}: {bad.problem}")
    gone = rows.exclude(stream_name="").filter(stream__isnull=True).first()
    if gone is not None:
        raise ImportRejected(
            f"Line {gone.line}: the stream “{gone.stream_name}” was deleted since the preview.",
        )
    count = _insert_entries(job)
    if count == 0:
        raise ImportRejected("The file has no rows to import.")
    earliest = rows.aggregate(earliest=Min("date"))["earliest"]
    # Rows written in SQL send no signals: mark the snapshots stale ourselves, once.
    snapshots.mark_dirty(portfolio.owner_id, earliest)
    return EntryImport.objects.create(portfolio=portfolio, file_hash=job.file_hash, row_count=count)


def _insert_entries(job: ImportJob) -> int:
    """``INSERT INTO entry ... SELECT`` the staged rows, in line order; how many."""
    entry, staged = Entry._meta.db_table, StagedEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {entry}
                (portfolio_id, date, amount, currency, category, stream_id, note, created_at)
            SELECT %s, date, amount, COALESCE(NULLIF(currency, ''), %s), category, stream_id,
                note, %s
            FROM {staged} WHERE job_id = %s ORDER BY line
            """,  # noqa: S608 - table names from the models, values as parameters
            [job.portfolio_id, job.portfolio.owner.currency, timezone.now(), job.pk],
        )
        return cursor.rowcount


def forget(job_ids: Iterable[int]) -> None:
    """Remove the staged rows of these jobs."""
    StagedEntry.objects.filter(job_id__in=list(job_ids)).delete()
