"""The snapshot recompute service (portfolio/snapshots.py), called directly.

Hand-worked months, idempotency, the months a back-dated change recomputes, the
debounce of a burst of edits, and the signals that mark a user's snapshots stale.
"""

from __future__ import annotations

import datetime as dt
import json
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from unittest import mock

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import strategies as st

from portfolio import selectors, snapshots, tasks
from portfolio.categories import GROUP_OF
from portfolio.models import Entry, Portfolio, Snapshot, SnapshotQueue, Stream
from portfolio.services import stream_confirm_month
from tests.factories import (
    EntryFactory,
    HoldingFactory,
    PortfolioFactory,
    SnapshotFactory,
    StreamFactory,
    UserFactory,
    ValuationFactory,
)

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 15, 12, tzinfo=dt.UTC)
D = Decimal


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def request_transaction(django_capture_on_commit_callbacks):
    """Changes made as one request makes them: in their own transaction, whose
    on-commit callbacks run at the end; the tasks they queue are recorded, not sent."""

    @contextmanager
    def run():
        queued: list[tuple] = []
        with (
            mock.patch.object(
                tasks.recompute_user, "apply_async", lambda args, **kw: queued.append((args, kw))
            ),
            django_capture_on_commit_callbacks(execute=True),
        ):
            yield queued

    return run


@pytest.fixture
def history(owner, portfolio, request_transaction):
    """15 months, January 2025 to March 2026 (today is 15 March 2026):

    salary 3,000 and living expenses 2,000 a month from January 2025; dividends
    300 a quarter from March 2025; a bonus of 1,200 in June 2025; cash worth 10,000
    (1 Jan 2025), 16,000 (31 Jul 2025), 20,000 (1 Mar 2026) and 99,999 on 20 March
    2026, after today; a flat of 200,000 and its mortgage of -150,000 from 1 Feb 2025.
    """
    with request_transaction():
        StreamFactory(
            portfolio=portfolio, category="salary", amount=D("3000"), first_date=date(2025, 1, 1)
        )
        StreamFactory(
            portfolio=portfolio,
            category="living_expenses",
            amount=D("2000"),
            first_date=date(2025, 1, 1),
        )
        StreamFactory(
            portfolio=portfolio,
            category="dividends",
            amount=D("300"),
            frequency="quarterly",
            first_date=date(2025, 3, 10),
        )
        EntryFactory(
            portfolio=portfolio, category="bonus", amount=D("1200"), date=date(2025, 6, 20)
        )
        cash = HoldingFactory(portfolio=portfolio, kind="cash")
        for day, value in [
            (date(2025, 1, 1), "10000"),
            (date(2025, 7, 31), "16000"),
            (date(2026, 3, 1), "20000"),
            (date(2026, 3, 20), "99999"),
        ]:
            ValuationFactory(holding=cash, date=day, value=D(value))
        flat = HoldingFactory(portfolio=portfolio, kind="property")
        ValuationFactory(holding=flat, date=date(2025, 2, 1), value=D("200000"))
        mortgage = HoldingFactory(portfolio=portfolio, kind="loan")
        ValuationFactory(holding=mortgage, date=date(2025, 2, 1), value=D("-150000"))
    return portfolio


def rows(owner, portfolio=None) -> dict[str, Snapshot]:
    return {
        s.month.isoformat()[:7]: s
        for s in Snapshot.objects.filter(owner=owner, portfolio=portfolio).order_by("month")
    }


def comparable(snapshot: Snapshot) -> dict:
    values = model_to_dict(snapshot)
    values.pop("computed_at")
    return values


def every_row() -> list[dict]:
    return [comparable(s) for s in Snapshot.objects.order_by("owner", "portfolio", "month")]


# --- Hand-worked months ---------------------------------------------------------------


