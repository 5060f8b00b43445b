"""The snapshot tasks end to end, through two real Celery worker processes.

The debounce (ten edits, one recompute), two workers recomputing overlapping
batches at once, and a worker's pool process killed with SIGKILL in the middle of
a batch. Each test compares the rows the workers wrote with a recompute in this
process: the same rows, and no duplicates. The two workers are started once for
the module (``celery_worker_pair``); each test reads only its part of their logs.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from unittest import mock

import pytest
from django.db import connection, transaction
from django.forms.models import model_to_dict

from accounts.models import User
from portfolio import snapshots, tasks
from portfolio.models import Snapshot, SnapshotQueue
from tests.factories import (
    EntryFactory,
    HoldingFactory,
    StreamFactory,
    UserFactory,
    ValuationFactory,
)

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

D = Decimal
BATCH_DONE = re.compile(r"Task snapshots\.recompute_batch\[[\w-]+\] succeeded")
USER_DONE = re.compile(r"Task snapshots\.recompute_user\[[\w-]+\] succeeded")


def every_row() -> list[dict]:
    rows = []
    for snapshot in Snapshot.objects.order_by("owner", "portfolio", "month"):
        values = model_to_dict(snapshot)
        values.pop("computed_at")
        values.pop("id")
        rows.append(values)
    return rows


def rows_after_a_recompute_here(user_ids) -> list[dict]:
    snapshots.snapshots_recompute(user_ids=user_ids)
    return every_row()


class Logs:
    """What the workers logged since this object was made."""

    def __init__(self, workers):
        self.workers = workers
        self.start = [w.log.stat().st_size for w in workers]

    def of(self, worker) -> str:
        offset = self.start[self.workers.index(worker)]
        with worker.log.open("rb") as log:
            log.seek(offset)
            return log.read().decode(errors="replace")

    def all(self) -> str:
        return "\n".join(self.of(w) for w in self.workers)

    def count(self, pattern: re.Pattern) -> int:
        return len(pattern.findall(self.all()))

    def wait_for(self, condition, what: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"Timed out waiting for {what}:\n{self.all()}")
            time.sleep(0.1)


def make_users(n: int) -> list[int]:
    """``n`` users with three years of streams, entries and valuations (no task queued)."""
    ids = []
    with mock.patch.object(tasks.recompute_user, "apply_async"):
        for k in range(n):
            with transaction.atomic():
                user = UserFactory()
                portfolio = user.portfolios.get()
                StreamFactory(portfolio=portfolio, first_date=date(2023, 1 + k % 12, 1))
                StreamFactory(
                    portfolio=portfolio,
                    category="dividends",
                    amount=D(50 + k),
                    frequency="quarterly",
                    first_date=date(2023, 6, 15),
                )
                StreamFactory(
                    portfolio=portfolio,
                    category="living_expenses",
                    amount=D(2000),
                    first_date=date(2024, 1, 1),
                )
                for month in range(1, 13):
                    EntryFactory(
                        portfolio=portfolio, category="interest", date=date(2025, month, 2)
                    )
                cash = HoldingFactory(portfolio=portfolio, kind="cash")
                for year in (2023, 2024, 2025):
                    ValuationFactory(holding=cash, date=date(year, 3, 3), value=D(1000 * year + k))
            ids.append(user.pk)
    return ids


def test_ten_edits_through_a_real_worker_give_one_recompute(celery_worker_pair, monkeypatch):
    (user_id,) = make_users(1)
    logs = Logs(celery_worker_pair)
    monkeypatch.setattr(snapshots, "DEBOUNCE_SECONDS", 2)
    portfolio = User.objects.get(pk=user_id).portfolios.get()

    for n in range(10):  # ten requests, each committing an entry, each queueing a task
        with transaction.atomic():
            EntryFactory(portfolio=portfolio, amount=D(n + 1), date=date(2024, 2, n + 1))

    logs.wait_for(lambda: logs.count(USER_DONE) == 10, "ten tasks")
    assert len(re.findall(rf"Recomputed snapshots of user {user_id} ", logs.all())) == 1
    assert not SnapshotQueue.objects.exists()
    february = Snapshot.objects.get(owner_id=user_id, portfolio=None, month=date(2024, 2, 1))
    assert february.by_category["living_expenses"] == "4055.00"  # 2 x 2,000 + 1 + 2 + ... + 10
    assert every_row() == rows_after_a_recompute_here([user_id])


def test_two_workers_recompute_overlapping_batches_into_the_same_rows(celery_worker_pair):
    ids = make_users(12)
    # Without markers the nightly fan-out is exactly three batches (from last month);
    # with them it would add one per user, racing the batches below for the markers.
    SnapshotQueue.objects.all().delete()
    logs = Logs(celery_worker_pair)

    tasks.recompute_all.delay(batch_size=4)  # the nightly fan-out: three batches
    batches = [ids[0:8], ids[4:12], ids, ids[2:10], ids[6:12], ids[0:5]]
    for batch in batches:
        tasks.recompute_batch.delay(batch)

    logs.wait_for(lambda: logs.count(BATCH_DONE) == 3 + len(batches), "every batch")
    for worker in celery_worker_pair:
        assert BATCH_DONE.search(logs.of(worker)), "each worker did some of the batches"
    assert "IntegrityError" not in logs.all()
    assert "Traceback" not in logs.all()
    assert not SnapshotQueue.objects.exists()
    rows = every_row()
    assert len({(r["owner"], r["portfolio"], r["month"]) for r in rows}) == len(rows)
    assert Snapshot.objects.filter(portfolio=None).values("owner").distinct().count() == 12
    assert rows == rows_after_a_recompute_here(ids)


def _child_pids(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        return [int(p) for p in children.read_text().split()]
    return [
        int(stat.parent.name)
        for stat in Path("/proc").glob("[0-9]*/stat")
        if stat.read_text().split(") ")[-1].split()[1] == str(pid)
    ]


class _Blocker:
    """Holds a lock from a second connection so a worker's batch stops before it commits.

    PostgreSQL: one of the batch's snapshot rows locked FOR UPDATE (the worker's
    INSERT ... ON CONFLICT waits on it, its earlier rows written but not committed).
    SQLite: a read transaction (the worker's COMMIT waits for it to end).
    """

    def __init__(self, owner_id: int):
        settings = connection.settings_dict
        self.vendor = connection.vendor
        if self.vendor == "postgresql":
            import psycopg

            self.conn = psycopg.connect(
                dbname=settings["NAME"],
                user=settings["USER"],
                password=settings["PASSWORD"] or None,
                host=settings["HOST"] or None,
                port=settings["PORT"] or None,
            )
            self.conn.execute(
                "SELECT 1 FROM portfolio_snapshot WHERE owner_id = %s FOR UPDATE", [owner_id]
            ).fetchall()
        else:
            self.path = Path(settings["NAME"])
            self.conn = sqlite3.connect(self.path, isolation_level=None)
            self.conn.execute("BEGIN")
            self.conn.execute("SELECT count(*) FROM portfolio_snapshot").fetchone()

    def worker_is_waiting(self) -> bool:
        if self.vendor == "postgresql":
            # From the test's own connection: a transaction (the blocker's) sees
            # pg_stat_activity as it was when it first looked.
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                    " AND query LIKE %s",
                    ['INSERT INTO "portfolio_snapshot"%'],
                )
                return cursor.fetchone()[0] > 0
        journal = self.path.with_name(self.path.name + "-journal")
        return journal.exists() and journal.stat().st_size > 0

    def release(self) -> None:
        self.conn.rollback() if self.vendor == "postgresql" else self.conn.execute("ROLLBACK")
        self.conn.close()


def test_a_worker_killed_mid_batch_redelivers_and_the_rows_are_complete(celery_worker_pair):
    ids = make_users(6)
    snapshots.snapshots_recompute(user_ids=ids)
    expected = every_row()
    # Stale and missing rows for the batch to put right.
    Snapshot.objects.filter(owner_id__in=ids[:3]).delete()
    Snapshot.objects.update(net_worth=D(-1))
    logs = Logs(celery_worker_pair)

    blocker = _Blocker(ids[-1])
    try:
        tasks.recompute_batch.delay(ids)
        logs.wait_for(blocker.worker_is_waiting, "the batch to be half written")
        (worker,) = (w for w in celery_worker_pair if "recompute_batch" in logs.of(w))
        (child,) = _child_pids(worker.process.pid)
        if connection.vendor == "sqlite":
            time.sleep(0.5)  # the rest of the batch's INSERTs, up to its COMMIT
        os.kill(child, signal.SIGKILL)
        logs.wait_for(lambda: "WorkerLostError" in logs.of(worker), "the worker to notice")
        assert every_row() != expected  # the killed run committed nothing
    finally:
        blocker.release()

    logs.wait_for(lambda: logs.count(BATCH_DONE) == 1, "the batch sent again")
    assert child not in _child_pids(worker.process.pid)  # the pool replaced the process
    assert every_row() == expected
