"""The snapshot table's owner and portfolio keys (migration portfolio 0020).

They are checked by triggers rather than foreign keys (a statement's rows at once):
a row naming a user or portfolio that does not exist is refused, deleting a user or
a portfolio by any means deletes their rows, a row's keys never change, and a
recompute racing an account's deletion leaves no orphan either way round.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from portfolio import snapshot_keys
from portfolio.models import Snapshot
from tests.factories import SnapshotFactory, UserFactory

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


@pytest.mark.django_db
def test_a_migrate_puts_back_the_triggers_a_table_rebuild_dropped(owner):
    # What Django's rebuild of the table on SQLite (for many later migrations) does.
    table = "ON portfolio_snapshot" if connection.vendor == "postgresql" else ""
    trigger = "keys_exist" if connection.vendor == "postgresql" else "owner_exists"
    _raw(f"DROP TRIGGER {snapshot_keys.PREFIX}_{trigger} {table}", [])

    call_command("migrate", verbosity=0)

    row = SnapshotFactory.build(owner=owner)
    row.owner_id = MISSING
    with pytest.raises(IntegrityError, match="user that does not exist"), transaction.atomic():
        row.save()


# --- Races (PostgreSQL: SQLite has one writer at a time, so nothing can interleave) ---


class _Step(threading.Thread):
    """Runs ``work`` on its own connection, inside a transaction that stays open
    until ``finish`` (when ``hold``); records what it raised."""

    def __init__(self, work, *, hold: bool):
        super().__init__(daemon=True)
        self.work, self.hold = work, hold
        self.started_work = threading.Event()
        self.done_work = threading.Event()
        self.release = threading.Event()
        self.error: BaseException | None = None

    def run(self):
        try:
            with transaction.atomic():
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


def _waits_on_a_lock(statement: str) -> None:
    """Return once a backend is waiting for a lock while running ``statement...``."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE wait_event_type = 'Lock' AND query LIKE %s",
                [statement + "%"],
            )
            if cursor.fetchone()[0]:
                return
        time.sleep(0.05)
    raise AssertionError(f"nothing waited on a lock running {statement}")


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
    _waits_on_a_lock('DELETE FROM "')  # the rows' owner and portfolio are locked

    recompute.finish()
    deletion.finish()

    assert recompute.error is None
    assert deletion.error is None
    assert not Snapshot.objects.exists()
    assert not type(user).objects.filter(pk=user.pk).exists()


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
    _waits_on_a_lock('INSERT INTO "portfolio_snapshot"')

    deletion.finish()
    recompute.finish()

    assert deletion.error is None
    assert isinstance(recompute.error, IntegrityError)
    assert "user that does not exist" in str(recompute.error)
    assert not Snapshot.objects.exists()
