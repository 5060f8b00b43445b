"""A batch recompute goes on past a user whose figures cannot be computed."""

from __future__ import annotations

import datetime as dt
import gc
import logging
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from goals.models import Milestone
from households import services as households
from portfolio import snapshots, tasks
from portfolio.models import Snapshot, SnapshotQueue, Stream
from portfolio.services import portfolio_share
from tests.factories import StreamFactory, UserFactory
from tests.helpers import break_with_raw_sql

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 15, 12, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def three_users():
    """Salary 1,000 and rent 3,500 a month from January 2026 each: three months of
    snapshots, and a ratio of 350% (a milestone); the middle one's stream frequency is
    then made one the payment calendar does not know."""
    users = [UserFactory(time_zone="UTC") for _ in range(3)]
    for user in users:
        for category, amount in (("salary", "1000"), ("rent", "3500")):
            StreamFactory(
                portfolio=user.portfolios.get(),
                category=category,
                amount=Decimal(amount),
                first_date=date(2026, 1, 1),
            )
    break_with_raw_sql(users[1], "frequency")
    return users


def months_of(user) -> list[date]:
    return list(
        Snapshot.objects.filter(owner=user, portfolio=None)
        .order_by("month")
        .values_list("month", flat=True)
    )


def test_the_others_get_their_snapshots_and_the_failing_user_is_logged(three_users, caplog):
    first, middle, last = three_users

    with caplog.at_level(logging.WARNING, logger="portfolio.snapshots"):
        result = snapshots.snapshots_recompute_batch(user_ids=[u.pk for u in three_users])

    assert result.failed == (middle.pk,)
    assert (result.users, result.rows_written) == (2, 12)  # 3 months, user and portfolio, x 2
    for user in (first, last):
        assert months_of(user) == [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
    assert months_of(middle) == []
    batch, (record,) = caplog.records[0], caplog.records[1:]
    assert batch.getMessage() == "A batch of 3 users failed; recomputing them one by one"
    assert record.getMessage() == f"The snapshots of user {middle.pk} could not be recomputed"
    assert "fortnightly" in str(record.exc_info[1])


def test_a_failing_recompute_leaves_the_cycle_collector_running(three_users):
    # The collector is paused while a batch computes; a worker process whose batch
    # raised must not go on without it (its memory would only grow).
    middle = three_users[1]
    with pytest.raises(ValueError, match="fortnightly"):
        snapshots.snapshots_recompute(user_ids=[middle.pk])
    assert gc.isenabled()
    snapshots.snapshots_recompute_batch(user_ids=[u.pk for u in three_users])
    assert gc.isenabled()


def test_the_failing_users_marker_stays_for_the_next_run(three_users):
    middle = three_users[1]
    assert SnapshotQueue.objects.count() == 3
    snapshots.snapshots_recompute_batch(user_ids=[u.pk for u in three_users])
    assert list(SnapshotQueue.objects.values_list("user_id", flat=True)) == [middle.pk]

    Stream.objects.filter(portfolio__owner=middle).update(frequency="monthly")
    result = snapshots.snapshots_recompute_batch(user_ids=[u.pk for u in three_users])
    assert result.failed == ()
    assert len(months_of(middle)) == 3
    assert not SnapshotQueue.objects.filter(user=middle).exists()


def test_the_nightly_batch_task_writes_the_others_and_records_their_milestones(
    three_users, django_capture_on_commit_callbacks
):
    first, middle, last = three_users
    with django_capture_on_commit_callbacks(execute=True):
        written = tasks.recompute_batch.apply(args=([u.pk for u in three_users],)).get()
    assert written == 12
    for user in (first, last):
        kinds = set(Milestone.objects.filter(user=user).values_list("kind", flat=True))
        assert Milestone.Kind.RATIO_100 in kinds
    assert not Milestone.objects.filter(user=middle).exists()


def test_the_command_names_the_users_it_could_not_recompute(three_users):
    out = StringIO()
    call_command("recompute_snapshots", stdout=out)
    middle = three_users[1]
    assert f"1 users could not be recomputed (user ids {middle.pk})" in out.getvalue()
    assert len(months_of(three_users[0])) == 3


def test_a_single_user_batch_is_tried_once(three_users, caplog):
    middle = three_users[1]
    with caplog.at_level(logging.WARNING, logger="portfolio.snapshots"):
        result = snapshots.snapshots_recompute_batch(user_ids=[middle.pk])
    assert result == snapshots.RecomputeResult(0, 0, 0, (middle.pk,))
    assert [r.getMessage() for r in caplog.records] == [
        f"The snapshots of user {middle.pk} could not be recomputed"
    ]


def test_a_household_that_cannot_be_computed_costs_its_members_only_its_own_rows(
    three_users, caplog
):
    """The middle user shares their broken portfolio with the first: the household's
    rows fail, the first user's own snapshots do not."""
    first, middle, _last = three_users
    home = households.household_create(user=first, name="Home")
    invitation = households.invitation_create(by=first, email=middle.email)
    households.invitation_accept(invitation=invitation, user=middle)
    portfolio_share(portfolio=middle.portfolios.get(), sharing="view")

    with caplog.at_level(logging.WARNING, logger="portfolio.snapshots"):
        result = snapshots.snapshots_recompute_batch(user_ids=[first.pk])

    assert result.failed == ()
    assert months_of(first) == [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
    assert not Snapshot.objects.filter(household=home).exists()
    assert [r.getMessage() for r in caplog.records] == [
        f"The snapshots of household {home.pk} could not be recomputed"
    ]
    assert "fortnightly" in str(caplog.records[0].exc_info[1])
