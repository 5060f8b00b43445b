"""Time and memory of importing entries from a CSV file, as the import's worker steps do it.

    .venv/bin/python benchmarks/csv_import.py                 # SQLite, 100,000 rows
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wealthratio \\
        .venv/bin/python benchmarks/csv_import.py --rows 100000

It works in a throwaway database (Django's test database machinery, named
``bench_…``), never in your data, and prints for each step the wall time and the
peak of Python allocations (tracemalloc, measured in a second, separate run so
that tracing does not slow the timed one):

- upload: check the file, read every row, hash it and stage it in the database,
  then sum up the preview (what the worker does once after the upload);
- import: check the staged rows and write them with one INSERT ... SELECT in one
  transaction (what the worker does after the confirmation).

benchmarks/imports.py measures the same through gunicorn and a Celery worker.
"""

from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from accounts.models import User  # noqa: E402
from dataport import entries_csv as entry_import  # noqa: E402
from dataport import staged_entries  # noqa: E402
from dataport.models import ImportJob  # noqa: E402
from portfolio.models import Entry, Stream  # noqa: E402


def make_csv(rows: int) -> bytes:
    """Rows like a year of a bank export: every category, one row in ten naming a stream."""
    categories = ["salary", "Dividends", "rent", "living_expenses", "fees", "interest"]
    lines = ["date,amount,category,stream,note"]
    for index in range(rows):
        stream = "Salary ACME" if index % 10 == 0 else ""
        category = "" if stream else categories[index % len(categories)]
        amount = f"{index % 5000 + 1}.{index % 100:02d}"
        if index % 50 == 0:
            amount = "-" + amount  # a correction
        lines.append(
            f"2025-{index % 12 + 1:02d}-{index % 28 + 1:02d},{amount},{category},{stream},"
            f"Row {index}"
        )
    return ("\r\n".join(lines) + "\r\n").encode()


def upload_step(data: bytes, streams, portfolio) -> ImportJob:
    job = ImportJob.objects.create(
        owner=portfolio.owner,
        portfolio=portfolio,
        kind=ImportJob.Kind.ENTRIES_CSV,
        state=ImportJob.State.READING,
    )
    csv_file = entry_import.read_csv(data, streams)
    job.file_hash = staged_entries.stage(job, csv_file, on_progress=lambda done, total: None)
    job.allow_duplicate = True
    job.summary = staged_entries.summary(job)
    job.state = ImportJob.State.READY
    job.save()
    assert job.summary["error_count"] == 0
    return job


def import_step(job: ImportJob) -> int:
    with transaction.atomic():
        record = staged_entries.entries_import(job)
        job.staged_entries.all().delete()
    return record.row_count


def measure(step, *args) -> tuple[float, object]:
    """(seconds, result) of one untraced run."""
    started = time.perf_counter()
    result = step(*args)
    seconds = time.perf_counter() - started
    return seconds, result


def traced(step, *args) -> float:
    """Peak MB of Python allocations during one run of ``step``."""
    tracemalloc.start()
    try:
        step(*args)
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()

    setup_test_environment()
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        scratch = tempfile.mkdtemp(prefix="bench-")
        settings_dict["TEST"]["NAME"] = str(Path(scratch) / "bench.sqlite3")
    else:
        settings_dict["TEST"]["NAME"] = f"bench_{settings_dict['NAME']}"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        owner = User.objects.create_user("bench@example.com", "not used")
        portfolio = owner.portfolios.get()
        stream = Stream.objects.create(
            portfolio=portfolio,
            name="Salary ACME",
            category="salary",
            amount=Decimal("3000"),
            first_date=date(2020, 1, 1),
        )
        streams = [entry_import.KnownStream(stream.pk, stream.name, stream.category)]

        data = make_csv(args.rows)
        assert len(data) <= entry_import.MAX_BYTES, "more rows than fit in 5 MB"

        upload_seconds, job = measure(upload_step, data, streams, portfolio)
        import_seconds, count = measure(import_step, job)
        rss_after = peak_rss_mb()
        assert Entry.objects.count() == count == args.rows
        upload_peak = traced(upload_step, data, streams, portfolio)
        import_peak = traced(import_step, ImportJob.objects.latest("pk"))

        if connection.vendor == "postgresql":
            server = f"PostgreSQL {connection.pg_version // 10000}.{connection.pg_version % 10000}"
        else:
            server = f"SQLite {sqlite3.sqlite_version}"
        print(f"database        {server}")
        print(f"rows            {args.rows:,} ({len(data) / 2**20:.1f} MiB file)")
        print(f"upload/preview  {upload_seconds:6.2f} s  peak {upload_peak:5.1f} MB allocated")
        print(f"confirm/import  {import_seconds:6.2f} s  peak {import_peak:5.1f} MB allocated")
        print(f"rows per second {count / import_seconds:,.0f} (import)")
        print(f"process peak    {rss_after:.0f} MB resident (Django included)")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
