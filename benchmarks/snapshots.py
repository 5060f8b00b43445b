"""The nightly snapshot recompute on PostgreSQL: against a naive loop, against a floor, in users.

    DATABASE_URL=postgres://USER@HOST:5432/ANY .venv/bin/python benchmarks/snapshots.py \\
        [--users 10000] [--workers 1,2] [--naive-users 1000] [--compare-users N]
        [--currency-users 1000] [--keep]

The default run (10,000 users, compared with 2,000) takes 12 to 13 minutes on two
cores and 0.7 GB of disk. ``--users 100000`` compares with 10,000 users, as the
scaling target asks: count about 50 minutes and 7 GB; with ``--naive-users 0
--currency-users 0 --compare-users 0 --workers 2`` (the full recompute only to
fill the table, then the nightly job) about half that.

PostgreSQL only (it refuses anything else). ``DATABASE_URL`` only says where the
server is: the benchmark drops and creates its own database (``--db-name``,
``wealthratio_bench`` by default) through the server's ``postgres`` database,
migrates it, and drops it at the end unless ``--keep``. It never writes to the
database ``DATABASE_URL`` names. ``REDIS_URL`` is ignored: the broker and cache are
files in a temporary folder, so nothing reaches a real queue.

Synthetic users (one portfolio each, time zone UTC), loaded with COPY: 36 months of
history; ~8 streams (monthly, weekly, quarterly, half-yearly, yearly and one-off,
some starting late or ending); ~150 entries (about 40 linked to the salary and rent
streams, replacing their expected amount in their month; the rest dated at random,
a few negative corrections); 3 holdings with 4 valuations each.

What it measures, in this order:

1. linearity: the full recompute of ``--compare-users`` users (default: a fifth of
   ``--users``, at most 10,000) with one process, on a database holding only them;
   then the remaining users are added, and
2. the full recompute of all users (every month of every user, what the nightly
   job does) with each number of ``--workers``. Workers are forked processes (not
   Celery workers), each taking the next batch of ``BATCH_SIZE`` users until none
   is left, as Celery workers with a prefetch of one do; each batch is exactly
   what a ``recompute_batch`` task runs (``snapshots_recompute``, the milestone
   listener included). The snapshot table is emptied before each run, so every
   run inserts the same rows. Each is run ``--full-runs`` times and the fastest
   counts, as the floor's fastest run does. Once more with the most workers over
   the rows there (every row an update: what a release that changes a formula
   runs), checked to leave them as they were, after the nightly job.
3. the nightly job on its own with each number of ``--nightly-workers``: every
   user from last month, in batches, each what a ``recompute_batch`` task of
   ``recompute_all`` runs (``snapshots_recompute_batch``), over the rows the full
   recompute left (the table analyzed first, as autovacuum would); then checked
   to have left every row as the full recompute wrote it. An md5 of the rows
   (every column but the id and computed_at) is printed: two runs on the same day
   with the same arguments must print the same, whatever the code.
   After an edit: ``--edit-users`` users of the naive sample recomputed one at a
   time from last month (what ``recompute_user`` does after the debounce), and
   the queries of one such recompute and of one full batch (counted apart).
4. the floor: one hand-written SQL statement computing the TTM earned, passive
   and spending of every user and month (see ``FLOOR_SQL``), timed twice with
   the server's settings and twice with ``FLOOR_SETTINGS`` (the fastest is the
   floor), then checked to give the recompute's figures.
5. the naive loop on a sample of ``--naive-users`` users spread over the ids: for
   each user and each month, ``selectors.figures_at`` (the dashboard's path) and
   ``Snapshot.objects.update_or_create`` of the user's row and the portfolio's row
   (one transaction per user; a one-portfolio user's figures computed once, as the
   set-based recompute does), checked to write the same rows as the recompute.
6. currencies: ``--currency-users`` more users are added, half of them with three
   currencies (base USD; salary and fund in EUR; flat, its rent and costs in GBP;
   a third of their loose entries in EUR or GBP), converted at the ECB rates that
   ship with the app (stored first, timed). The full recompute of these users and
   of as many single-currency users, one process each, in turn and twice (the
   faster of each kept), side by side.

It prints a table and the targets of the scaling issue, each PASS or MISS.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from benchmarks.postgres_run import recreate, server_urls  # noqa: E402

CREATED_AT = "2026-01-01 00:00:00+00"
NULL = "\\N"

# Targets of the scaling issue.
FLOOR_TARGET = 3.0  # recompute wall time at most this many times the floor's
NAIVE_TARGET = 20.0  # recompute at least this many times faster than the naive loop
LINEAR_TARGET = 1.3  # per-user cost at --users at most this many times the smaller run's
# The nightly job of a million users within an hour on one machine (its two cores).
NIGHTLY_TARGET = 280.0  # users a second


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- The database of the benchmark (made and dropped by ``postgres_run``) -----------


def _setup_django(bench_url: str, local_dir: str) -> None:
    os.environ["DATABASE_URL"] = bench_url
    os.environ["LOCAL_DIR"] = local_dir
    os.environ.pop("REDIS_URL", None)  # the milestone e-mails queued go to files
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def _sql(statement: str, params=None, *, fetch: bool = False):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if fetch else None


def _table(model) -> str:
    return model._meta.db_table


def _settle() -> None:
    """Same starting point for every timed run: a checkpoint written, no WAL pending."""
    from django.db import connections

    try:
        _sql("CHECKPOINT")
    except Exception as exc:  # needs superuser or pg_checkpoint; only a nicety
        log(f"(no CHECKPOINT: {exc})")
    connections.close_all()


# --- Synthetic data --------------------------------------------------------------


def _index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _month(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def _days_in(index: int) -> int:
    return (_month(index + 1) - _month(index)).days


def _money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


# Unlinked entries: (category, weight, smallest, largest amount in whole units).
_LOOSE = [
    ("living_expenses", 30, 5, 300),
    ("fees", 15, 1, 40),
    ("holding_costs", 8, 20, 900),
    ("taxes", 5, 50, 2500),
    ("loan_payments", 4, 100, 1500),
    ("other_passive", 10, 5, 400),
    ("interest", 4, 1, 80),
    ("dividends", 4, 10, 600),
    ("freelance", 10, 100, 2500),
    ("other_earned", 6, 20, 800),
    ("bonus", 4, 300, 6000),
]
_LOOSE_CATEGORIES = [c for c, *_ in _LOOSE]
_LOOSE_WEIGHTS = [w for _, w, *_ in _LOOSE]
_LOOSE_RANGE = {c: (lo, hi) for c, _, lo, hi in _LOOSE}


class _Spec(NamedTuple):
    """A synthetic stream; ``start`` and ``end`` are month indexes (year * 12 + month - 1)."""

    name: str
    category: str
    frequency: str
    cents: int
    start: int
    day: int
    end: int | None = None
    hours: int = 0
    holding: int | None = None


class Generator:
    """Rows of synthetic users, written with COPY in chunks of users.

    Portfolios, holdings and streams get explicit ids (entries point at streams);
    the identity sequences are moved past them at the end.
    """

    def __init__(self, months: int, today: date, seed: int = 20261101) -> None:
        # When set, every second user (by number) has amounts in EUR and GBP too.
        self.multi_currency = False
        self.months = months
        self.today = today
        self.last = _index(today)
        self.first = self.last - months + 1
        self.seed = seed
        self.rows = {"users": 0, "streams": 0, "entries": 0, "valuations": 0}

    def _next_ids(self) -> dict[str, int]:
        from portfolio.models import Holding, Portfolio, Stream

        ids = {}
        for name, model in [("portfolio", Portfolio), ("holding", Holding), ("stream", Stream)]:
            ids[name] = _sql(f"SELECT COALESCE(MAX(id), 0) FROM {_table(model)}", fetch=True)[0][0]  # noqa: S608
        return ids

    def add_users(self, count: int, *, start_number: int, chunk: int = 1000) -> None:
        from django.contrib.auth import get_user_model
        from django.db import transaction

        user_model = get_user_model()
        ids = self._next_ids()
        for offset in range(0, count, chunk):
            numbers = range(start_number + offset, start_number + min(offset + chunk, count))
            with transaction.atomic():
                users = user_model.objects.bulk_create(
                    [
                        user_model(
                            email=f"bench{n}@bench.example.com", password="!", time_zone="UTC"
                        )
                        for n in numbers
                    ],
                    batch_size=1000,
                )
                self._copy_chunk([(n, u.pk) for n, u in zip(numbers, users, strict=True)], ids)
            self.rows["users"] += len(users)
        self._reset_sequences()

    def _copy_chunk(self, users: list[tuple[int, int]], ids: dict[str, int]) -> None:
        portfolios, holdings, streams, entries, valuations = [], [], [], [], []
        for number, user_id in users:
            ids["portfolio"] += 1
            portfolio_id = ids["portfolio"]
            portfolios.append(f"{portfolio_id}\t{user_id}\tPersonal\t{CREATED_AT}\tprivate")
            self._user(
                random.Random(self.seed * 1_000_003 + number),
                self._currencies(number),
                portfolio_id,
                ids,
                holdings,
                streams,
                entries,
                valuations,
            )
        from portfolio.models import Entry, Holding, Portfolio, Stream, Valuation

        self._copy(Portfolio, "id, owner_id, name, created_at, sharing", portfolios)
        self._copy(
            Holding, "id, portfolio_id, name, kind, liquid, note, created_at, currency", holdings
        )
        self._copy(
            Stream,
            "id, portfolio_id, name, category, amount, frequency, first_date, end_date, "
            "holding_id, hours_per_month, note, created_at, currency",
            streams,
        )
        self._copy(
            Entry,
            "portfolio_id, date, amount, category, stream_id, note, created_at, currency",
            entries,
        )
        self._copy(Valuation, "holding_id, date, value", valuations)
        self.rows["streams"] += len(streams)
        self.rows["entries"] += len(entries)
        self.rows["valuations"] += len(valuations)

    @staticmethod
    def _copy(model, columns: str, lines: list[str]) -> None:
        from django.db import connection

        if not lines:
            return
        with connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg's own cursor: Django's has no copy()
            with raw.copy(f"COPY {_table(model)} ({columns}) FROM STDIN") as copy:
                copy.write("\n".join(lines) + "\n")

    def _reset_sequences(self) -> None:
        from portfolio.models import Holding, Portfolio, Stream

        for model in (Portfolio, Holding, Stream):
            table = _table(model)
            _sql(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), "  # noqa: S608
                f"(SELECT MAX(id) FROM {table}))",
                [table],
            )

    def _currencies(self, number: int) -> dict[str, str]:
        """The currency of each part of a user's rows (the base currency is USD)."""
        if self.multi_currency and number % 2 == 0:
            return {"earned": "EUR", "fund": "EUR", "property": "GBP", "loose": "mixed"}
        return {"earned": "USD", "fund": "USD", "property": "USD", "loose": "USD"}

    def _user(
        self, rng, currencies, portfolio_id, ids, holdings, streams, entries, valuations
    ) -> None:
        first, last, today = self.first, self.last, self.today
        currency_of_holding = {
            "cash": "USD",
            "listed": currencies["fund"],
            "property": currencies["property"],
        }
        currency_of_stream = {
            "Salary": currencies["earned"],
            "Dividends": currencies["fund"],
            "Rent": currencies["property"],
            "Insurance": currencies["property"],
        }

        # Holdings: cash and a fund (liquid), a flat (not); four valuations each,
        # one in each quarter of the history.
        holding_ids = {}
        for name, kind, liquid, base in [
            ("Cash", "cash", "t", rng.randint(2_000, 30_000)),
            ("Index fund", "listed", "t", rng.randint(0, 150_000)),
            ("Flat", "property", "f", rng.randint(150_000, 600_000)),
        ]:
            ids["holding"] += 1
            holding_ids[kind] = ids["holding"]
            holdings.append(
                f"{ids['holding']}\t{portfolio_id}\t{name}\t{kind}\t{liquid}\t\t{CREATED_AT}"
                f"\t{currency_of_holding[kind]}"
            )
            quarter = self.months / 4
            seen = set()
            for q in range(4):
                index = first + int(q * quarter) + rng.randrange(max(1, int(quarter)))
                day = min(date(index // 12, index % 12 + 1, rng.randint(1, 28)), today)
                if day in seen:
                    continue
                seen.add(day)
                value = int(base * (1 + 0.04 * q) * 100) + rng.randint(-5_000, 5_000)
                valuations.append(f"{holding_ids[kind]}\t{day}\t{_money(value)}")

        # Streams: ~8, of every frequency; some start late, some end.
        salary_day = 31 if rng.random() < 0.2 else rng.choice([1, 15, 25, 28])
        late = rng.random() < 0.15
        property_id, fund_id, cash_id = (holding_ids[k] for k in ("property", "listed", "cash"))
        specs = [
            _Spec(
                "Salary",
                "salary",
                "monthly",
                rng.randint(2_500, 7_000) * 100,
                first + (rng.randint(1, 12) if late else 0),
                salary_day,
            ),
            _Spec(
                "Dividends",
                "dividends",
                "quarterly",
                rng.randint(50, 900) * 100,
                first,
                rng.randint(1, 28),
                holding=fund_id,
            ),
            _Spec(
                "Interest",
                "interest",
                "monthly",
                rng.randint(5, 80) * 100,
                first,
                28,
                holding=cash_id,
            ),
            _Spec(
                "Living", "living_expenses", "monthly", rng.randint(1_200, 3_500) * 100, first, 1
            ),
            _Spec(
                "Groceries",
                "living_expenses",
                "weekly",
                rng.randint(60, 200) * 100,
                first,
                rng.randint(1, 7),
            ),
            _Spec(
                "Insurance",
                "holding_costs",
                "yearly",
                rng.randint(300, 1_500) * 100,
                first,
                rng.randint(1, 28),
                holding=property_id,
            ),
        ]
        if rng.random() < 0.6:
            specs.append(
                _Spec(
                    "Rent",
                    "rent",
                    "monthly",
                    rng.randint(600, 1_800) * 100,
                    first,
                    rng.randint(1, 5),
                    hours=rng.randint(1, 6),
                    holding=property_id,
                )
            )
        else:
            specs.append(
                _Spec(
                    "Royalties",
                    "royalties",
                    "half_yearly",
                    rng.randint(100, 2_000) * 100,
                    first + rng.randint(0, 6),
                    rng.randint(1, 28),
                )
            )
        if rng.random() < 0.5:  # a loan paid off during the history or after it
            specs.append(
                _Spec(
                    "Mortgage",
                    "loan_payments",
                    "monthly",
                    rng.randint(400, 1_600) * 100,
                    first,
                    5,
                    end=first + rng.randint(12, self.months + 12),
                )
            )
        if rng.random() < 0.5:  # a one-off tax bill
            specs.append(
                _Spec(
                    "Tax bill",
                    "taxes",
                    "once",
                    rng.randint(500, 5_000) * 100,
                    first + rng.randrange(self.months),
                    rng.randint(1, 28),
                )
            )
        if not late and rng.random() < 0.15:  # stopped working some time ago
            specs[0] = specs[0]._replace(end=first + rng.randint(self.months // 2, self.months - 2))

        stream_ids = {}
        end_dates = {}
        for spec in specs:
            ids["stream"] += 1
            stream_ids[spec.name] = ids["stream"]
            start = min(spec.start, last)
            first_date = min(
                date(start // 12, start % 12 + 1, min(spec.day, _days_in(start))), today
            )
            end_dates[spec.name] = (
                None if spec.end is None else _month(spec.end) + timedelta(days=9)
            )
            streams.append(
                f"{ids['stream']}\t{portfolio_id}\t{spec.name}\t{spec.category}\t"
                f"{_money(spec.cents)}\t{spec.frequency}\t{first_date}\t"
                f"{end_dates[spec.name] or NULL}\t{spec.holding or NULL}\t{spec.hours}\t\t"
                f"{CREATED_AT}\t{currency_of_stream.get(spec.name, 'USD')}"
            )

        # Entries: ~150. The salary confirmed in ~60 % of its months and the rent in
        # ~50 % (each replaces the stream's expected amount in its month), the rest
        # loose entries of other categories on random days, 3 % of them corrections.
        count = 0
        for spec in specs:
            share = {"Salary": 0.6, "Rent": 0.5}.get(spec.name)
            if share is None:
                continue
            stop = min(today, end_dates[spec.name] or today)
            for index in range(max(spec.start, first), last + 1):
                paid = date(index // 12, index % 12 + 1, min(spec.day, _days_in(index)))
                if paid > stop or rng.random() >= share:
                    continue
                amount = spec.cents + rng.randint(-spec.cents // 20, spec.cents // 20)
                entries.append(
                    f"{portfolio_id}\t{paid}\t{_money(amount)}\t{spec.category}\t"
                    f"{stream_ids[spec.name]}\t\t{CREATED_AT}\t"
                    f"{currency_of_stream.get(spec.name, 'USD')}"
                )
                count += 1
        start_day = _month(first).toordinal()
        span = today.toordinal() - start_day
        loose = max(0, rng.randint(130, 170) - count)
        for category in rng.choices(_LOOSE_CATEGORIES, _LOOSE_WEIGHTS, k=loose):
            lo, hi = _LOOSE_RANGE[category]
            amount = rng.randint(lo * 100, hi * 100)
            if rng.random() < 0.03:
                amount = -rng.randint(1, max(1, amount // 2))
            day = date.fromordinal(start_day + rng.randint(0, span))
            currency = currencies["loose"]
            if currency == "mixed":
                currency = rng.choice(["USD", "USD", "USD", "USD", "EUR", "GBP"])
            entries.append(
                f"{portfolio_id}\t{day}\t{_money(amount)}\t{category}\t{NULL}\t\t{CREATED_AT}"
                f"\t{currency}"
            )


def _analyze() -> None:
    from portfolio.models import Entry, Holding, Portfolio, Stream, Valuation

    for model in (Portfolio, Holding, Stream, Entry, Valuation):
        _sql(f"VACUUM ANALYZE {_table(model)}")
    _sql("ANALYZE")


def _user_ids() -> list[int]:
    from django.contrib.auth import get_user_model

    return list(get_user_model().objects.order_by("pk").values_list("pk", flat=True))


# --- The set-based recompute, in N processes ----------------------------------------


def _backend_cpu(pid: int) -> float | None:
    """CPU seconds of a PostgreSQL backend on this machine (None when it is elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _worker(batches, counter, lock, results, since) -> None:
    from django.db import connections

    from portfolio import snapshots

    connections.close_all()  # a forked process opens its own connection
    backend = _sql("SELECT pg_backend_pid()", fetch=True)[0][0]
    rows = 0
    while True:
        with lock:
            position = counter.value
            counter.value += 1
        if position >= len(batches):
            break
        if since is None:
            rows += snapshots.snapshots_recompute(user_ids=batches[position]).rows_written
        else:  # what the nightly job's ``recompute_batch`` task runs
            rows += snapshots.snapshots_recompute_batch(
                user_ids=batches[position], since=since
            ).rows_written
    usage = resource.getrusage(resource.RUSAGE_SELF)
    results.put((rows, usage.ru_utime + usage.ru_stime, _backend_cpu(backend)))
    connections.close_all()


def recompute(
    ids: list[int],
    processes: int,
    batch_size: int,
    since: date | None = None,
    *,
    over_rows: bool = False,
) -> tuple[float, int, float, float, int]:
    """(seconds, rows written, CPU seconds of the processes, of their PostgreSQL
    backends, bytes of WAL) of the full recompute of ``ids`` by ``processes`` processes
    into an empty table, or ``over_rows`` already there; with ``since``, of the nightly
    job instead (every user from ``since``'s month, over the rows already there).

    The WAL is the server's, so writes to its other databases meanwhile count too.
    """
    from django.db import connections

    from portfolio.models import Snapshot

    if since is None and not over_rows:
        _sql(f"TRUNCATE {_table(Snapshot)}")
    _settle()
    wal = _sql("SELECT pg_current_wal_insert_lsn()", fetch=True)[0][0]
    connections.close_all()  # before the fork
    from portfolio.batches import batches as split

    batches = [list(batch) for batch in split(ids, batch_size)]
    context = multiprocessing.get_context("fork")
    counter, lock, results = context.Value("l", 0, lock=False), context.Lock(), context.Queue()
    started = time.perf_counter()
    workers = [
        context.Process(target=_worker, args=(batches, counter, lock, results, since))
        for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    done = [results.get() for _ in workers]
    for worker in workers:
        worker.join()
    seconds = time.perf_counter() - started
    failed = [w.exitcode for w in workers if w.exitcode]
    if failed:
        raise SystemExit(f"a recompute process failed (exit codes {failed})")
    backends = [d[2] for d in done]
    wal = _sql("SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), %s)", [wal], fetch=True)[0][0]
    return (
        seconds,
        sum(d[0] for d in done),
        sum(d[1] for d in done),
        float("nan") if None in backends else sum(backends),
        int(wal),
    )


def after_edit(ids: list[int], since: date, batch_size: int) -> tuple[float, int, int, int]:
    """What an edit costs: (seconds, rows) of recomputing ``ids`` one at a time from
    ``since`` (as ``recompute_user`` does after the debounce), and the queries of
    one such recompute and of one full batch."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from portfolio import snapshots

    _settle()
    rows = 0
    started = time.perf_counter()
    for user_id in ids:
        rows += snapshots.snapshots_recompute(user_ids=[user_id], since=since).rows_written
    seconds = time.perf_counter() - started
    # Counted on separate runs: logging every statement would skew the timing.
    with CaptureQueriesContext(connection) as one:
        snapshots.snapshots_recompute(user_ids=ids[:1], since=since)
    with CaptureQueriesContext(connection) as batch:
        snapshots.snapshots_recompute(user_ids=ids[:batch_size])
    return seconds, rows, len(one), len(batch)


# --- The floor: one SQL statement ----------------------------------------------------

# The TTM earned, passive and spending of every user at every month from the
# user's first data (stream, entry or valuation) to the current month, exactly as
# the recompute's user-level rows have them (checked after timing): the expected
# payments of every stream in every month (all six frequencies, the day clamped to
# the month's end, nothing after end_date) except the stream-months that have a
# linked entry, plus every entry; summed by group per portfolio and month, then
# per user and month, then over the 12 months ending with each month (a window),
# plus, in a window shorter than a quarterly, half-yearly or yearly stream's period
# (a user's first months) with no entry linked to that stream in it, the stream's
# monthly equivalent in place of its payments for each month of the window it is
# active (docs/metrics.md), negatives clamped to 0, rounded to the cent as the
# snapshot's columns store them. What it does not do: by_category, the portfolio-level
# rows, balances, the six metrics, and writing anything: the timed statement
# returns one row of totals over all user-months, so no time goes to the client.
FLOOR_SQL = """
WITH s AS (
    SELECT id, portfolio_id, category, amount, frequency, first_date, end_date,
           date_part('day', first_date)::int AS d,
           (date_part('year', first_date) * 12 + date_part('month', first_date) - 1)::int AS f,
           LEAST(%(cur)s, COALESCE(
               (date_part('year', end_date) * 12 + date_part('month', end_date) - 1)::int,
               %(cur)s)) AS l,
           CASE frequency WHEN 'quarterly' THEN 3 WHEN 'half_yearly' THEN 6
                          WHEN 'yearly' THEN 12 ELSE 1 END AS step
    FROM {stream}
),
linked AS (
    SELECT DISTINCT stream_id,
           (date_part('year', date) * 12 + date_part('month', date) - 1)::int AS m
    FROM {entry} WHERE stream_id IS NOT NULL
),
flows AS (
    SELECT s.portfolio_id, x.m, s.category,
           s.amount * CASE
               WHEN s.frequency = 'once' THEN 1
               WHEN s.frequency = 'weekly' THEN GREATEST(0,
                   (LEAST(x.me, COALESCE(s.end_date, x.me)) - s.first_date) / 7
                   - (GREATEST(x.ms, s.first_date) - s.first_date + 6) / 7 + 1)
               WHEN s.end_date IS NULL
                    OR x.ms + (LEAST(s.d, x.me - x.ms + 1) - 1) <= s.end_date THEN 1
               ELSE 0 END AS amount
    FROM s CROSS JOIN LATERAL (
        SELECT m, ms, (ms + interval '1 month - 1 day')::date AS me
        FROM (SELECT m, make_date(m / 12, m %% 12 + 1, 1) AS ms
              FROM generate_series(s.f, CASE WHEN s.frequency = 'once' THEN LEAST(s.f, s.l)
                                             ELSE s.l END, s.step) AS m) AS g
    ) AS x
    WHERE NOT EXISTS (SELECT 1 FROM linked k WHERE k.stream_id = s.id AND k.m = x.m)
    UNION ALL
    SELECT portfolio_id,
           (date_part('year', date) * 12 + date_part('month', date) - 1)::int, category, amount
    FROM {entry} WHERE date < make_date((%(cur)s + 1) / 12, (%(cur)s + 1) %% 12 + 1, 1)
),
by_portfolio AS (
    SELECT portfolio_id, m,
           SUM(amount) FILTER (WHERE category IN ({earned})) AS earned,
           SUM(amount) FILTER (WHERE category IN ({passive})) AS passive,
           SUM(amount) FILTER (WHERE category IN ({outgoing})) AS spending
    FROM flows GROUP BY portfolio_id, m
),
monthly AS (
    SELECT p.owner_id, b.m, SUM(b.earned) AS earned, SUM(b.passive) AS passive,
           SUM(b.spending) AS spending
    FROM by_portfolio b JOIN {portfolio} p ON p.id = b.portfolio_id
    GROUP BY p.owner_id, b.m
),
firsts AS (
    SELECT owner_id, MIN(m) AS first FROM (
        SELECT owner_id, MIN(m) AS m FROM monthly GROUP BY owner_id
        UNION ALL
        SELECT p.owner_id, MIN(date_part('year', v.date) * 12 + date_part('month', v.date) - 1)::int
        FROM {valuation} v JOIN {holding} h ON h.id = v.holding_id
        JOIN {portfolio} p ON p.id = h.portfolio_id GROUP BY p.owner_id
    ) AS any_data GROUP BY owner_id
),
first_flows AS (
    SELECT p.owner_id, MIN(x.m) AS first FROM (
        SELECT portfolio_id, f AS m FROM s
        UNION ALL
        SELECT portfolio_id,
               MIN(date_part('year', date) * 12 + date_part('month', date) - 1)::int
        FROM {entry} GROUP BY portfolio_id
    ) AS x JOIN {portfolio} p ON p.id = x.portfolio_id GROUP BY p.owner_id
),
short AS (
    -- Windows m shorter than the stream's period start at the first flow (ff) and
    -- are its first step - 1 months; k runs over the window's months the stream is
    -- active in, each counting the monthly equivalent instead of the payment.
    SELECT o.owner_id, w.m,
           SUM(e.amount) FILTER (WHERE s.category IN ({earned})) AS earned,
           SUM(e.amount) FILTER (WHERE s.category IN ({passive})) AS passive,
           SUM(e.amount) FILTER (WHERE s.category IN ({outgoing})) AS spending
    FROM s JOIN {portfolio} p ON p.id = s.portfolio_id
    JOIN first_flows o ON o.owner_id = p.owner_id
    CROSS JOIN LATERAL generate_series(o.first, LEAST(o.first + s.step - 2, %(cur)s)) AS w(m)
    CROSS JOIN LATERAL generate_series(GREATEST(o.first, s.f), LEAST(w.m, s.l)) AS k(k)
    -- The month's equivalent less the payment the month has, if any.
    CROSS JOIN LATERAL (SELECT s.amount / s.step - CASE
               WHEN (k.k - s.f) %% s.step = 0 AND (s.end_date IS NULL
                    OR make_date(k.k / 12, k.k %% 12 + 1, 1)
                       + (LEAST(s.d, date_part('day', make_date(k.k / 12, k.k %% 12 + 1, 1)
                                + interval '1 month - 1 day')::int) - 1) <= s.end_date)
               THEN s.amount ELSE 0 END AS amount) AS e
    WHERE s.frequency IN ('quarterly', 'half_yearly', 'yearly')
      AND NOT EXISTS (SELECT 1 FROM linked k2
                      WHERE k2.stream_id = s.id AND k2.m BETWEEN o.first AND w.m)
    GROUP BY o.owner_id, w.m
),
ttm AS (
    SELECT d.owner_id, d.m,
           SUM(COALESCE(mo.earned, 0)) OVER w AS earned,
           SUM(COALESCE(mo.passive, 0)) OVER w AS passive,
           SUM(COALESCE(mo.spending, 0)) OVER w AS spending
    FROM (SELECT owner_id, generate_series(first, %(cur)s) AS m FROM firsts) AS d
    LEFT JOIN monthly mo ON mo.owner_id = d.owner_id AND mo.m = d.m
    WINDOW w AS (PARTITION BY d.owner_id ORDER BY d.m ROWS BETWEEN 11 PRECEDING AND CURRENT ROW)
)
SELECT t.owner_id, t.m,
       ROUND(GREATEST(t.earned + COALESCE(sh.earned, 0), 0), 2) AS earned,
       ROUND(GREATEST(t.passive + COALESCE(sh.passive, 0), 0), 2) AS passive,
       ROUND(GREATEST(t.spending + COALESCE(sh.spending, 0), 0), 2) AS spending
FROM ttm t LEFT JOIN short sh ON sh.owner_id = t.owner_id AND sh.m = t.m
"""

# The floor is timed with the server's settings, then with the two that help a
# statement this size (no JIT compilation, whose cost the planner misjudges here;
# room to sort and hash in memory); the faster counts.
FLOOR_SETTINGS = {
    "server defaults": [],
    "jit off, work_mem 256MB": ["SET jit = off", "SET work_mem = '256MB'"],
}


def floor_sql() -> str:
    from portfolio import categories
    from portfolio.models import Entry, Holding, Portfolio, Stream, Valuation

    def members(group: str) -> str:
        return ", ".join(f"'{c}'" for c in categories.CATEGORIES_IN[group])

    return FLOOR_SQL.format(
        earned=members(categories.EARNED),
        passive=members(categories.PASSIVE),
        outgoing=members(categories.OUTGOING),
        stream=_table(Stream),
        entry=_table(Entry),
        portfolio=_table(Portfolio),
        valuation=_table(Valuation),
        holding=_table(Holding),
    )


def floor(today: date, repeats: int = 2) -> tuple[dict[str, float], int]:
    """({settings: seconds of the faster of ``repeats`` runs}, user-months computed)."""
    query = f"SELECT COUNT(*), SUM(earned), SUM(passive), SUM(spending) FROM ({floor_sql()}) t"  # noqa: S608
    times, months = {}, 0
    for label, settings in FLOOR_SETTINGS.items():
        for _ in range(repeats):
            _settle()
            for statement in settings:
                _sql(statement)
            started = time.perf_counter()
            months = _sql(query, {"cur": _index(today)}, fetch=True)[0][0]
            seconds = time.perf_counter() - started
            times[label] = min(times.get(label, seconds), seconds)
    _settle()
    return times, months


def floor_check(today: date) -> tuple[int, int]:
    """(user-months where the floor and the recompute's user rows differ, user-months)."""
    from portfolio.models import Snapshot

    _sql(f"CREATE TEMP TABLE bench_floor AS {floor_sql()}", {"cur": _index(today)})
    differ, total = _sql(
        f"""SELECT COUNT(*) FILTER (WHERE f.owner_id IS NULL OR s.owner_id IS NULL
                   OR (f.earned, f.passive, f.spending)
                      IS DISTINCT FROM (s.earned, s.passive, s.spending)),
                   COUNT(*)
            FROM bench_floor f FULL JOIN (
                SELECT owner_id, (EXTRACT(YEAR FROM month) * 12
                                  + EXTRACT(MONTH FROM month) - 1)::int AS m,
                       earned, passive, spending
                FROM {_table(Snapshot)} WHERE portfolio_id IS NULL) s
            ON s.owner_id = f.owner_id AND s.m = f.m""",  # noqa: S608
        fetch=True,
    )[0]
    _sql("DROP TABLE bench_floor")
    return differ, total


# --- The naive loop ---------------------------------------------------------------


def naive(user_ids: list[int]) -> tuple[float, int]:
    """(seconds, rows) of the per-user, per-month ORM loop over ``user_ids``."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.db.models import Min
    from django.utils import timezone

    from portfolio import months, selectors, snapshots
    from portfolio.models import Entry, Portfolio, Snapshot, Stream, Valuation

    def fields(figures, month, computed_at) -> dict:
        # The same Figures -> columns conversion as the recompute (metric rounding).
        row = snapshots._row(snapshots._Scope(0, None), month, figures, computed_at)
        for key in ("owner_id", "portfolio_id", "month"):
            del row[key]
        return row

    _sql(f"TRUNCATE {_table(Snapshot)}")
    _settle()
    rows = 0
    started = time.perf_counter()
    for user in get_user_model().objects.filter(pk__in=user_ids).order_by("pk"):
        with transaction.atomic():
            computed_at = timezone.now()
            portfolios = Portfolio.objects.filter(owner=user)
            own = list(portfolios)
            today = months.user_today(user)
            firsts = [
                Stream.objects.filter(portfolio__owner=user).aggregate(d=Min("first_date"))["d"],
                Entry.objects.filter(portfolio__owner=user).aggregate(d=Min("date"))["d"],
                Valuation.objects.filter(holding__portfolio__owner=user).aggregate(d=Min("date"))[
                    "d"
                ],
            ]
            firsts = [d for d in firsts if d is not None]
            if not firsts:
                continue
            last = _index(today)
            for index in range(_index(min(firsts)), last + 1):
                month = _month(index)
                as_of = today if index == last else months.month_bounds(month.year, month.month)[1]
                figures = selectors.figures_at(
                    portfolios=portfolios, as_of=as_of, currency=user.currency
                )
                Snapshot.objects.update_or_create(
                    owner=user,
                    portfolio=None,
                    month=month,
                    defaults=fields(figures, month, computed_at),
                )
                for portfolio in own:
                    if len(own) > 1:
                        figures = selectors.figures_at(
                            portfolios=[portfolio], as_of=as_of, currency=user.currency
                        )
                    Snapshot.objects.update_or_create(
                        owner=user,
                        portfolio=portfolio,
                        month=month,
                        defaults=fields(figures, month, computed_at),
                    )
                rows += 1 + len(own)
    return time.perf_counter() - started, rows


def _keep_rows(user_ids: list[int]) -> None:
    from portfolio.models import Snapshot

    _sql(
        f"CREATE TABLE bench_expected AS SELECT * FROM {_table(Snapshot)} "  # noqa: S608
        "WHERE owner_id = ANY(%s)",
        [user_ids],
    )


def _fingerprint() -> str:
    """md5 of the md5s of every snapshot row (every column but the id and computed_at),
    in key order: the rows' own text would pass PostgreSQL's 1 GB limit at 100,000 users."""
    from portfolio.models import Snapshot

    columns = ", ".join(
        f.column for f in Snapshot._meta.concrete_fields if f.column not in ("id", "computed_at")
    )
    return _sql(
        f"SELECT md5(string_agg(md5(t::text), '' ORDER BY t.owner_id, t.household_id, "  # noqa: S608
        f"t.portfolio_id NULLS FIRST, t.month)) FROM (SELECT {columns} FROM {_table(Snapshot)}) t",
        fetch=True,
    )[0][0]


def naive_check() -> tuple[int, int]:
    """(rows differing between ``bench_expected`` (the naive loop's rows, or those of
    a recompute kept) and the snapshots now, rows compared); drops ``bench_expected``."""
    from portfolio.models import Snapshot

    columns = [
        f.column
        for f in Snapshot._meta.concrete_fields
        if f.column not in ("id", "owner_id", "portfolio_id", "month", "computed_at")
    ]
    left = ", ".join(f"e.{c}" for c in columns)
    right = ", ".join(f"s.{c}" for c in columns)
    differ, total = _sql(
        f"""SELECT COUNT(*) FILTER (WHERE e.owner_id IS NULL OR s.owner_id IS NULL
                   OR ({left}) IS DISTINCT FROM ({right})), COUNT(*)
            FROM bench_expected e FULL JOIN {_table(Snapshot)} s
            ON s.owner_id = e.owner_id AND s.month = e.month
               AND s.portfolio_id IS NOT DISTINCT FROM e.portfolio_id""",  # noqa: S608
        fetch=True,
    )[0]
    _sql("DROP TABLE bench_expected")
    return differ, total


# --- Report -----------------------------------------------------------------------


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--workers", default="1,2", help="processes, comma-separated: 1,2,4")
    parser.add_argument(
        "--nightly-workers", default="1,2", help="processes of the nightly job's runs: 1,2"
    )
    parser.add_argument(
        "--naive-users",
        type=int,
        default=1_000,
        help="the naive loop's sample (0 skips it and the after-an-edit runs)",
    )
    parser.add_argument(
        "--compare-users",
        type=int,
        default=None,
        help="the smaller run of the linearity check (default: --users / 5, at most 10,000; "
        "0 skips it)",
    )
    parser.add_argument(
        "--edit-users",
        type=int,
        default=200,
        help="users recomputed one at a time, as after an edit",
    )
    parser.add_argument(
        "--currency-users",
        type=int,
        default=1_000,
        help="users added at the end, half of them with three currencies (0 skips it)",
    )
    parser.add_argument(
        "--floor-runs", type=int, default=2, help="runs of the floor per setting (0 skips it)"
    )
    parser.add_argument(
        "--full-runs",
        type=int,
        default=2,
        help="runs of the full recompute per number of processes (the fastest counts)",
    )
    parser.add_argument("--batch-size", type=int, default=None, help="default: BATCH_SIZE")
    parser.add_argument("--db-name", default="wealthratio_bench")
    parser.add_argument("--keep", action="store_true", help="keep the database at the end")
    args = parser.parse_args()
    workers = sorted({int(w) for w in args.workers.split(",")})
    nightly_workers = sorted({int(w) for w in args.nightly_workers.split(",")})
    compare = min(args.users // 5, 10_000) if args.compare_users is None else args.compare_users
    if not 0 <= compare < args.users:
        parser.error("--compare-users must be smaller than --users")

    url = os.environ.get("DATABASE_URL", "")
    if not url:
        raise SystemExit(
            "Set DATABASE_URL to a PostgreSQL server (postgres://USER@HOST:5432/ANY): "
            "this benchmark measures PostgreSQL and creates its own database there."
        )
    maintenance, bench_url = server_urls(url, args.db_name)
    local_dir = tempfile.mkdtemp(prefix="wr-bench-snapshots-")
    began = time.perf_counter()
    log(f"creating database {args.db_name}")
    recreate(maintenance, args.db_name, create=True)
    try:
        _setup_django(bench_url, local_dir)
        run(args, workers, nightly_workers, compare, began)
    finally:
        from django.db import connections

        connections.close_all()
        if args.keep:
            log(f"kept database {args.db_name}")
        else:
            recreate(maintenance, args.db_name, create=False)
        shutil.rmtree(local_dir, ignore_errors=True)


def run(args, workers: list[int], nightly_workers: list[int], compare: int, began: float) -> None:
    from django.core.management import call_command
    from django.db import connection

    from portfolio import snapshots
    from portfolio.models import Snapshot

    load_start = os.getloadavg()[0]
    batch_size = args.batch_size or snapshots.BATCH_SIZE
    today = datetime.now(UTC).date()
    log("migrating")
    call_command("migrate", verbosity=0, interactive=False)
    server = _sql("SHOW server_version", fetch=True)[0][0]
    generator = Generator(args.months, today)
    generated = 0.0

    def grow(to: int) -> None:
        nonlocal generated
        started = time.perf_counter()
        have = generator.rows["users"]
        log(f"generating users {have + 1:,}..{to:,}")
        generator.add_users(to - have, start_number=have)
        _analyze()
        generated += time.perf_counter() - started
        log(f"  {to:,} users in {generated:.0f} s so far")

    small = None
    if compare:
        grow(compare)
        log(f"full recompute of {compare:,} users, 1 process")
        small = recompute(_user_ids(), 1, batch_size)
    grow(args.users)
    ids = _user_ids()
    counts = dict(generator.rows)  # the users of the main runs (currency users come later)

    full: dict[int, tuple[float, int, float, float, int]] = {}
    for processes in workers:
        # Timed as the floor is, the fastest of a few runs: one run on a shared
        # machine measures its neighbours as much as the code.
        runs = []
        for run_number in range(1, max(1, args.full_runs) + 1):
            log(f"full recompute of {len(ids):,} users, {processes} process(es), run {run_number}")
            runs.append(recompute(ids, processes, batch_size))
        log("  " + ", ".join(f"{run[0]:.2f} s" for run in runs))
        full[processes] = min(runs)
    sizes = _sql(
        "SELECT pg_database_size(current_database()), pg_total_relation_size(%s)",
        [_table(Snapshot)],
        fetch=True,
    )[0]
    fingerprint = _fingerprint()

    # The nightly job: every user from last month (as ``tasks.recompute_all`` sends
    # them), over the rows the full recompute left; it must leave them as they were.
    since = _month(_index(today) - 1)
    _sql(f"CREATE TABLE bench_expected AS SELECT * FROM {_table(Snapshot)}")  # noqa: S608
    _sql(f"VACUUM ANALYZE {_table(Snapshot)}")  # as autovacuum would after the full run
    nightly: dict[int, tuple[float, int, float, float, int]] = {}
    for processes in nightly_workers:
        log(f"nightly job over {len(ids):,} users from {since:%Y-%m}, {processes} process(es)")
        nightly[processes] = recompute(ids, processes, batch_size, since=since)
    nightly_differ, nightly_total = naive_check()

    # What a release that changes a formula runs: every month of every user again,
    # over the rows there (every row an update), with the most processes.
    processes = max(workers)
    log(f"full recompute of {len(ids):,} users over their rows, {processes} process(es)")
    _sql(f"CREATE TABLE bench_expected AS SELECT * FROM {_table(Snapshot)}")  # noqa: S608
    _sql(f"VACUUM ANALYZE {_table(Snapshot)}")
    over = recompute(ids, processes, batch_size, over_rows=True)
    over_differ, over_total = naive_check()

    sample = (
        ids[:: max(1, len(ids) // args.naive_users)][: args.naive_users] if args.naive_users else []
    )
    edited = sample[: args.edit_users]
    if edited:
        log(f"after an edit: {len(edited):,} users one at a time, from {since:%Y-%m}")
        edit_seconds, edit_rows, edit_queries, batch_queries = after_edit(edited, since, batch_size)

    floor_times: dict[str, float] = {}
    if args.floor_runs:
        log(f"floor: one SQL statement, {args.floor_runs} time(s) with each setting")
        floor_times, floor_months = floor(today, args.floor_runs)
        floor_seconds = min(floor_times.values())
        floor_differ, floor_total = floor_check(today)

    if sample:
        _keep_rows(sample)
        log(f"naive loop over {len(sample):,} users")
        naive_seconds, naive_rows = naive(sample)
        naive_differ, naive_total = naive_check()

    currency_runs = None
    if args.currency_users:
        from portfolio.rates import load_shipped_rates

        log("storing the shipped ECB rate history")
        started = time.perf_counter()
        stored = len(load_shipped_rates())
        rates_seconds = time.perf_counter() - started
        single = ids[: args.currency_users]
        generator.multi_currency = True
        grow(len(ids) + args.currency_users)
        mixed = _user_ids()[len(ids) :]
        # In turn, twice each, the faster of each kept: on a shared machine one run
        # alone says more about the neighbours than about the currencies.
        runs: dict[str, list] = {"single": [], "mixed": []}
        for _ in range(2):
            log(f"full recompute of {len(single):,} single-currency users, 1 process")
            runs["single"].append(recompute(single, 1, batch_size))
            log(f"full recompute of {len(mixed):,} users, half with three currencies, 1 process")
            runs["mixed"].append(recompute(mixed, 1, batch_size))
        single_run, mixed_run = (min(runs[name]) for name in ("single", "mixed"))
        currency_runs = (stored, rates_seconds, single_run, mixed_run, len(single), len(mixed))

    # --- the table ---
    users = counts["users"]
    one_proc = full.get(1) or full[min(full)]
    base_workers = 1 if 1 in full else min(full)
    per_user = one_proc[0] / users
    lines = [
        "",
        f"Snapshot recompute, PostgreSQL {server} ({connection.settings_dict['NAME']}), "
        f"{os.cpu_count()} CPUs, load average {load_start:.1f} at the start, "
        f"{os.getloadavg()[0]:.1f} at the end",
        f"{users:,} users x {args.months} months: per user {counts['streams'] / users:.1f} "
        f"streams, {counts['entries'] / users:.1f} entries, "
        f"{counts['valuations'] / users:.1f} valuations, 1 portfolio; batches of {batch_size}; "
        f"data made in {generated:.0f} s",
        "",
        f"{'run':<52} {'wall s':>9} {'rows':>10} {'rows/s':>8} {'ms/user':>8}",
    ]

    def line(label: str, seconds: float, rows: int, n_users: int) -> None:
        lines.append(
            f"{label:<52} {seconds:>9.1f} {rows:>10,} {rows / seconds:>8,.0f} "
            f"{1000 * seconds / n_users:>8.2f}"
        )

    for processes, (seconds, rows, *_cpu) in full.items():
        line(f"set-based recompute, {users:,} users, {processes} process(es)", seconds, rows, users)
    if small is not None:
        line(f"set-based recompute, {compare:,} users, 1 process", small[0], small[1], compare)
    line(f"set-based recompute over its rows, {max(full)} process(es)", over[0], over[1], users)
    for processes, (seconds, rows, *_cpu) in nightly.items():
        line(
            f"nightly job from {since:%Y-%m}, {users:,} users, {processes} process(es)",
            seconds,
            rows,
            users,
        )
    if edited:
        line(
            f"after an edit: 1 user from {since:%Y-%m}, x{len(edited):,} in turn",
            edit_seconds,
            edit_rows,
            len(edited),
        )
    if sample:
        naive_per_user = naive_seconds / len(sample)
        line(
            f"naive ORM loop, {len(sample):,}-user sample, 1 process",
            naive_seconds,
            naive_rows,
            len(sample),
        )
        lines.append(
            f"{'  extrapolated to ' + format(users, ',') + ' users':<52} "
            f"{naive_per_user * users:>9.0f}"
        )
    for label, seconds in floor_times.items():
        line(f"floor: one SQL statement, {label}", seconds, floor_months, users)
    lines += [
        "",
        "checks: "
        + (
            f"floor = recompute's user rows (earned, passive, spending) in "
            f"{floor_total - floor_differ:,} of {floor_total:,} user-months; "
            if floor_times
            else ""
        )
        + f"nightly job = full "
        f"recompute in {nightly_total - nightly_differ:,} of {nightly_total:,} rows; "
        f"over its rows in {over_total - over_differ:,} of {over_total:,}"
        + (
            f"; naive loop = recompute in {naive_total - naive_differ:,} of {naive_total:,} rows"
            if sample
            else ""
        )
        + " (every column but computed_at)",
        f"rows of the full recompute: md5 {fingerprint} (same data and day, same rows)",
        *(
            f"nightly job, {processes} process(es): {users / seconds:,.0f} users/s; "
            f"a million users in {1_000_000 / (users / seconds) / 60:,.0f} min"
            for processes, (seconds, *_rest) in nightly.items()
        ),
        *(
            f"{processes} process(es): CPU of Python {python:.0f} s ({python / seconds:.0%} of the "
            f"wall time), of PostgreSQL {backend:.0f} s, so {1000 * python / users:.1f} + "
            f"{1000 * backend / users:.1f} ms a user; WAL {wal / 2**20:,.0f} MiB "
            f"({wal / rows:,.0f} bytes a row)"
            for processes, (seconds, rows, python, backend, wal) in full.items()
        ),
        f"over its rows, {max(full)} process(es): CPU of Python {over[2]:.0f} s, of PostgreSQL "
        f"{over[3]:.0f} s, so {1000 * over[2] / users:.1f} + {1000 * over[3] / users:.1f} ms a "
        f"user; WAL {over[4] / 2**20:,.0f} MiB"
        + (f"; {over[0] / floor_seconds:.1f}x the floor (no target)" if floor_times else ""),
        *(
            f"nightly, {processes} process(es): CPU of Python {python:.0f} s, of PostgreSQL "
            f"{backend:.0f} s, so {1000 * python / users:.2f} + {1000 * backend / users:.2f} ms "
            f"a user; WAL {wal / 2**20:,.0f} MiB"
            for processes, (seconds, rows, python, backend, wal) in nightly.items()
        ),
        f"size: database {sizes[0] / 2**20:,.0f} MiB after the full recompute, of which "
        f"snapshots {sizes[1] / 2**20:,.0f} MiB ({sizes[1] / one_proc[1]:,.0f} bytes a row)",
        *(
            [
                f"queries: {batch_queries} per full batch of {batch_size} users, {edit_queries} "
                "per one-user recompute after an edit (milestone listener included)"
            ]
            if edited
            else []
        ),
        "",
        f"{'target':<52} {'measured':>9} {'':>10} verdict",
    ]

    def target(label: str, value: float, ok: bool) -> None:
        lines.append(f"{label:<52} {value:>8.1f}x {'':>10} {_verdict(ok)}")

    for processes, (seconds, *_rest) in full.items() if floor_times else ():
        target(
            f"recompute ({processes} proc) / floor <= {FLOOR_TARGET:g}x",
            seconds / floor_seconds,
            seconds / floor_seconds <= FLOOR_TARGET,
        )
    for processes, (seconds, *_rest) in nightly.items():
        rate = users / seconds
        lines.append(
            f"{f'nightly job ({processes} proc) >= {NIGHTLY_TARGET:g} users/s':<52} "
            f"{rate:>9.0f} {'':>10} {_verdict(rate >= NIGHTLY_TARGET)}"
        )
    if sample:
        speedup = naive_per_user / per_user
        target(
            f"naive / recompute ({base_workers} proc), per user >= {NAIVE_TARGET:g}x",
            speedup,
            speedup >= NAIVE_TARGET,
        )
    if small is not None:
        ratio = per_user / (small[0] / compare)
        target(
            f"per user {users:,} / {compare:,} users (1 proc) <= {LINEAR_TARGET:g}x",
            ratio,
            ratio <= LINEAR_TARGET,
        )
    if currency_runs is not None:
        stored, rates_seconds, single_run, mixed_run, n_single, n_mixed = currency_runs
        lines += [
            "",
            f"currencies: the shipped ECB history ({stored} currencies) stored in "
            f"{rates_seconds:.1f} s",
            f"{'run':<52} {'wall s':>9} {'rows':>10} {'rows/s':>8} {'ms/user':>8}",
        ]
        line(f"{n_single:,} users, one currency, 1 process, best of 2", *single_run[:2], n_single)
        line(f"{n_mixed:,} users, half in three currencies, best of 2", *mixed_run[:2], n_mixed)
        lines.append(
            f"{'  cost of the currencies, per user':<52} "
            f"{(mixed_run[0] / n_mixed) / (single_run[0] / n_single):>8.2f}x"
        )
    lines.append("")
    lines.append(f"total run time {time.perf_counter() - began:.0f} s")
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    main()