def test_months_against_hand_computed_figures(owner, history):
    result = snapshots.snapshots_recompute(user_ids=[owner.pk])

    mine = rows(owner)
    assert list(mine) == [f"2025-{m:02}" for m in range(1, 13)] + ["2026-01", "2026-02", "2026-03"]
    assert result.rows_written == 30  # 15 months, of the user and of the one portfolio

    january = mine["2025-01"]  # the first month of flows: a window of one month
    assert (january.earned, january.passive, january.spending) == (D("3000"), D(0), D("2000"))
    assert (january.liquid_assets, january.net_worth) == (D("10000"), D("10000"))
    assert january.figure("wealth_ratio") == D(0)
    assert january.window_months == 1
    assert january.figure("runway_months") == D("5")  # 10,000 / 2,000 a month
    assert january.figure("passive_coverage") == D(0)
    assert january.figure("savings_rate") == D("0.333333")  # 1,000 / 3,000
    assert january.figure("passive_per_hour") is None  # no passive income, no hours
    assert january.passive_per_hour_infinite is False

    # Six months since the first flow: six salaries and the bonus; the quarterly
    # dividends of March and June (a window of six is not shorter than a quarter).
    june = mine["2025-06"]
    assert june.window_months == 6
    assert (june.earned, june.passive, june.spending) == (D("19200"), D("600"), D("12000"))
    assert june.by_category == {
        "bonus": "1200.00",
        "dividends": "600.00",
        "living_expenses": "12000.00",
        "salary": "18000.00",
    }
    assert (june.liquid_assets, june.net_worth) == (D("10000"), D("60000"))
    assert june.figure("wealth_ratio") == D("0.031250")  # 600 / 19,200
    assert june.figure("runway_months") == D("5")  # 10,000 / (12,000 / 6)
    assert june.figure("runway_with_passive_months") == D("5.263158")  # 10,000 / 1,900
    assert june.figure("passive_coverage") == D("0.05")
    assert june.figure("savings_rate") == D("0.393939")  # 7,800 / 19,800
    assert june.figure("passive_per_hour") == D("Infinity")  # passive income, no hours
    assert (june.passive_per_hour, june.passive_per_hour_infinite) == (None, True)

    august = mine["2025-08"]  # the cash valuation of 31 July counts at the end of July on
    assert mine["2025-07"].liquid_assets == D("16000")
    assert august.net_worth == D("66000")

    current = mine["2026-03"]  # twelve months, April 2025 - March 2026; balances as of today
    assert current.window_months == 12
    assert (current.earned, current.passive, current.spending) == (
        D("37200"),
        D("1200"),
        D("24000"),
    )
    assert (current.liquid_assets, current.net_worth) == (D("20000"), D("70000"))
    assert current.figure("wealth_ratio") == D("0.032258")  # 1,200 / 37,200
    assert current.figure("savings_rate") == D("0.375")


def test_current_month_matches_the_dashboard(owner, history):
    snapshots.snapshots_recompute(user_ids=[owner.pk])

    figures = selectors.figures_at(
        portfolios=owner.portfolios.all(), as_of=date(2026, 3, 15), currency=owner.currency
    )
    current = rows(owner)["2026-03"]
    for name in ("earned", "passive", "spending", "liquid_assets", "net_worth"):
        assert getattr(current, name) == getattr(figures, name), name
    for name in Snapshot.METRICS:
        expected = getattr(figures, name)
        if expected is not None and expected.is_finite():
            expected = expected.quantize(D("0.000001"))
        assert current.figure(name) == expected, name


def test_user_rows_sum_the_portfolios_and_each_portfolio_has_its_own(owner, history):
    company = PortfolioFactory(owner=owner, name="Company")
    StreamFactory(
        portfolio=company, category="royalties", amount=D("100"), first_date=date(2026, 1, 5)
    )

    snapshots.snapshots_recompute(user_ids=[owner.pk])

    assert rows(owner)["2026-03"].passive == D("1200") + D("300")
    assert list(rows(owner, company)) == ["2026-01", "2026-02", "2026-03"]
    only_company = rows(owner, company)["2026-03"]
    assert (only_company.passive, only_company.earned) == (D("300"), D(0))
    assert only_company.figure("wealth_ratio") == D("Infinity")  # fully passive
    assert only_company.figure("savings_rate") == D(1)
    assert rows(owner, history)["2026-03"].passive == D("1200")


