"""How fast the snapshot recompute runs: users per second and queries per batch.

    .venv/bin/python benchmarks/snapshots_recompute.py [--users 200] [--months 36]
        [--batch-size 100] [--processes 1,2]

Runs on a throwaway database (Django's test database: ``test_<name>`` on
PostgreSQL when ``DATABASE_URL`` is set, a temporary SQLite file otherwise), so it
never touches real data. Each user gets a realistic month-by-month history: six
streams, three entries a month, four holdings with monthly or yearly valuations.

It prints, for a full recompute (every month of every user, what the nightly job
does) and for an incremental one (the last two months, what a debounced edit
does): wall time, users per second, snapshot rows per second and SQL queries per
batch; then the wall time of the full recompute split over N processes, each
taking whole batches, as N Celery workers would.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# The benchmark's own broker traffic would be noise: the signals are not used
# here (rows are bulk-created), but make sure nothing is queued by accident.
os.environ.setdefault("LOCAL_DIR", tempfile.mkdtemp(prefix="wr-bench-"))

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

D = Decimal


def _month_add(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, min(day.day, 28))


def make_data(users: int, months: int) -> list[int]:
    """Bulk-create ``users`` users with ``months`` months of history (no signals)."""
    from accounts.models import User
    from portfolio.models import Entry, Holding, Portfolio, Stream, Valuation

    today = date.today()
    start = _month_add(today.replace(day=1), -(months - 1))
    people = User.objects.bulk_create(
        User(email=f"bench{n}@example.com", password="!", time_zone="UTC") for n in range(users)
    )
    portfolios = Portfolio.objects.bulk_create(
        Portfolio(owner=user, name="Personal") for user in people
    )
    streams, entries, holdings = [], [], []
    for n, portfolio in enumerate(portfolios):
        for name, category, amount, frequency in [
            ("Salary", "salary", "3800", "monthly"),
            ("Dividends", "dividends", f"{120 + n % 50}", "quarterly"),
            ("Interest", "interest", "25", "monthly"),
            ("Rent", "rent", "900", "monthly"),
            ("Living", "living_expenses", "2500", "monthly"),
            ("Maintenance", "holding_costs", "600", "yearly"),
        ]:
            streams.append(
                Stream(
                    portfolio=portfolio,
                    name=name,
                    category=category,
                    amount=D(amount),
                    frequency=frequency,
                    first_date=start,
                    hours_per_month=D(2) if category == "rent" else D(0),
                )
            )
        for m in range(months):
            day = _month_add(start, m)
            for category, amount in [("bonus", "150"), ("fees", "12.5"), ("other_passive", "40")]:
                entries.append(
                    Entry(portfolio=portfolio, date=day, amount=D(amount), category=category)
                )
        for name, kind, liquid in [
            ("Cash", "cash", True),
            ("Fund", "listed", True),
            ("Flat", "property", False),
            ("Mortgage", "loan", False),
        ]:
            holdings.append(Holding(portfolio=portfolio, name=name, kind=kind, liquid=liquid))
    Stream.objects.bulk_create(streams, batch_size=2000)
    Entry.objects.bulk_create(entries, batch_size=2000)
    holdings = Holding.objects.bulk_create(holdings, batch_size=2000)
    valuations = []
    for holding in holdings:
        every = 1 if holding.liquid else 12
        for m in range(0, months, every):
            value = D(1000 + 50 * m) if holding.kind != "loan" else D(-200000 + 400 * m)
            valuations.append(
                Valuation(
                    holding=holding, date=_month_add(start, m) + timedelta(days=1), value=value
                )
            )
    Valuation.objects.bulk_create(valuations, batch_size=2000)
    return [user.pk for user in people]


def run(ids: list[int], batch_size: int, since: date | None):
    """(seconds, rows, queries of one batch) of recomputing ``ids`` batch after batch.

    Queries are counted on a separate run of the first batch: counting them makes
    Django format every statement, which would skew the timing.
    """
    from portfolio import snapshots

    rows = 0
    started = time.perf_counter()
    for batch in snapshots.batches(ids, batch_size):
        rows += snapshots.snapshots_recompute(user_ids=batch, since=since).rows_written
    seconds = time.perf_counter() - started
    with CaptureQueriesContext(connection) as captured:
        snapshots.snapshots_recompute(user_ids=ids[:batch_size], since=since)
    return seconds, rows, len(captured)


def _process(batches: list[list[int]]) -> None:
    from portfolio import snapshots

    connections.close_all()  # a forked process opens its own connection
    for batch in batches:
        snapshots.snapshots_recompute(user_ids=batch)
    connections.close_all()


def run_parallel(ids: list[int], batch_size: int, processes: int) -> float:
    from portfolio import snapshots

    batches = list(snapshots.batches(ids, batch_size))
    shares = [batches[i::processes] for i in range(processes)]
    connections.close_all()
    context = multiprocessing.get_context("fork")
    started = time.perf_counter()
    workers = [context.Process(target=_process, args=(share,)) for share in shares]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
        if worker.exitcode:
            raise SystemExit(f"a benchmark process failed ({worker.exitcode})")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--processes", default="1,2", help="comma-separated, e.g. 1,2,4")
    args = parser.parse_args()

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        db.setdefault("TEST", {})["NAME"] = str(Path(settings.LOCAL_DIR) / "bench.sqlite3")
    engine = connection.vendor
    real_name = db["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        started = time.perf_counter()
        ids = make_data(args.users, args.months)
        print(
            f"{engine}: {args.users} users x {args.months} months made in "
            f"{time.perf_counter() - started:.1f} s; batches of {args.batch_size} users"
        )
        for label, since in [
            ("full recompute (nightly)", None),
            ("again, rows already there", None),
            ("last two months (after an edit)", _month_add(date.today().replace(day=1), -1)),
        ]:
            seconds, rows, queries = run(ids, args.batch_size, since)
            print(
                f"  {label:34} {seconds:6.2f} s  {len(ids) / seconds:7.0f} users/s"
                f"  {rows / seconds:8.0f} rows/s  {queries} queries per batch"
            )
        one = None
        for processes in [int(p) for p in args.processes.split(",")]:
            seconds = run_parallel(ids, args.batch_size, processes)
            if processes == 1:
                one = seconds
            speedup = f"  x{one / seconds:.2f}" if one and processes > 1 else ""
            print(
                f"  full recompute, {processes} process(es):  {seconds:6.2f} s"
                f"  {len(ids) / seconds:7.0f} users/s{speedup}"
            )
    finally:
        connection.creation.destroy_test_db(real_name, verbosity=0, keepdb=False)


if __name__ == "__main__":
    main()
