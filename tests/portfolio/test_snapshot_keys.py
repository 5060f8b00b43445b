"""The snapshot table's owner and portfolio keys (migration portfolio 0020).

They are checked by triggers rather than foreign keys (a statement's rows at once):
a row naming a user or portfolio that does not exist is refused, deleting a user or
a portfolio by any means deletes their rows, a row's keys never change, and a
recompute racing an account's deletion leaves no orphan either way round.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager, nullcontext
from datetime import date
from unittest import mock

import pytest
from django.apps import apps as global_apps
from django.conf import settings
from django.core.management.sql import emit_post_migrate_signal, emit_pre_migrate_signal
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, transaction
from django.db.backends.utils import CursorWrapper
from django.db.migrations.loader import MigrationLoader
from django.test import Client
from django.urls import reverse

from dataport import import_jobs
from dataport.models import ImportJob
from portfolio import services, snapshot_keys, snapshots
from portfolio.models import Portfolio, Snapshot, SnapshotQueue
from tests.dataport.test_json_import import encode, valid_document
from tests.factories import PortfolioFactory, SnapshotFactory, StreamFactory, UserFactory

MISSING = 987_654_321


def _raw(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@contextmanager
def _rolled_back():
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@pytest.mark.django_db
class TestKeys:
    def test_a_row_naming_no_user_is_refused(self, owner):
        row = SnapshotFactory.build(owner=owner)
        row.owner_id = MISSING
        with pytest.raises(IntegrityError, match="user that does not exist"), transaction.atomic():
            row.save()
        assert not Snapshot.objects.exists()

    def test_a_row_naming_no_portfolio_is_refused(self, owner):
        row = SnapshotFactory.build(owner=owner)
        row.portfolio_id = MISSING
        with (
            pytest.raises(IntegrityError, match="portfolio that does not exist"),
            transaction.atomic(),
        ):
            row.save()
        assert not Snapshot.objects.exists()

    def test_one_missing_user_or_portfolio_refuses_a_whole_statement(self, owner, portfolio):
        fine = [SnapshotFactory.build(owner=owner, month=date(2026, m, 1)) for m in (1, 2)]
        no_user = SnapshotFactory.build(owner=owner, month=date(2026, 3, 1))
        no_user.owner_id = MISSING
        no_portfolio = SnapshotFactory.build(owner=owner, portfolio=portfolio)
        no_portfolio.portfolio_id = MISSING
        for missing in (no_user, no_portfolio):
            with pytest.raises(IntegrityError, match="does not exist"), transaction.atomic():
                Snapshot.objects.bulk_create([*fine, missing])  # one INSERT of three rows
        assert not Snapshot.objects.exists()

    def test_rows_of_existing_owners_are_written_and_saved_again(self, owner, portfolio):
        SnapshotFactory(owner=owner)
        row = SnapshotFactory(owner=owner, portfolio=portfolio)

        row.net_worth = row.net_worth + 1
        row.save()  # an UPDATE naming the unchanged keys

        assert Snapshot.objects.filter(owner=owner).count() == 2

    def test_a_row_keeps_its_owner_and_portfolio(self, owner, portfolio, stranger):
        SnapshotFactory(owner=owner, portfolio=portfolio)
        with pytest.raises(IntegrityError), transaction.atomic():
            Snapshot.objects.update(owner=stranger)
        with pytest.raises(IntegrityError), transaction.atomic():
            Snapshot.objects.update(portfolio=stranger.portfolios.get())
        with pytest.raises(IntegrityError), transaction.atomic():
            Snapshot.objects.update(portfolio=None)
        assert Snapshot.objects.get().portfolio == portfolio

    def test_a_user_deleted_outside_django_takes_their_rows(self, owner, portfolio, stranger):
        SnapshotFactory(owner=owner)
        SnapshotFactory(owner=owner, portfolio=portfolio)
        kept = SnapshotFactory(owner=stranger)

        with _rolled_back():  # the user's other rows would fail their foreign keys
            _raw("DELETE FROM accounts_user WHERE id = %s", [owner.pk])

            assert list(Snapshot.objects.all()) == [kept]

    def test_a_portfolio_deleted_outside_django_takes_its_rows(self, owner, portfolio):
        users_row = SnapshotFactory(owner=owner)
        SnapshotFactory(owner=owner, portfolio=portfolio)

        with _rolled_back():
            _raw("DELETE FROM portfolio_portfolio WHERE id = %s", [portfolio.pk])

            assert list(Snapshot.objects.all()) == [users_row]

    def test_ids_that_snapshots_refer_to_cannot_change(self, owner, portfolio):
        SnapshotFactory(owner=owner, portfolio=portfolio)
        with pytest.raises(IntegrityError), transaction.atomic():
            _raw("UPDATE accounts_user SET id = %s WHERE id = %s", [MISSING, owner.pk])
        with pytest.raises(IntegrityError), transaction.atomic():
            _raw("UPDATE portfolio_portfolio SET id = %s WHERE id = %s", [MISSING, portfolio.pk])


@pytest.mark.django_db(transaction=True)  # TRUNCATE waits for no pending foreign-key check
def test_users_or_portfolios_truncated_take_their_rows(owner, portfolio):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    SnapshotFactory(owner=owner)
    SnapshotFactory(owner=owner, portfolio=portfolio)

    _raw("TRUNCATE portfolio_portfolio CASCADE", [])
    assert list(Snapshot.objects.values_list("portfolio", flat=True)) == [None]
    _raw("TRUNCATE accounts_user CASCADE", [])
    assert not Snapshot.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_later_migration_can_rebuild_the_tables_and_the_rules_hold_after(owner, portfolio):
    """What ``migrate`` does around a later migration that alters these tables. On
    SQLite, Django rebuilds each one (a copy, the old one dropped, the copy renamed),
    which SQLite refuses while a trigger names the table; PostgreSQL alters in place."""
    loader = MigrationLoader(connection)
    plan = [(loader.get_migration(*snapshot_keys.MIGRATION), False)]
    emit_pre_migrate_signal(0, False, DEFAULT_DB_ALIAS, plan=plan, apps=global_apps)
    if connection.vendor == "sqlite":
        state = loader.project_state().apps  # the models a migration is given
        with connection.schema_editor() as editor:
            for label in (settings.AUTH_USER_MODEL, "portfolio.Portfolio", "portfolio.Snapshot"):
                editor._remake_table(state.get_model(label))
    emit_post_migrate_signal(0, False, DEFAULT_DB_ALIAS, plan=plan, apps=global_apps)

    row = SnapshotFactory.build(owner=owner)
    row.owner_id = MISSING
    with pytest.raises(IntegrityError, match="user that does not exist"), transaction.atomic():
        row.save()
    SnapshotFactory(owner=owner, portfolio=portfolio)
    _raw("DELETE FROM portfolio_portfolio WHERE id = %s", [portfolio.pk])
    assert not Snapshot.objects.exists()


# --- Races (PostgreSQL: SQLite has one writer at a time, so nothing can interleave) ---


class _Step(threading.Thread):
    """Runs ``work`` on its own connection, inside a transaction that stays open
    until ``finish`` (when ``hold``); records what it raised."""

    def __init__(self, work, *, hold: bool, in_transaction: bool = True):
        super().__init__(daemon=True)
        self.work, self.hold, self.in_transaction = work, hold, in_transaction
        self.started_work = threading.Event()
        self.done_work = threading.Event()
        self.release = threading.Event()
        self.error: BaseException | None = None

    def run(self):
        try:
            with transaction.atomic() if self.in_transaction else nullcontext():
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_backend_pid()")
                    self.pid = cursor.fetchone()[0]
                self.started_work.set()
                self.work()
                self.done_work.set()
                if self.hold:
                    assert self.release.wait(30)
        except BaseException as error:  # handed to the test
            self.error = error
        finally:
            self.done_work.set()
            connection.close()

    def finish(self) -> None:
        self.release.set()
        self.join(30)
        assert not self.is_alive()


def _waits_on_a_lock(step: _Step) -> None:
    """Return once ``step``'s connection is waiting for a lock (a row's or an advisory one)."""
    assert step.started_work.wait(20)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = %s AND wait_event_type = 'Lock'",
                [step.pid],
            )
            if cursor.fetchone()[0]:
                return
        time.sleep(0.05)
    raise AssertionError("the step never waited for a lock")


@pytest.fixture
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time")


@pytest.mark.django_db(transaction=True)
def test_rows_committed_while_their_user_is_deleted_go_with_the_user(postgresql_only):
    user = UserFactory()
    portfolio = user.portfolios.get()
    recompute = _Step(
        lambda: (SnapshotFactory(owner=user), SnapshotFactory(owner=user, portfolio=portfolio)),
        hold=True,
    )
    recompute.start()
    assert recompute.done_work.wait(20)
    assert recompute.error is None
    deletion = _Step(lambda: user.delete(), hold=False)  # Django's cascade sees no rows yet
    deletion.start()
    _waits_on_a_lock(deletion)  # for the rows' portfolio and owner

    recompute.finish()
    deletion.finish()

    assert recompute.error is None
    assert deletion.error is None
    assert not Snapshot.objects.exists()
    assert not type(user).objects.filter(pk=user.pk).exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("paused", ["before", "after"])
@pytest.mark.parametrize("deleted", ["account", "portfolio"])
def test_a_deletion_during_a_recompute_waits_for_it_then_takes_the_rows(
    postgresql_only, deleted, paused
):
    """A recompute paused before or after its first INSERT of rows, and meanwhile the
    account deleted (Django's cascade: markers, portfolios, user) or a portfolio
    deleted from its page (the owner's portfolios locked FOR UPDATE first)."""
    user = UserFactory()
    portfolio = user.portfolios.get()
    PortfolioFactory(owner=user)  # so that one can be deleted
    portfolio_id = portfolio.pk  # before a deletion sets it to None
    StreamFactory(portfolio=portfolio, first_date=date(2025, 1, 1))  # salary
    StreamFactory(portfolio=portfolio, category="living_expenses", first_date=date(2025, 1, 1))
    pause = threading.Event()
    go_on = threading.Event()
    execute = CursorWrapper.execute

    def pausing_execute(cursor, sql, params=None):
        writes = threading.current_thread() is recompute and sql.startswith(
            'INSERT INTO "portfolio_'
        )
        if writes and paused == "before" and not pause.is_set():
            pause.set()
            assert go_on.wait(30)
        result = execute(cursor, sql, params)
        if writes and paused == "after" and not pause.is_set():
            pause.set()
            assert go_on.wait(30)
        return result

    recompute = _Step(lambda: snapshots.snapshots_recompute(user_ids=[user.pk]), hold=False)
    if deleted == "account":
        deletion = _Step(user.delete, hold=False)
    else:
        deletion = _Step(lambda: services.portfolio_delete(portfolio=portfolio), hold=False)
    with mock.patch.object(CursorWrapper, "execute", pausing_execute):
        recompute.start()
        assert pause.wait(20)
        deletion.start()
        _waits_on_a_lock(deletion)
        go_on.set()
        recompute.finish()
        deletion.finish()

    assert recompute.error is None  # no deadlock: neither was undone
    assert deletion.error is None
    assert not Snapshot.objects.filter(portfolio_id=portfolio_id).exists()
    if deleted == "account":
        assert not Snapshot.objects.exists()
        assert not type(user).objects.filter(pk=user.pk).exists()
    else:  # the user's own rows are recomputed without it
        assert not Portfolio.objects.filter(pk=portfolio_id).exists()
        assert SnapshotQueue.objects.filter(user=user).exists()


def _pausing(thread_of, after, pause: threading.Event, go_on: threading.Event):
    """CursorWrapper.execute that stops the first time ``thread_of()``'s thread has run
    a statement for which ``after(sql)`` is true, until ``go_on``."""
    execute = CursorWrapper.execute

    def pausing_execute(cursor, sql, params=None):
        result = execute(cursor, sql, params)
        if threading.current_thread() is thread_of() and after(sql) and not pause.is_set():
            pause.set()
            assert go_on.wait(30)
        return result

    return mock.patch.object(CursorWrapper, "execute", pausing_execute)


@pytest.mark.django_db(transaction=True)
def test_an_account_deleted_while_its_json_import_runs_waits_for_the_import(
    postgresql_only, password
):
    user = UserFactory()
    browser = Client()
    browser.force_login(user)
    job = ImportJob.objects.create(
        owner=user, kind=ImportJob.Kind.JSON, data=encode(valid_document())
    )
    pause, go_on = threading.Event(), threading.Event()
    # Autocommit outside its own transaction, as in the worker.
    run = _Step(lambda: import_jobs.json_import_run(job.pk), hold=False, in_transaction=False)
    deletion = _Step(  # from the account page, whose view has its own transaction
        lambda: browser.post(reverse("accounts:delete"), {"password": password}),
        hold=False,
        in_transaction=False,
    )
    locks_the_job = lambda sql: "FOR UPDATE" in sql and '"dataport_importjob"' in sql  # noqa: E731
    with _pausing(lambda: run, locks_the_job, pause, go_on):
        run.start()
        assert pause.wait(20)  # the job's row locked, the data not yet written
        deletion.start()  # the import job among what it deletes
        _waits_on_a_lock(deletion)
        go_on.set()
        run.finish()
        deletion.finish()

    assert run.error is None
    assert deletion.error is None
    assert not type(user).objects.filter(pk=user.pk).exists()
    assert not Snapshot.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_users_deleted_together_wait_for_their_batch_in_id_order(postgresql_only):
    first, second = UserFactory(), UserFactory()
    # The first user's portfolio newer than the second's (as after a JSON import):
    # Django's cascade reaches the second user's portfolio first.
    newer = PortfolioFactory(owner=first)
    Portfolio.objects.filter(owner=first).exclude(pk=newer.pk).delete()
    assert newer.pk > second.portfolios.get().pk
    pause, go_on = threading.Event(), threading.Event()
    ids = [first.pk, second.pk]
    deletion = _Step(lambda: type(first).objects.filter(pk__in=ids).delete(), hold=False)
    batch = _Step(lambda: snapshots.snapshots_recompute(user_ids=ids), hold=False)
    with _pausing(lambda: deletion, lambda sql: "pg_advisory_xact_lock" in sql, pause, go_on):
        deletion.start()  # as the admin's "delete selected" does
        assert pause.wait(20)  # its first recompute lock taken
        batch.start()
        _waits_on_a_lock(batch)
        go_on.set()
        deletion.finish()
        batch.finish()

    assert deletion.error is None
    assert batch.error is None
    assert not type(first).objects.filter(pk__in=ids).exists()


@pytest.mark.django_db(transaction=True)
def test_a_recompute_of_a_user_being_deleted_fails_and_leaves_nothing(postgresql_only):
    user = UserFactory()
    row = SnapshotFactory.build(owner=type(user).objects.get(pk=user.pk))  # not the deleted one
    deletion = _Step(lambda: user.delete(), hold=True)
    deletion.start()
    assert deletion.done_work.wait(20)
    assert deletion.error is None
    recompute = _Step(row.save, hold=False)  # the rows of a batch that read the user before
    recompute.start()
    _waits_on_a_lock(recompute)

    deletion.finish()
    recompute.finish()

    assert deletion.error is None
    assert isinstance(recompute.error, IntegrityError)
    assert "user that does not exist" in str(recompute.error)
    assert not Snapshot.objects.exists()