def test_undefined_figures_without_any_flow(owner, portfolio):
    ValuationFactory(holding=HoldingFactory(portfolio=portfolio), date=date(2026, 2, 1))

    snapshots.snapshots_recompute(user_ids=[owner.pk])

    current = rows(owner)["2026-03"]
    assert current.figure("wealth_ratio") is None
    assert current.wealth_ratio_infinite is False
    assert current.figure("savings_rate") is None
    assert current.figure("runway_months") == D("Infinity")  # nothing spent: free


def test_a_metric_cannot_be_both_a_value_and_infinite(owner, history):
    snapshots.snapshots_recompute(user_ids=[owner.pk])
    with pytest.raises(IntegrityError), transaction.atomic():
        Snapshot.objects.filter(owner=owner).update(wealth_ratio_infinite=True)


def test_history_starts_with_the_first_row_and_is_capped_at_50_years(owner, portfolio):
    StreamFactory(portfolio=portfolio, first_date=date(1900, 1, 1))

    snapshots.snapshots_recompute(user_ids=[owner.pk])

    months = list(rows(owner))
    assert len(months) == 600
    assert (months[0], months[-1]) == ("1976-04", "2026-03")


def test_the_current_month_follows_the_users_time_zone(owner, history):
    owner.time_zone = "Pacific/Kiritimati"  # UTC+14
    owner.save()
    with time_machine.travel(dt.datetime(2026, 3, 31, 12, tzinfo=dt.UTC), tick=False):
        snapshots.snapshots_recompute(user_ids=[owner.pk])
    assert list(rows(owner))[-1] == "2026-04"  # 1 April in Kiritimati


# --- Idempotent, set-based ------------------------------------------------------------


def test_running_twice_gives_the_same_rows(owner, history):
    snapshots.snapshots_recompute(user_ids=[owner.pk])
    first = every_row()
    ids = set(Snapshot.objects.values_list("pk", flat=True))

    with time_machine.travel(NOW + dt.timedelta(minutes=5), tick=False):
        result = snapshots.snapshots_recompute(user_ids=[owner.pk, owner.pk])

    assert every_row() == first
    assert set(Snapshot.objects.values_list("pk", flat=True)) == ids  # updated in place
    assert result.rows_deleted == 0
    assert Snapshot.objects.filter(computed_at=NOW + dt.timedelta(minutes=5)).count() == 30


def _synchronous_commit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_recompute_commits_without_waiting_and_later_commits_still_wait(owner, history):
    with CaptureQueriesContext(connection) as captured:
        snapshots.snapshots_recompute(user_ids=[owner.pk])

    unwaited = [q["sql"] for q in captured if "synchronous_commit" in q["sql"]]
    if connection.vendor != "postgresql":
        assert unwaited == []  # SQLite has no such setting: nothing to change
        return
    assert unwaited == ["SET LOCAL synchronous_commit TO OFF"]
    # Only for the recompute's own transaction: a user's edit after it waits for the disk.
    assert _synchronous_commit() == "on"
    assert Snapshot.objects.filter(owner=owner).exists()


def test_a_recompute_inside_another_transaction_waits_as_that_one_does(owner, history):
    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        snapshots.snapshots_recompute(user_ids=[owner.pk])
        if connection.vendor == "postgresql":
            assert _synchronous_commit() == "on"

    assert not [q for q in captured if q["sql"].startswith("SET LOCAL synchronous_commit")]


def test_queries_per_batch_do_not_grow_with_users_or_months(owner, history):
    def queries_for(user_ids) -> int:
        with CaptureQueriesContext(connection) as captured:
            snapshots.snapshots_recompute(user_ids=user_ids)
        return len(captured)

    one = queries_for([owner.pk])
    others = []
    for n in range(6):
        user = UserFactory()
        p = user.portfolios.get()
        StreamFactory(portfolio=p, first_date=date(2020 + n, 1, 1))
        EntryFactory(portfolio=p, date=date(2024, 1, 1))
        ValuationFactory(holding=HoldingFactory(portfolio=p), date=date(2021, 5, 5))
        others.append(user.pk)
    assert queries_for([owner.pk, *others]) == one


def test_rows_outside_the_history_are_deleted(owner, history):
    snapshots.snapshots_recompute(user_ids=[owner.pk])
    Entry.objects.create(
        portfolio=history, date=date(2024, 11, 5), amount=D("50"), category="interest"
    )
    snapshots.snapshots_recompute(user_ids=[owner.pk])
    assert min(rows(owner)) == "2024-11"

    Entry.objects.filter(date=date(2024, 11, 5)).delete()
    result = snapshots.snapshots_recompute(user_ids=[owner.pk], since=date(2025, 6, 1))

    assert min(rows(owner)) == "2025-01"
    assert result.rows_deleted == 4  # Nov and Dec 2024, of the user and of the portfolio


def test_a_portfolio_without_data_has_no_rows(owner, history):
    empty = PortfolioFactory(owner=owner)
    SnapshotFactory(
        owner=owner,
        portfolio=empty,
        month=date(2026, 1, 1),
        earned=D(0),
        passive=D(0),
        spending=D(0),
        liquid_assets=D(0),
        computed_at=NOW,
    )
    snapshots.snapshots_recompute(user_ids=[owner.pk])
    assert not Snapshot.objects.filter(portfolio=empty).exists()


# --- Only the months a change can touch -------------------------------------------------


def stamp_all(moment):
    Snapshot.objects.update(computed_at=moment)


def recomputed_months(owner, since_moment, portfolio=None) -> list[str]:
    return [m for m, s in rows(owner, portfolio).items() if s.computed_at >= since_moment]


def test_a_back_dated_entry_recomputes_exactly_the_months_from_its_date_on(
    owner, history, request_transaction
):
    snapshots.snapshots_recompute(user_ids=[owner.pk])
    stamp_all(NOW - dt.timedelta(days=1))
    with request_transaction() as queued:
        EntryFactory(
            portfolio=history, category="interest", amount=D("240"), date=date(2025, 9, 10)
        )
    (((user_id, version), _),) = queued

    assert SnapshotQueue.objects.get(user=owner).dirty_since == date(2025, 9, 1)
    result = snapshots.recompute_dirty(user_id=user_id, version=version)

    expected = ["2025-09", "2025-10", "2025-11", "2025-12", "2026-01", "2026-02", "2026-03"]
    assert recomputed_months(owner, NOW) == expected
    assert recomputed_months(owner, NOW, history) == expected
    assert result.rows_written == 14
    assert rows(owner)["2025-09"].passive == D("900") + D("240")
    assert rows(owner)["2025-08"].passive == D("600")
    assert not SnapshotQueue.objects.exists()
    # The result is what a full recompute gives.
    partial = every_row()
    snapshots.snapshots_recompute(user_ids=[owner.pk])
    assert every_row() == partial


def test_moving_an_entry_later_recomputes_from_its_old_date(owner, history, request_transaction):
    SnapshotQueue.objects.all().delete()
    entry = Entry.objects.get(category="bonus")
    entry.date = date(2025, 11, 2)
    with request_transaction():
        entry.save()
    assert SnapshotQueue.objects.get(user=owner).dirty_since == date(2025, 6, 1)


@pytest.mark.parametrize(
    ("change", "since"),
    [
        ("stream first date moved later", date(2025, 1, 1)),
        ("stream first date moved earlier", date(2024, 7, 1)),
        ("valuation added", date(2025, 12, 1)),
        ("holding made illiquid", date(2025, 1, 1)),
        ("stream deleted", date(2025, 3, 1)),
    ],
)
def test_each_kind_of_change_marks_from_the_earliest_month_it_touches(
    owner, history, change, since
):
    SnapshotQueue.objects.all().delete()
    if change == "stream first date moved later":
        stream = history.streams.get(category="salary")
        stream.first_date = date(2025, 5, 1)
        stream.save()
    elif change == "stream first date moved earlier":
        stream = history.streams.get(category="salary")
        stream.first_date = date(2024, 7, 31)
        stream.save()
    elif change == "valuation added":
        ValuationFactory(holding=history.holdings.get(kind="cash"), date=date(2025, 12, 24))
    elif change == "holding made illiquid":
        cash = history.holdings.get(kind="cash")
        cash.liquid = False
        cash.save()
    elif change == "stream deleted":
        history.streams.get(category="dividends").delete()
    assert SnapshotQueue.objects.get(user=owner).dirty_since == since


def test_deleting_a_user_with_data_marks_nothing(owner, history):
    SnapshotQueue.objects.all().delete()
    owner.delete()
    assert not SnapshotQueue.objects.exists()


def test_deleting_a_portfolio_marks_its_first_month(owner, history, request_transaction):
    company = PortfolioFactory(owner=owner)
    with request_transaction():
        for n in range(5):
            EntryFactory(portfolio=company, date=date(2025, 4, 4 + n))
        EntryFactory(portfolio=company, date=date(2024, 2, 29))
    SnapshotQueue.objects.all().delete()
    with request_transaction() as queued, CaptureQueriesContext(connection) as captured:
        company.delete()
    assert len(queued) == 1
    assert SnapshotQueue.objects.get(user=owner).dirty_since == date(2024, 2, 1)
    marker_writes = [q for q in captured if "snapshotqueue" in q["sql"].lower()]
    assert len(marker_writes) <= 2  # one per new earliest month, not one per row


# --- The debounce -----------------------------------------------------------------------


def test_ten_edits_give_one_recompute(
    owner, history, request_transaction, django_capture_on_commit_callbacks
):
    queued = []
    for n in range(10):  # ten requests, each its own transaction
        with request_transaction() as sent:
            EntryFactory(portfolio=history, amount=D(n + 1), date=date(2026, 1, n + 1))
        queued += sent
    # The history's marker was version 1.
    assert [args for args, _ in queued] == [(owner.pk, v) for v in range(2, 12)]
    assert {kw["countdown"] for _, kw in queued} == {snapshots.DEBOUNCE_SECONDS}

    recomputes = []

    def count(sender, user_ids, **kwargs):
        recomputes.append(user_ids)

    snapshots.recomputed.connect(count)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            results = [tasks.recompute_user.apply(args=args).get() for args, _ in queued]
    finally:
        snapshots.recomputed.disconnect(count)

    assert recomputes == [[owner.pk]]
    assert results == [None] * 9 + [30]  # only the task of the last edit worked
    assert rows(owner)["2026-03"].spending == D("24000") + sum(D(n) for n in range(1, 11))
    assert not SnapshotQueue.objects.exists()


def test_a_burst_in_one_transaction_queues_one_task(owner, history, request_transaction):
    with request_transaction() as queued, transaction.atomic():
        for n in range(10):
            EntryFactory(portfolio=history, amount=D(1), date=date(2026, 1, 20 - n))
    assert [args for args, _ in queued] == [(owner.pk, SnapshotQueue.objects.get().version)]


def test_a_rolled_back_change_leaves_no_marker_and_no_task(owner, history, request_transaction):
    SnapshotQueue.objects.all().delete()
    with request_transaction() as queued:
        try:
            with transaction.atomic():
                EntryFactory(portfolio=history, date=date(2026, 1, 1))
                raise RuntimeError("the request failed")
        except RuntimeError:
            pass
        EntryFactory(portfolio=history, date=date(2026, 2, 1))
    assert [args for args, _ in queued] == [(owner.pk, 1)]
    assert SnapshotQueue.objects.get().dirty_since == date(2026, 2, 1)


def test_a_user_editing_without_pause_is_recomputed_after_the_max_debounce(
    owner, history, request_transaction
):
    SnapshotQueue.objects.all().delete()
    with request_transaction():
        EntryFactory(portfolio=history, date=date(2026, 1, 1))  # version 1
    with request_transaction():
        EntryFactory(portfolio=history, date=date(2026, 1, 2))  # version 2, its task is pending
    assert snapshots.recompute_dirty(user_id=owner.pk, version=1) is None
    later = NOW + snapshots.MAX_DEBOUNCE + dt.timedelta(seconds=1)
    with time_machine.travel(later, tick=False):
        assert snapshots.recompute_dirty(user_id=owner.pk, version=1) is not None
    assert snapshots.recompute_dirty(user_id=owner.pk, version=2) is None  # nothing left


def test_an_edit_during_a_recompute_keeps_its_marker(owner, history, request_transaction):
    SnapshotQueue.objects.all().delete()
    with request_transaction():
        EntryFactory(portfolio=history, date=date(2026, 1, 1))
    marker = SnapshotQueue.objects.get()
    load = snapshots._load

    def edit_meanwhile(*args, **kwargs):
        with request_transaction():
            EntryFactory(portfolio=history, date=date(2025, 2, 2))  # bumps the version
        return load(*args, **kwargs)

    with mock.patch.object(snapshots, "_load", edit_meanwhile):
        snapshots.recompute_dirty(user_id=owner.pk, version=marker.version)

    left = SnapshotQueue.objects.get()
    assert (left.version, left.dirty_since) == (marker.version + 1, date(2025, 2, 1))


def test_a_broker_failure_keeps_the_marker(
    owner, history, django_capture_on_commit_callbacks, caplog
):
    SnapshotQueue.objects.all().delete()
    with (
        mock.patch.object(tasks.recompute_user, "apply_async", side_effect=OSError("broker down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        EntryFactory(portfolio=history, date=date(2026, 1, 1))
    assert SnapshotQueue.objects.filter(user=owner).exists()
    assert "Could not queue the snapshot recompute" in caplog.text


# --- Tasks called directly --------------------------------------------------------------


def test_recompute_batch_task(owner, history):
    assert tasks.recompute_batch.apply(args=([owner.pk],)).get() == 30
    assert tasks.recompute_batch.apply(args=([owner.pk], "2026-01-01")).get() == 6


def test_recompute_all_fans_out_batches(owner, history):
    users = [UserFactory() for _ in range(4)]
    for user in users:
        StreamFactory(portfolio=user.portfolios.get(), first_date=date(2026, 1, 1))
    sent = []
    with mock.patch.object(
        tasks, "group", lambda sigs: mock.Mock(apply_async=lambda: sent.extend(sigs))
    ):
        assert tasks.recompute_all.apply(kwargs={"batch_size": 2}).get() == 5
    # Batches from last month on, then each user whose marker is older (here, all of
    # them: their changes' tasks were never run) from the marked month.
    assert [s.args for s in sent] == [
        ([owner.pk, users[0].pk], "2026-02-01"),
        ([users[1].pk, users[2].pk], "2026-02-01"),
        ([users[3].pk], "2026-02-01"),
        ([owner.pk], "2025-01-01"),
        *(([user.pk], "2026-01-01") for user in users),
    ]
    for signature in sent:
        signature.apply()
    assert Snapshot.objects.filter(portfolio=None).count() == 15 + 4 * 3
    assert not SnapshotQueue.objects.exists()


def test_the_nightly_job_rewrites_only_the_last_two_months(owner, history):
    snapshots.snapshots_recompute(user_ids=[owner.pk])
    stamp_all(NOW - dt.timedelta(days=1))
    sent = []
    with mock.patch.object(
        tasks, "group", lambda sigs: mock.Mock(apply_async=lambda: sent.extend(sigs))
    ):
        tasks.recompute_all.apply()
    for signature in sent:
        signature.apply()

    assert recomputed_months(owner, NOW) == ["2026-02", "2026-03"]
    assert recomputed_months(owner, NOW, history) == ["2026-02", "2026-03"]


def test_transient_database_errors_are_retried_with_backoff(owner):
    from django.db import OperationalError

    with (
        mock.patch.object(snapshots, "snapshots_recompute", side_effect=OperationalError("locked")),
        mock.patch.object(
            tasks.recompute_batch, "retry", side_effect=RuntimeError("retry")
        ) as retry,
        pytest.raises(RuntimeError),
    ):
        tasks.recompute_batch.apply(args=([owner.pk],), throw=True)
    assert retry.call_args.kwargs["countdown"] == 5


def test_tasks_are_acknowledged_late_with_time_limits():
    for task in (tasks.recompute_user, tasks.recompute_batch, tasks.recompute_all):
        assert task.acks_late and task.reject_on_worker_lost
        assert task.max_retries == tasks.MAX_RETRIES
        assert 0 < task.soft_time_limit < task.time_limit


def test_the_nightly_job_is_on_beats_schedule():
    from django_celery_beat.models import PeriodicTask

    job = PeriodicTask.objects.get(task="snapshots.recompute_all")
    assert (job.crontab.minute, job.crontab.hour, str(job.crontab.timezone)) == ("30", "2", "UTC")


# --- The command ------------------------------------------------------------------------


def test_command_recomputes_everyone_with_a_progress_bar(owner, history, capsys):
    other = UserFactory()
    StreamFactory(portfolio=other.portfolios.get(), first_date=date(2026, 2, 1))
    call_command("recompute_snapshots", "--batch-size", "1")
    out = capsys.readouterr().out
    assert "2/2 users" in out
    assert "Recomputed 34 snapshots of 2 users" in out
    assert Snapshot.objects.filter(owner=other).count() == 4


def test_command_for_one_user_since_a_month(owner, history, capsys):
    snapshots.snapshots_recompute(user_ids=[owner.pk])
    stamp_all(NOW - dt.timedelta(days=1))
    call_command("recompute_snapshots", "--user", "OWNER@example.com", "--since", "2026-02")
    assert recomputed_months(owner, NOW) == ["2026-02", "2026-03"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--user", "nobody@example.com"], "No user with the e-mail address"),
        (["--since", "2026-13"], "YYYY-MM"),
        (["--since", "March"], "YYYY-MM"),
    ],
)
def test_command_rejects_bad_arguments(owner, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("recompute_snapshots", *args)


def test_portfolio_model_is_unchanged_by_snapshots(owner):
    # The default portfolio still comes with a new user; snapshots add no row.
    assert Portfolio.objects.filter(owner=owner).count() == 1
    assert not Snapshot.objects.exists()


def test_confirming_a_streams_month_marks_the_snapshots_stale_from_that_month(
    owner, history, request_transaction
):
    SnapshotQueue.objects.all().delete()
    salary = Stream.objects.get(category="salary")
    with request_transaction() as queued:
        made = stream_confirm_month(stream=salary, year=2025, month=10)

    assert len(made) == 1
    assert SnapshotQueue.objects.get(user=owner).dirty_since == date(2025, 10, 1)
    assert len(queued) == 1  # one debounced recompute queued on commit


@pytest.mark.parametrize("rows", [1, 50])
def test_deleting_a_holding_or_portfolio_costs_the_same_queries_however_many_rows(
    owner, portfolio, rows, django_assert_max_num_queries
):
    cash = HoldingFactory(portfolio=portfolio, kind="cash")
    for i in range(rows):
        day = date(2024, 1, 1) + dt.timedelta(days=i)
        ValuationFactory(holding=cash, date=day, value=D(i + 1))
        EntryFactory(portfolio=portfolio, category="salary", amount=D("1"), date=day)

    with django_assert_max_num_queries(5):
        cash.delete()
    # The portfolio's own tables, its statement rules and imported rows' keys among them,
    # after the owner's recompute lock (PostgreSQL).
    with django_assert_max_num_queries(12):
        portfolio.delete()
    assert SnapshotQueue.objects.get(user=owner).dirty_since == date(2024, 1, 1)


@given(
    st.dictionaries(
        st.sampled_from(sorted(GROUP_OF)),
        st.decimals(allow_nan=False, allow_infinity=False, places=None),
        max_size=6,
    )
)
def test_by_category_is_stored_as_the_json_of_its_amounts_in_plain_digits(by_category):
    # Built without a JSON encoder: the text must be what encoding the dict gives,
    # every amount written out in full (no 1E-7, no 1E+3), zeros left out.
    expected = {c: format(a, "f") for c, a in sorted(by_category.items()) if a}
    text = snapshots._by_category_json(by_category)
    assert text == json.dumps(expected)
